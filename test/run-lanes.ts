// Runs the test lanes one after another with `node --test` and prints each lane's time, its CPU
// time and its costliest files (by CPU, with their wall time), then the total.
//
//   node test/run-lanes.ts [--checks] [fast] [slow] [file.test.ts ...]
//
// --checks runs the typecheck, the lint and the import-direction check (test/import-check.ts)
// first and stops at once if one fails. With no lane named, both lanes run; naming test files
// runs only those, each in its own lane. When a selected test needs Chromium and
// /usr/bin/chromium is missing, Debian's package is installed (as root, with apt-get) or the run
// stops at once naming the command. The last line is the total over all lanes, "N passed,
// N failed"; the exit code is non-zero if any lane failed.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { allTestFiles, type Lane, laneOf, lanes, root, usesChromium } from './support/lanes.ts'
import type { FileCpu } from './support/process-cpu.ts'
import type { FileTiming } from './support/timing-reporter.ts'

const chromiumPath = '/usr/bin/chromium'
const installChromium = 'apt-get update && apt-get install -y chromium'
const concurrency = 2
/** How many of each lane's costliest files are named after its summary. */
const costliestShown = 8
/** V8's code cache for the test processes, so each does not compile the same modules again. */
const compileCache = process.env.NODE_COMPILE_CACHE ?? join(root, 'node_modules/.cache/waypoint/compile')
const timingDir = mkdtempSync(join(tmpdir(), 'waypoint-lanes-'))
process.on('exit', () => rmSync(timingDir, { recursive: true, force: true }))

interface LaneResult {
  lane: Lane
  files: number
  tests: number
  passed: number
  failed: number
  seconds: number
  /** CPU time of the lane's processes (Linux only): a figure less swayed by a busy machine. */
  cpuSeconds: number | undefined
  code: number | null
  timings: (FileTiming & { cpuSeconds?: number })[]
}

function usage(message: string): never {
  console.error(`${message}\nUsage: node test/run-lanes.ts [--checks] [fast] [slow] [file.test.ts ...]`)
  process.exit(2)
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10
}

/** Installs Debian's Chromium when it is missing and we may, or stops the run at once. */
function ensureChromium(): void {
  if (existsSync(chromiumPath)) return
  const asRoot = process.getuid?.() === 0
  if (asRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`${chromiumPath} is missing: installing Debian's chromium package (${installChromium})`)
    const result = spawnSync('sh', ['-c', installChromium], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    if (result.status === 0 && existsSync(chromiumPath)) return
  }
  const command = asRoot ? installChromium : 'sudo apt-get update && sudo apt-get install -y chromium'
  console.error(
    `The browser tests need Chromium at ${chromiumPath}, which is missing. Install it with:\n` +
      `  ${command}\nthen run the tests again.`,
  )
  process.exit(1)
}

function runCheck(name: string, command: string, args: string[]): number {
  const started = performance.now()
  const executable = command === 'node' ? process.execPath : join(root, 'node_modules/.bin', command)
  const result = spawnSync(executable, args, { cwd: root, stdio: 'inherit' })
  const took = seconds(started)
  if (result.status !== 0) {
    console.error(`${name} failed (${took} s)`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
  console.log(`${name}: ${took} s`)
  return took
}

/** The last value of a summary line ("ℹ pass 12", or "# pass 12" from TAP) in the output. */
function summaryCount(output: string, name: string): number | undefined {
  const matches = [...output.matchAll(new RegExp(`^(?:ℹ|#) ${name} (\\d+)\\s*$`, 'gm'))]
  const last = matches.at(-1)
  return last ? Number(last[1]) : undefined
}

/** CPU seconds used by this process's finished children, from /proc/self/stat; undefined elsewhere. */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // cutime and cstime, fields 16 and 17 of proc(5), in clock ticks of 1/100 s.
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return undefined
  }
}

function runLane(lane: Lane, files: string[]): Promise<LaneResult> {
  console.log(`\n== lane ${lane}: ${files.length} test files ==`)
  const started = performance.now()
  const cpuBefore = childrenCpuSeconds()
  const timingFile = join(timingDir, `${lane}.jsonl`)
  const cpuFile = join(timingDir, `${lane}-cpu.jsonl`)
  const child = spawn(
    process.execPath,
    [
      // Answers repeated module resolutions from a cache (test/support/resolve-cache.ts).
      '--import',
      join(root, 'test/support/resolve-cache.ts'),
      // Each test file's process writes the CPU it used to cpuFile (test/support/process-cpu.ts).
      '--import',
      join(root, 'test/support/process-cpu.ts'),
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'test/support/timing-reporter.ts')}`,
      `--test-reporter-destination=${timingFile}`,
      ...files,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_COMPILE_CACHE: compileCache, WAYPOINT_TEST_CPU_FILE: cpuFile },
    },
  )
  let tail = ''
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk)
    tail = (tail + chunk.toString('utf8')).slice(-20_000)
  })
  return new Promise((done) => {
    child.on('close', (code) => {
      const tests = summaryCount(tail, 'tests')
      const passed = summaryCount(tail, 'pass') ?? 0
      let failed = (summaryCount(tail, 'fail') ?? 0) + (summaryCount(tail, 'cancelled') ?? 0)
      if (code !== 0 && failed === 0) failed = 1
      done({
        lane,
        files: files.length,
        tests: tests ?? passed + failed,
        passed,
        failed,
        seconds: seconds(started),
        cpuSeconds: lapsed(cpuBefore, childrenCpuSeconds()),
        code,
        timings: readTimings(timingFile, cpuFile),
      })
    })
  })
}

function lapsed(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined ? undefined : Math.round((after - before) * 10) / 10
}

function jsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T)
}

/** Each file's wall time and test counts, with its CPU time where its process reported it. */
function readTimings(timingFile: string, cpuFile: string): LaneResult['timings'] {
  const cpu = new Map(jsonLines<FileCpu>(cpuFile).map((c) => [c.file, c.cpuSeconds]))
  return jsonLines<FileTiming>(timingFile)
    .map((t) => ({ ...t, cpuSeconds: cpu.get(t.file) }))
    .sort((a, b) => (b.cpuSeconds ?? b.seconds) - (a.cpuSeconds ?? a.seconds) || b.seconds - a.seconds)
}

const runStarted = performance.now()
const args = process.argv.slice(2)
const checks = args.includes('--checks')
const namedLanes = new Set<Lane>()
const namedFiles: string[] = []
for (const arg of args) {
  if (arg === '--checks') continue
  if ((lanes as readonly string[]).includes(arg)) namedLanes.add(arg as Lane)
  else if (arg.endsWith('.test.ts')) namedFiles.push(arg.split('\\').join('/').replace(/^\.\//, ''))
  else usage(`Unknown argument: ${arg}`)
}

const everyFile = allTestFiles()
for (const file of namedFiles) if (!everyFile.includes(file)) usage(`Not a test file: ${file}`)
const selected = (namedFiles.length ? namedFiles : everyFile).filter(
  (file) => namedLanes.size === 0 || namedLanes.has(laneOf(file)),
)
if (selected.length === 0) usage('No test files selected')

if (selected.some(usesChromium)) ensureChromium()

const checkTimes: string[] = []
if (checks) {
  checkTimes.push(`typecheck ${runCheck('typecheck', 'tsc', ['-p', '.'])} s`)
  checkTimes.push(`lint ${runCheck('lint', 'biome', ['check'])} s`)
  // Import directions and cycles (.dependency-cruiser.cjs): prints each violation and its rule.
  checkTimes.push(
    `imports ${runCheck('imports', 'node', ['--disable-warning=ExperimentalWarning', 'test/import-check.ts'])} s`,
  )
}

const results: LaneResult[] = []
for (const lane of lanes) {
  const files = selected.filter((file) => laneOf(file) === lane)
  if (files.length) results.push(await runLane(lane, files))
}

console.log('')
for (const r of results) {
  if (r.timings.length === 0) continue
  console.log(`costliest files in lane ${r.lane} (CPU, wall):`)
  for (const t of r.timings.slice(0, costliestShown)) {
    const cpu = t.cpuSeconds === undefined ? '' : `CPU ${t.cpuSeconds} s, `
    console.log(`  ${cpu}${t.seconds} s  ${t.file} (${t.tests} tests)`)
  }
}
if (checkTimes.length) console.log(`checks: ${checkTimes.join(', ')}`)
for (const r of results) {
  const ended = r.code === 0 ? '' : `, exit code ${r.code}`
  const cpu = r.cpuSeconds === undefined ? '' : ` (CPU ${r.cpuSeconds} s)`
  console.log(
    `lane ${r.lane}: ${r.files} files, ${r.tests} tests (${r.passed} passed, ${r.failed} failed), ${r.seconds} s${cpu}${ended}`,
  )
}
const cpuTotal = results.every((r) => r.cpuSeconds !== undefined)
  ? ` (lanes' CPU ${Math.round(results.reduce((sum, r) => sum + (r.cpuSeconds ?? 0), 0) * 10) / 10} s)`
  : ''
console.log(`total: ${seconds(runStarted)} s${cpuTotal}`)
const passed = results.reduce((sum, r) => sum + r.passed, 0)
const failed = results.reduce((sum, r) => sum + r.failed, 0)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 || results.some((r) => r.code !== 0) ? 1 : 0)
