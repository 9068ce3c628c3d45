// The test runner's batches (decision 0060): two test files run in one process keep their own
// hooks and tests, a failure is reported against its own file, and the lane counts the files'
// tests, not the batch's wrapping of them. Real files, written to a temporary folder, run by
// test/support/run-lane.ts as the runner starts it.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, test } from 'node:test'
import { root } from './support/lanes.ts'

const folder = mkdtempSync(join(tmpdir(), 'waypoint-batch-test-'))
after(() => rmSync(folder, { recursive: true, force: true }))

const first = join(folder, 'first.test.ts')
const second = join(folder, 'second.test.ts')
writeFileSync(
  first,
  `import assert from 'node:assert/strict'
import { after, before, beforeEach, test } from 'node:test'
const shared = globalThis as { firstEach?: number; firstClosed?: boolean }
let opened = false
shared.firstEach = 0
test('first: its before hook ran before its tests, though declared after them', () => {
  assert.equal(opened, true)
})
test('first: a failing test', () => {
  assert.equal(1, 2, 'one is not two')
})
before(() => { opened = true })
beforeEach(() => { shared.firstEach = (shared.firstEach ?? 0) + 1 })
after(() => { shared.firstClosed = true })
`,
)
writeFileSync(
  second,
  `import assert from 'node:assert/strict'
import { test } from 'node:test'
const shared = globalThis as { firstEach?: number; firstClosed?: boolean }
test('second: the first file closed before it, and its beforeEach ran only for its own tests', async (t) => {
  assert.equal(shared.firstClosed, true)
  assert.equal(shared.firstEach, 2)
  await t.test('second: a subtest', () => {
    assert.equal(shared.firstEach, 2)
  })
})
`,
)

const third = join(folder, 'third.test.ts')
writeFileSync(
  third,
  `import assert from 'node:assert/strict'
import { test } from 'node:test'
import { batchUncaught } from ${JSON.stringify(join(root, 'test/support/batch-uncaught.ts'))}
test('third: node:test runs without its async hook in a batch', () => {
  assert.equal(batchUncaught.harnessHookReplaced, true)
})
test('third: an error thrown in a timer fails this test', async () => {
  setTimeout(() => { throw new Error('thrown in a timer') }, 10)
  await new Promise((resolve) => setTimeout(resolve, 3000))
})
test('third: a rejection nobody awaited fails this test', async () => {
  Promise.reject(new Error('rejected, never awaited'))
  await new Promise((resolve) => setTimeout(resolve, 3000))
})
test('third: the next test runs and passes', () => {})
`,
)

const fourth = join(folder, 'fourth.test.ts')
writeFileSync(
  fourth,
  `import { test } from 'node:test'\ntest('fourth: the next file runs and passes', () => {})\n`,
)

function runLane(
  timingFile: string,
  cpuFile: string,
  files = [first, second],
  flags: string[] = [],
): Promise<{ code: number | null; output: string }> {
  // Not this test's own node:test context: run() in a test file's process runs nothing.
  // Nor a WAYPOINT_TEST_ASYNC_HOOK=1 of the run's: the lane here runs as a default run does.
  const { NODE_TEST_CONTEXT: _context, WAYPOINT_TEST_ASYNC_HOOK: _hook, ...env } = process.env
  const child = spawn(
    process.execPath,
    [...flags, join(root, 'test/support/run-lane.ts'), '1', timingFile, cpuFile, files.join(',')],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, WAYPOINT_TEST_CPU_FILE: cpuFile },
    },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })))
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>)

test('two files in one batch keep their own hooks and tests; the failure is named with its file and the lane counts their tests', async () => {
  const timingFile = join(folder, 'lane.jsonl')
  const cpuFile = join(folder, 'cpu.jsonl')
  const { code, output } = await runLane(timingFile, cpuFile)
  assert.equal(code, 1, output)
  // Three tests of the files and a subtest: the batch's test for each file is not counted.
  assert.match(output, /^ℹ lane tests 4$/m, output)
  assert.match(output, /^ℹ lane pass 3$/m)
  assert.match(output, /^ℹ lane fail 1$/m)
  const name = (file: string) => relative(root, file).split('\\').join('/')
  assert.deepEqual(
    lines(`${timingFile}.failures`).map((f) => [f.file, f.name, String(f.error).split('\n')[0]]),
    [[name(first), 'first: a failing test', 'one is not two']],
  )
  assert.deepEqual(
    lines(`${timingFile}.batches`).map((t) => [t.file, t.tests, t.failed]),
    [
      [name(first), 2, 1],
      [name(second), 1, 0],
    ],
  )
  assert.deepEqual(
    lines(cpuFile)
      .map((c) => c.file)
      .filter((file) => file !== '(lane)'),
    [name(first), name(second)],
  )
})

test('in a batch, node:test runs without its async hook, and an error nobody caught fails the test it came from at once; the next test and file still run', async () => {
  const timingFile = join(folder, 'uncaught.jsonl')
  const cpuFile = join(folder, 'uncaught-cpu.jsonl')
  // As test/run-lanes.ts starts a lane: the preload replaces the harness's hook in batches.
  const flags = ['--import', join(root, 'test/support/batch-uncaught.ts')]
  const { code, output } = await runLane(timingFile, cpuFile, [third, fourth], flags)
  assert.equal(code, 1, output)
  const name = relative(root, third).split('\\').join('/')
  assert.deepEqual(
    lines(`${timingFile}.failures`).map((f) => [f.file, f.name, String(f.error).split('\n')[0]]),
    [
      [name, 'third: an error thrown in a timer fails this test', 'thrown in a timer'],
      [name, 'third: a rejection nobody awaited fails this test', 'rejected, never awaited'],
    ],
  )
  assert.deepEqual(
    lines(`${timingFile}.batches`).map((t) => [t.file, t.tests, t.failed]),
    [
      [name, 4, 2],
      [relative(root, fourth).split('\\').join('/'), 1, 0],
    ],
  )
  // Each failed when its error came, not when its 3 s wait ended: the file's own time (not the
  // lane's, which includes starting Node and waits for the timers left behind) is under a wait.
  const thirdSeconds = Number(lines(`${timingFile}.batches`).find((t) => t.file === name)?.seconds)
  assert.ok(thirdSeconds < 3, `the third file took ${thirdSeconds} s`)
})
