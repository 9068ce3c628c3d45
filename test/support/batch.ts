// Runs several test files one after another in one process: a batch, made by
// test/support/run-lane.ts from a lane's short files (decision 0060). A test file's process spent
// about 1.5 s of CPU starting Node, loading the app's modules and compiling PGlite's WebAssembly
// before its first test, more than most files' tests took; a batch pays that once.
//
// Each file becomes a test named by its path, holding the file's own tests and hooks
// (test/support/batch-test-api.ts, to which its `node:test` import is pointed). What the runner
// learns of a file from its own process, the batch writes for each file: its CPU to
// WAYPOINT_TEST_CPU_FILE (as test/support/process-cpu.ts does), its wall time and tests to
// WAYPOINT_TEST_TIMING_FILE (as test/support/timing-reporter.ts does), and each of its failed
// tests to WAYPOINT_TEST_FAILURES_FILE (as test/support/run-lane.ts does), since node:test's
// events name where a test was declared, which for a batched file's own tests is the batch's.
import { appendFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { batchResources } from './batch-resources.ts'
import { failRunningTest } from './batch-uncaught.ts'
import { recordCalls, replayCalls } from './batch-test-api.ts'
import { childrenCpuSeconds, type FileCpu } from './process-cpu.ts'
import type { FileTiming, TestFailure } from './timing-reporter.ts'

const root = join(import.meta.dirname, '../..')
const api = new URL('./batch-test-api.ts', import.meta.url).href

// A test file's `node:test` is the batch's; every other module's (the batch's own) is node:test.
registerHooks({
  resolve(specifier, context, nextResolve) {
    if ((specifier === 'node:test' || specifier === 'test') && context.parentURL?.endsWith('.test.ts'))
      return { url: api, shortCircuit: true }
    return nextResolve(specifier, context)
  },
})

/** The name each file's test has: its path from the repository root. */
export function batchTestName(file: string): string {
  return relative(root, file).split('\\').join('/')
}

function append(file: string | undefined, line: object): void {
  if (file) appendFileSync(file, `${JSON.stringify(line)}\n`)
}

export async function runBatch(files: string[]): Promise<void> {
  // Chromium, launched by the first file that wants one, serves the rest (batch-resources.ts).
  batchResources.active = true
  for (const file of files) {
    const name = batchTestName(file)
    const cpu = process.cpuUsage()
    const children = childrenCpuSeconds()
    const started = performance.now()
    const counts = { tests: 0, failed: 0 }
    await test(name, { concurrency: 1 }, async (context) => {
      // The file's own tests (not their subtests, which node:test's events name rightly).
      context.afterEach((ended) => {
        // `passed` and `error` are node:test's (Node 24), not yet in its types.
        const done = ended as typeof ended & { passed: boolean; error?: unknown }
        if (done.fullName !== `${name} > ${done.name}`) return
        counts.tests += 1
        if (done.passed) return
        counts.failed += 1
        const error = done.error as (Error & { cause?: unknown }) | undefined
        const cause = error?.cause instanceof Error ? error.cause : error
        const failure: TestFailure = {
          file: name,
          name: done.name,
          error: String(cause?.message ?? cause)
            .split('\n')
            .slice(0, 6)
            .join('\n')
            .slice(0, 600),
        }
        append(process.env.WAYPOINT_TEST_FAILURES_FILE, failure)
      })
      // An error nobody caught outside the file's tests (in its import or hooks) fails the file.
      await failRunningTest(async () => {
        const calls = await recordCalls(() => import(pathToFileURL(file).href))
        await replayCalls(context, calls)
      })
    })
    const used = process.cpuUsage(cpu)
    const cpuLine: FileCpu = {
      file: name,
      cpuSeconds: Math.round((used.user + used.system) / 1e5 + (childrenCpuSeconds() - children) * 10) / 10,
    }
    append(process.env.WAYPOINT_TEST_CPU_FILE, cpuLine)
    const timing: FileTiming = {
      file: name,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      ...counts,
    }
    append(process.env.WAYPOINT_TEST_TIMING_FILE, timing)
  }
  await batchResources.end()
}
