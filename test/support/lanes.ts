// Test lanes. Every *.test.ts file under src/ and test/ is in exactly one lane:
// - slow: the browser/axe crawl (test/browser/) and the tests that start Chromium or real
//   `src/main.ts` processes (kill -9, restart, the command line);
// - fast: everything else, the unit and integration tests for the edit loop.
// `npm run test:fast` runs the fast lane; `npm test` runs both (test/run-lanes.ts).
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export type Lane = 'fast' | 'slow'
export const lanes: readonly Lane[] = ['fast', 'slow']

export const root = resolve(import.meta.dirname, '../..')

/**
 * The Node.js options of each lane's process (test/run-lanes.ts), whose test files' processes
 * inherit them. A test that starts a lane itself (test/browser/batch-shared-chromium.test.ts)
 * starts it with these too, as the runner does.
 */
export const laneNodeOptions: readonly string[] = [
  // PGlite's WebAssembly runs as V8's baseline (Liftoff) code only, never compiled again by
  // TurboFan: a test process is too short-lived to earn that back. The fast lane alone used
  // 336 s of the machine's CPU with it, 364 s without (decision 0063). Each file's process
  // inherits the flag.
  '--liftoff-only',
  // The JavaScript's optimising tier stops at Maglev: TurboFan's compiling, on V8's background
  // threads, is not earned back in a test process's minute or so. One batch of 52 fast-lane
  // files, five alternating pairs: 81, 75, 75, 73 and 71 s of the machine's CPU without it,
  // 79, 73, 72, 69 and 68 s with it. JavaScript means the same at every tier.
  '--max-opt=2',
  // Answers repeated module resolutions from a cache (test/support/resolve-cache.ts).
  '--import',
  join(root, 'test/support/resolve-cache.ts'),
  // Each test file's process writes the CPU it used to the file WAYPOINT_TEST_CPU_FILE names
  // (test/support/process-cpu.ts).
  '--import',
  join(root, 'test/support/process-cpu.ts'),
  // A batch's process does without node:test's async hook (test/support/batch-uncaught.ts).
  '--import',
  join(root, 'test/support/batch-uncaught.ts'),
]

/** Folders whose every test file is in the slow lane. */
export const slowFolders = ['test/browser/']

/** Test files outside those folders that start Chromium or real Waypoint processes. */
export const slowFiles = [
  'src/assist/forms.test.ts',
  'src/assist/provider-pages.test.ts',
  'src/assist/summary.test.ts',
  'src/messaging/kill-worker.test.ts',
  'src/messaging/restart-dispatch.test.ts',
  'src/platform/audit/verify-command.test.ts',
  'src/writeback/pages.test.ts',
  // The database fail-over drill: PostgreSQL clusters of its own and a real Waypoint process.
  'test/database-failover.test.ts',
  // The Notify-outage drill: real web and worker processes.
  'test/notify-outage.test.ts',
]

/** Every test file, relative to the repository root with forward slashes, sorted. */
export function allTestFiles(): string[] {
  const files: string[] = []
  for (const top of ['src', 'test']) {
    for (const entry of readdirSync(join(root, top), { recursive: true, encoding: 'utf8' })) {
      const path = `${top}/${entry.split('\\').join('/')}`
      if (path.endsWith('.test.ts') && !path.includes('/node_modules/')) files.push(path)
    }
  }
  return files.sort()
}

export function laneOf(file: string): Lane {
  if (slowFolders.some((folder) => file.startsWith(folder)) || slowFiles.includes(file)) return 'slow'
  return 'fast'
}

export function filesIn(lane: Lane): string[] {
  return allTestFiles().filter((file) => laneOf(file) === lane)
}

/**
 * The Chromium the tests drive: Debian's `chromium-headless-shell`, the same Chromium (version
 * and Blink) as the `chromium` package built as a headless shell without the whole browser's
 * windowing, GPU process and browser UI. The browser tests used about half the machine's CPU
 * with it that they used with `/usr/bin/chromium --headless` (decision 0063).
 * WAYPOINT_CHROMIUM names another, such as /usr/bin/chromium to run them in the whole browser.
 */
export const chromiumPath = process.env.WAYPOINT_CHROMIUM ?? '/usr/bin/chromium-headless-shell'
/** The Debian package that installs `chromiumPath` when it is the default. */
export const chromiumPackage = 'chromium-headless-shell'

/** A test file that launches Chromium, directly or through test/support/browser.ts. */
export function usesChromium(file: string): boolean {
  return /chromium\.launch|startBrowser\(|launchChromium\(/.test(readFileSync(join(root, file), 'utf8'))
}

/** A test file that starts `src/main.ts` in a child process. */
export function startsWaypointProcess(file: string): boolean {
  const source = readFileSync(join(root, file), 'utf8')
  return (
    /\b(spawn|spawnSync|execFile|execFileSync|fork|exec|execSync)\(/.test(source) && /main\.ts/.test(source)
  )
}

/**
 * A fast-lane file that runs in a process of its own rather than in a batch (decision 0060):
 * one with suites (`describe`), which a batch would count as tests.
 */
export function runsAlone(file: string): boolean {
  return /import\s*\{[^}]*\bdescribe\b[^}]*\}\s*from\s*'node:test'/.test(
    readFileSync(join(root, file), 'utf8'),
  )
}
