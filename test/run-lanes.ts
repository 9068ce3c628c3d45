// Runs the test lanes with node:test and prints each lane's time, its CPU time and its costliest
// files (by CPU and by wall time), then the total and the machine's load average.
//
//   node test/run-lanes.ts [--checks] [--record-times] [--one-lane] [fast] [slow] [file.test.ts ...]
//
// --checks runs the typecheck, the lint and the import-direction check (test/import-check.ts)
// side by side before the fast lane, and stops everything at once if one fails. With no lane
// named, both lanes run; naming test files runs only those, each in its own lane. When a selected
// test needs Chromium and Debian's headless shell (/usr/bin/chromium-headless-shell) is missing,
// its package is installed (as root, with apt-get) or the run stops at once naming the command.
// The last line is the total over all lanes, "N passed, N failed"; the exit code is non-zero if
// any lane failed.
//
// How the two cores are kept busy (decision 0058):
// - the slow lane starts at once, beside the checks and then the fast lane: its tests mostly wait
//   on Chromium, timers and the processes they start, so alone it kept about one core busy. Its
//   output is held and printed whole when the fast lane's is done.
// - within a lane, files start longest first (test/support/run-lane.ts), by the wall time each
//   took last (node_modules/.cache/waypoint/test-times.json, written after every run, over
//   test/support/test-times.json, which --record-times writes from the same figures for a clean
//   checkout such as CI's), so no minute-long file starts last with the other core idle. A file
//   with no figure starts first.
// - the slow lane's shortest files wait for the fast lane to end and then run in a process of
//   their own beside the rest of the slow lane ("slow, after fast"), taking the fast lane's two
//   slots; how many is worked out from the last times so that both parts end together (slowTail).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  allTestFiles,
  chromiumPackage,
  chromiumPath,
  filesIn,
  type Lane,
  laneOf,
  laneNodeOptions,
  lanes,
  root,
  runsAlone,
  startsWaypointProcess,
  usesChromium,
} from './support/lanes.ts'
import type { FileCpu } from './support/process-cpu.ts'
import type { FileTiming, TestFailure } from './support/timing-reporter.ts'

const installChromium = `apt-get update && apt-get install -y ${chromiumPackage}`
/** Test files each lane runs at once. */
const concurrency: Record<Lane, number> = { fast: 2, slow: 2 }
/**
 * Batches (decision 0060): a lane's short files run in batches, one after another in one process
 * (test/support/batch.ts). A batch holds up to an `batchesWanted`-th of the lane's batchable files'
 * last times and `batchFiles` files; a file that took longer than that share runs alone. The share
 * is of the times, not a number of seconds, so that times recorded on a slower or busier machine
 * make the same batches (at a fixed 40 s, one loaded run's times made 43 processes of the fast
 * lane where a quiet run's made 20). In the slow lane only the files that drive Chromium against
 * an app of their own are batched, sharing one Chromium (decision 0062); the drills that start
 * Waypoint processes or clusters keep a process each. WAYPOINT_TEST_BATCH=0 gives every file its
 * own process again. The fast lane's quarter makes about 8 processes of its 158 files, where a
 * sixteenth and 12 files made 21 to 25; the start-ups saved were 12-24% of the lane's CPU on two
 * machines (decision 0071).
 */
const batchesWanted: Record<Lane, number> = { fast: 4, slow: 8 }
const batchFiles: Record<Lane, number> = { fast: 40, slow: 8 }
const batching = process.env.WAYPOINT_TEST_BATCH !== '0'
/** How many of each lane's costliest files are named after its summary, by CPU and by wall time. */
const costliestShown = 10
/** V8's code cache for the test processes, so each does not compile the same modules again. */
const compileCache = process.env.NODE_COMPILE_CACHE ?? join(root, 'node_modules/.cache/waypoint/compile')
/** Each file's wall seconds from the runs on this machine, newest first over the committed ones. */
const localTimesFile = join(root, 'node_modules/.cache/waypoint/test-times.json')
const committedTimesFile = join(root, 'test/support/test-times.json')
const timingDir = mkdtempSync(join(tmpdir(), 'waypoint-lanes-'))
process.on('exit', () => rmSync(timingDir, { recursive: true, force: true }))

interface LaneResult {
  /** The lane, or the part of it ("slow, after fast"). */
  lane: string
  files: number
  tests: number
  passed: number
  failed: number
  seconds: number
  /** CPU time of the lane's processes (Linux only): a figure less swayed by a busy machine. */
  cpuSeconds: number | undefined
  code: number | null
  timings: (FileTiming & { cpuSeconds?: number })[]
  failures: TestFailure[]
}

function usage(message: string): never {
  console.error(
    `${message}\nUsage: node test/run-lanes.ts [--checks] [--record-times] [--one-lane] [fast] [slow] [file.test.ts ...]`,
  )
  process.exit(2)
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')
}

/**
 * Installs Debian's Chromium headless shell (lanes.ts `chromiumPath`) when it is missing and we
 * may, or stops the run at once. A Chromium named by WAYPOINT_CHROMIUM is never installed.
 */
function ensureChromium(): void {
  if (existsSync(chromiumPath)) return
  const asRoot = process.getuid?.() === 0
  if (process.env.WAYPOINT_CHROMIUM) {
    console.error(`WAYPOINT_CHROMIUM names ${chromiumPath}, which is missing.`)
    process.exit(1)
  }
  if (asRoot && existsSync('/usr/bin/apt-get')) {
    console.log(
      `${chromiumPath} is missing: installing Debian's ${chromiumPackage} package (${installChromium})`,
    )
    const result = spawnSync('sh', ['-c', installChromium], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    if (result.status === 0 && existsSync(chromiumPath)) return
  }
  const command = asRoot
    ? installChromium
    : `sudo apt-get update && sudo apt-get install -y ${chromiumPackage}`
  console.error(
    `The browser tests need Chromium at ${chromiumPath}, which is missing. Install it with:\n` +
      `  ${command}\nthen run the tests again.`,
  )
  process.exit(1)
}

/** Every child still running, stopped if a check fails or the run is interrupted. */
const running = new Set<ChildProcess>()

/** Set once the run is stopping: a child that ends then reports nothing. */
let stopping = false

/**
 * Stops every child still running, then exits with `code`: SIGTERM first, then SIGKILL for any
 * child not gone within 6 s. A slow lane stopped by SIGTERM alone, when the lint failed, was found
 * idle 78 minutes later, its parent gone, though its own 5 s guard (run-lane.ts) should have
 * ended it.
 */
function stopAllAndExit(code: number): void {
  stopping = true
  const children = [...running]
  for (const child of children) signalGroup(child, 'SIGTERM')
  const started = Date.now()
  setInterval(() => {
    if (children.some(groupAlive) && Date.now() - started < 6000) return
    for (const child of children) signalGroup(child, 'SIGKILL')
    process.exit(code)
  }, 100)
}

// Each check and lane runs in a process group of its own (spawned detached), so that stopping it
// stops everything it started: its test files' processes and the Waypoint processes, servers and
// clusters those start. Killing only the lane's process once left a test's Waypoint processes
// running after the test was gone.
const inGroup = { detached: true } as const

/** Sends `signal` to every process in `child`'s group; a group already gone is left alone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    child.kill(signal)
  }
}

/** Whether any process of `child`'s group is still running. */
function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false
  try {
    process.kill(-child.pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Once `child` has exited, stops what it left running in its group (a test's server or worker
 * whose test did not stop it); true if there was any.
 */
function sweepGroup(child: ChildProcess): boolean {
  if (!groupAlive(child)) return false
  signalGroup(child, 'SIGKILL')
  return true
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stopAllAndExit(130))

/** Runs a check with its output held, printed when it ends; a failure stops the whole run. */
function runCheck(name: string, command: string, args: string[]): Promise<string> {
  const started = performance.now()
  const executable = command === 'node' ? process.execPath : join(root, 'node_modules/.bin', command)
  const child = spawn(executable, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...inGroup })
  running.add(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  return new Promise((done) => {
    child.on('close', (code) => {
      running.delete(child)
      // A check stopped because another failed says nothing.
      if (stopping) return
      const took = seconds(started)
      if (output.trim()) process.stdout.write(output.endsWith('\n') ? output : `${output}\n`)
      if (code !== 0) {
        console.error(`${name} failed (${took} s)`)
        console.log('0 passed, 1 failed')
        stopAllAndExit(1)
        return
      }
      console.log(`${name}: ${took} s`)
      done(`${name} ${took} s`)
    })
  })
}

/** The last value of a summary line ("ℹ pass 12", or "# pass 12" from TAP) in the output. */
function summaryCount(output: string, name: string): number | undefined {
  const matches = [...output.matchAll(new RegExp(`^(?:ℹ|#) ${name} (\\d+)\\s*$`, 'gm'))]
  const last = matches.at(-1)
  return last ? Number(last[1]) : undefined
}

/**
 * Lanes' output: the first lane (in `lanes` order) still running writes straight to stdout; each
 * other lane's is held and written, whole, once every lane before it has ended.
 */
class Outputs {
  readonly #order: string[]
  readonly #held = new Map<string, string[]>()
  readonly #ended = new Set<string>()
  #current = 0

  constructor(order: string[]) {
    this.#order = order
  }

  write(lane: string, text: string): void {
    if (this.#order[this.#current] === lane) process.stdout.write(text)
    else {
      const held = this.#held.get(lane) ?? []
      held.push(text)
      this.#held.set(lane, held)
    }
  }

  end(lane: string): void {
    this.#ended.add(lane)
    while (this.#current < this.#order.length && this.#ended.has(this.#order[this.#current])) {
      this.#current += 1
      const next = this.#order[this.#current]
      for (const text of this.#held.get(next) ?? []) process.stdout.write(text)
      this.#held.delete(next)
    }
  }
}

/** A file that may share a process with others of its lane (decision 0060, 0062). */
function batchable(lane: Lane, file: string): boolean {
  if (runsAlone(file)) return false
  return lane === 'fast' || (usesChromium(file) && !startsWaypointProcess(file))
}

/**
 * The lane's entries for test/support/run-lane.ts, longest first: a file alone, or a batch of
 * files joined by commas. Files with no time yet, long ones and those that may not share a
 * process (batchable) keep their own.
 */
function entries(lane: Lane, files: string[], times: Record<string, number>): string[] {
  if (!batching) return files
  // The share of the whole lane's times (a part of it, the slow lane's tail, batches as the lane).
  const shareable = filesIn(lane).filter((file) => times[file] !== undefined && batchable(lane, file))
  const budget = shareable.reduce((sum, file) => sum + times[file], 0) / batchesWanted[lane]
  const result: string[] = []
  let batch: string[] = []
  let seconds = 0
  for (const file of files) {
    const took = times[file]
    if (took === undefined || took >= budget || !batchable(lane, file)) {
      result.push(file)
      continue
    }
    batch.push(file)
    seconds += took
    if (seconds >= budget || batch.length >= batchFiles[lane]) {
      result.push(batch.join(','))
      batch = []
      seconds = 0
    }
  }
  if (batch.length) result.push(batch.join(','))
  return result
}

/** The times files' entries for the last whole run: its fast lane's wall time, its slow files' sum. */
const fastLaneKey = '(the fast lane)'
const slowLaneKey = '(the slow lane)'

/** A lane's files, or a part of them, run by one test/support/run-lane.ts process. */
interface Part {
  name: string
  lane: Lane
  files: string[]
}

/**
 * The slow lane's shortest files, which start only when the fast lane has ended, beside the rest
 * of the slow lane (decision 0058): the slow lane's files mostly wait, so the two slots the fast
 * lane leaves are worth more to it than an idle core. How many comes from the last whole run, with
 * F its fast lane's wall time and S the sum of its slow files' times (both kept in the times files,
 * from the same run, so a machine's speed cancels out): the two parts end together at
 * T = (S + 2F) / 4 when the tail holds 2 (T - F) = S/2 - F of the files' times, a share of
 * 1/2 - F/S of the slow lane, which is taken of today's times, shortest files first. None when no
 * whole run is recorded, when the slow lane would end first anyway, or when only one lane runs.
 * Removes the tail's files from the slow lane's part.
 */
function slowTail(parts: Part[]): Part | undefined {
  const fast = parts.find((p) => p.name === 'fast')
  const slow = parts.find((p) => p.name === 'slow')
  const [F, S] = [times[fastLaneKey], times[slowLaneKey]]
  if (!fast || !slow || oneLane || !F || !S) return undefined
  const share = Math.max(0, 1 / 2 - F / S)
  let budget = share * slow.files.reduce((total, file) => total + (times[file] ?? 0), 0)
  const files: string[] = []
  // Shortest first; every file with a time (one without may be long).
  for (const file of [...slow.files].reverse()) {
    const took = times[file]
    if (took === undefined || took > budget) break
    files.push(file)
    budget -= took
  }
  if (files.length === 0) return undefined
  slow.files = slow.files.filter((file) => !files.includes(file))
  return { name: 'slow, after fast', lane: 'slow', files: files.reverse() }
}

function runLane(part: Part, outputs: Outputs): Promise<LaneResult> {
  const { name: lane, files } = part
  const started = performance.now()
  const key = lane.replace(/\W+/g, '-')
  const timingFile = join(timingDir, `${key}.jsonl`)
  const cpuFile = join(timingDir, `${key}-cpu.jsonl`)
  const laneEntries = entries(part.lane, files, times)
  const batches = laneEntries.filter((entry) => entry.includes(',')).length
  outputs.write(
    lane,
    `\n== lane ${lane}: ${files.length} test files${batches ? ` (${laneEntries.length} processes: ${batches} batches of files and ${laneEntries.length - batches} files alone)` : ''}, ${concurrency[part.lane]} at once, longest first ==\n`,
  )
  const child = spawn(
    process.execPath,
    [
      ...laneNodeOptions,
      join(root, 'test/support/run-lane.ts'),
      String(concurrency[part.lane]),
      timingFile,
      cpuFile,
      ...laneEntries,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_COMPILE_CACHE: compileCache, WAYPOINT_TEST_CPU_FILE: cpuFile },
      ...inGroup,
    },
  )
  running.add(child)
  // A process the lane's tests started and left running would also hold the lane's output open.
  let leftRunning = false
  child.on('exit', () => {
    if (!stopping) leftRunning = sweepGroup(child)
  })
  let tail = ''
  const take = (chunk: Buffer) => {
    const text = chunk.toString('utf8')
    outputs.write(lane, text)
    tail = (tail + text).slice(-20_000)
  }
  child.stdout?.on('data', take)
  child.stderr?.on('data', take)
  return new Promise((done) => {
    child.on('close', (code) => {
      running.delete(child)
      if (stopping) return
      const tests = summaryCount(tail, 'lane tests')
      const passed = summaryCount(tail, 'lane pass') ?? 0
      let failed = (summaryCount(tail, 'lane fail') ?? 0) + (summaryCount(tail, 'lane cancelled') ?? 0)
      if (code !== 0 && failed === 0) failed = 1
      const took = seconds(started)
      if (leftRunning)
        outputs.write(lane, `== lane ${lane} left processes running when it ended; they were stopped ==\n`)
      outputs.write(lane, `== lane ${lane} ended after ${took} s (load average ${load()}) ==\n`)
      outputs.end(lane)
      const cpu = jsonLines<FileCpu>(cpuFile)
      done({
        lane,
        files: files.length,
        tests: tests ?? passed + failed,
        passed,
        failed,
        seconds: took,
        cpuSeconds: cpu.find((c) => c.file === '(lane)')?.cpuSeconds,
        code,
        timings: readTimings([timingFile, `${timingFile}.batches`], cpu),
        failures: jsonLines<TestFailure>(`${timingFile}.failures`),
      })
    })
  })
}

function jsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T)
}

/** Each file's wall time and test counts, with its CPU time where its process reported it. */
function readTimings(timingFiles: string[], cpuLines: FileCpu[]): LaneResult['timings'] {
  const cpu = new Map(cpuLines.map((c) => [c.file, c.cpuSeconds]))
  return timingFiles
    .flatMap((file) => jsonLines<FileTiming>(file))
    .map((t) => ({ ...t, cpuSeconds: cpu.get(t.file) }))
    .sort((a, b) => (b.cpuSeconds ?? b.seconds) - (a.cpuSeconds ?? a.seconds) || b.seconds - a.seconds)
}

function readTimes(file: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>
  } catch {
    return {}
  }
}

/** The files, longest first by the wall time each took last; files with no figure first of all. */
function longestFirst(files: string[], times: Record<string, number>): string[] {
  return [...files].sort(
    (a, b) =>
      (times[b] ?? Number.POSITIVE_INFINITY) - (times[a] ?? Number.POSITIVE_INFINITY) || a.localeCompare(b),
  )
}

/** Every file's wall seconds, by path, in path order, as the times files hold them. */
function timesJson(times: Record<string, number>): string {
  const sorted = Object.fromEntries(Object.entries(times).sort(([a], [b]) => a.localeCompare(b)))
  return `${JSON.stringify(sorted, null, 2)}\n`
}

/**
 * The machine's busy CPU seconds so far, every process's (Linux's /proc/stat), or undefined
 * elsewhere. A lane's own figure misses Chromium's renderers, GPU and utility processes, which are
 * re-parented when Chromium closes and so never counted as a test process's children, and the
 * PostgreSQL server's work (decision 0062). On a machine running nothing else, the run's share of
 * this is the run's true CPU.
 */
function machineBusySeconds(): number | undefined {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number)
    return (user + nice + system + irq + softirq + steal) / 100
  } catch {
    return undefined
  }
}

const runStarted = performance.now()
const machineBusyAtStart = machineBusySeconds()
const args = process.argv.slice(2)
const checks = args.includes('--checks')
const recordTimes = args.includes('--record-times')
// --one-lane: every file selected in one lane, two at once (the PostgreSQL suite, whose slow
// files would otherwise run beside the others, four processes on one server).
const oneLane = args.includes('--one-lane')
const laneFor = (file: string): Lane => (oneLane ? 'fast' : laneOf(file))
const namedLanes = new Set<Lane>()
const namedFiles: string[] = []
for (const arg of args) {
  if (arg === '--checks' || arg === '--record-times' || arg === '--one-lane') continue
  if ((lanes as readonly string[]).includes(arg)) namedLanes.add(arg as Lane)
  else if (arg.endsWith('.test.ts')) namedFiles.push(arg.split('\\').join('/').replace(/^\.\//, ''))
  else usage(`Unknown argument: ${arg}`)
}

const everyFile = allTestFiles()
for (const file of namedFiles) if (!everyFile.includes(file)) usage(`Not a test file: ${file}`)
const selected = (namedFiles.length ? namedFiles : everyFile).filter(
  (file) => namedLanes.size === 0 || namedLanes.has(laneFor(file)),
)
if (selected.length === 0) usage('No test files selected')

if (selected.some(usesChromium)) ensureChromium()

console.log(`load average at the start: ${load()}`)
const times = { ...readTimes(committedTimesFile), ...readTimes(localTimesFile) }
const chosen: Part[] = lanes
  .map((lane) => ({
    name: lane as string,
    lane,
    files: longestFirst(
      selected.filter((file) => laneFor(file) === lane),
      times,
    ),
  }))
  .filter(({ files }) => files.length > 0)
const tail = slowTail(chosen)
if (tail) chosen.push(tail)
const outputs = new Outputs(chosen.map(({ name }) => name))

// The checks, side by side; the slow lane starts beside them and the fast lane when they pass.
const checksDone: Promise<string[]> = checks
  ? Promise.all([
      runCheck('typecheck', 'tsc', ['-p', '.']),
      runCheck('lint', 'biome', ['check']),
      // Import directions and cycles (.dependency-cruiser.cjs): prints each violation and its rule.
      runCheck('imports', 'node', ['--disable-warning=ExperimentalWarning', 'test/import-check.ts']),
    ])
  : Promise.resolve([])
let fastDone: Promise<unknown> = Promise.resolve()
const results: LaneResult[] = await Promise.all(
  chosen.map(async (part) => {
    if (part.name === 'fast') {
      await checksDone
      const done = runLane(part, outputs)
      fastDone = done
      return done
    }
    if (part === tail) {
      await checksDone
      await fastDone
    }
    return runLane(part, outputs)
  }),
)
const checkTimes = await checksDone

for (const r of results) for (const t of r.timings) times[t.file] = t.seconds
// A whole run (every file of both lanes) is the one the tail's share is worked out from.
const fastResult = results.find((r) => r.lane === 'fast')
const slowFiles = filesIn('slow')
if (
  fastResult?.files === filesIn('fast').length &&
  slowFiles.every((file) => results.some((r) => r.timings.some((t) => t.file === file)))
) {
  times[fastLaneKey] = fastResult.seconds
  times[slowLaneKey] = Math.round(slowFiles.reduce((sum, file) => sum + (times[file] ?? 0), 0) * 10) / 10
}
mkdirSync(join(localTimesFile, '..'), { recursive: true })
writeFileSync(localTimesFile, timesJson(times))
if (recordTimes)
  writeFileSync(
    committedTimesFile,
    timesJson(
      Object.fromEntries(
        Object.entries(times).filter(
          ([file]) => everyFile.includes(file) || file === fastLaneKey || file === slowLaneKey,
        ),
      ),
    ),
  )

console.log('')
for (const r of results) {
  if (r.timings.length === 0) continue
  const line = (t: LaneResult['timings'][number]) => {
    const cpu = t.cpuSeconds === undefined ? 'CPU ?' : `CPU ${t.cpuSeconds} s`
    return `  ${cpu}, wall ${t.seconds} s  ${t.file} (${t.tests} tests)`
  }
  console.log(`costliest files in lane ${r.lane} by CPU:`)
  for (const t of r.timings.slice(0, costliestShown)) console.log(line(t))
  console.log(`longest files in lane ${r.lane} by wall time:`)
  const longest = [...r.timings].sort((a, b) => b.seconds - a.seconds)
  for (const t of longest.slice(0, costliestShown)) console.log(line(t))
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
const machineBusy = machineBusySeconds()
const machineCpu =
  machineBusy !== undefined && machineBusyAtStart !== undefined
    ? `; the machine's CPU meanwhile, every process's: ${Math.round(machineBusy - machineBusyAtStart)} s`
    : ''
console.log(`total: ${seconds(runStarted)} s${cpuTotal}${machineCpu}, load average at the end: ${load()}`)
// Every failed test again, last, so a log cut to its tail still names them.
const failures = results.flatMap((r) => r.failures.map((f) => ({ ...f, lane: r.lane })))
if (failures.length) {
  console.log(`failed tests (${failures.length}):`)
  for (const f of failures) {
    console.log(`  ✖ [${f.lane}] ${f.file}: ${f.name}`)
    for (const line of f.error.split('\n').filter((l) => l.trim())) console.log(`      ${line}`)
  }
}
const passed = results.reduce((sum, r) => sum + r.passed, 0)
const failed = results.reduce((sum, r) => sum + r.failed, 0)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 || results.some((r) => r.code !== 0) ? 1 : 0)
