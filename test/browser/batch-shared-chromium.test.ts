// Browser test files in one batch (decision 0062) share one Chromium, launched by the first file
// that asks and closed when the batch ends, while each file keeps its own contexts: the second
// file finds none of the first's contexts open and none of its cookies. Real files, written to a
// temporary folder, each with a whole Waypoint of its own, run by test/support/run-lane.ts as the
// runner starts a batch. Outside a batch every file launches and closes its own Chromium, as each
// other browser test does when it runs alone.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { laneNodeOptions, root } from '../support/lanes.ts'

const folder = mkdtempSync(join(tmpdir(), 'waypoint-batch-chromium-'))
after(() => rmSync(folder, { recursive: true, force: true }))

const support = (name: string) => JSON.stringify(pathToFileURL(join(root, 'test/support', name)).href)
const file = (name: string, body: string) => {
  const path = join(folder, name)
  writeFileSync(
    path,
    `import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startBrowser } from ${support('browser.ts')}
import { createTestApp } from ${support('test-app.ts')}
const shared = globalThis as { firstBrowser?: unknown; firstPid?: number }
let t, harness
before(async () => {
  t = await createTestApp()
  harness = await startBrowser(t)
})
after(async () => {
  await harness.close()
  await t.close()
})
${body}
`,
  )
  return path
}

const first = file(
  'first.test.ts',
  `test('first: opens a page with a cookie of its own', async () => {
  const context = await harness.newContext()
  await context.addCookies([{ name: 'first', value: 'yes', url: harness.baseUrl }])
  const page = await context.newPage()
  assert.equal((await page.goto('/health/live'))?.status(), 200)
  shared.firstBrowser = harness.browser
  assert.equal(harness.browser.contexts().length, 1)
})
`,
)
const second = file(
  'second.test.ts',
  `test('second: the same Chromium, with none of the first file’s contexts or cookies', async () => {
  assert.equal(harness.browser, shared.firstBrowser)
  assert.equal(harness.browser.isConnected(), true)
  assert.deepEqual(harness.browser.contexts(), [])
  const context = await harness.newContext()
  assert.deepEqual(await context.cookies(), [])
  const page = await context.newPage()
  assert.equal((await page.goto('/health/live'))?.status(), 200)
})
`,
)

function runLane(entry: string, tag: string): Promise<{ code: number | null; output: string }> {
  // Not this test's own node:test context: run() in a test file's process runs nothing.
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env
  const cpuFile = join(folder, `${tag}-cpu.jsonl`)
  const child = spawn(
    process.execPath,
    [
      ...laneNodeOptions,
      join(root, 'test/support/run-lane.ts'),
      '1',
      join(folder, `${tag}.jsonl`),
      cpuFile,
      entry,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, WAYPOINT_TEST_CPU_FILE: cpuFile } },
  )
  let output = ''
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })))
}

test('two browser files in one batch share one Chromium, closed when the batch ends, and keep their own contexts and cookies', {
  timeout: 120_000,
}, async () => {
  const { code, output } = await runLane(`${first},${second}`, 'batch')
  // The batch's process ends (an open Chromium would hold it) and both files' tests passed.
  assert.equal(code, 0, output)
  assert.match(output, /^ℹ lane tests 2$/m, output)
  assert.match(output, /^ℹ lane pass 2$/m, output)
  const timings = readFileSync(join(folder, 'batch.jsonl.batches'), 'utf8').trim().split('\n')
  assert.equal(timings.length, 2)
})

test('outside a batch a browser file launches its own Chromium and closes it at its end', {
  timeout: 120_000,
}, async () => {
  // The process ends only once the file's own Chromium is closed (an open one would hold it).
  const { code, output } = await runLane(first, 'alone')
  assert.equal(code, 0, output)
  assert.match(output, /^ℹ lane pass 1$/m, output)
})
