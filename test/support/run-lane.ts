// One lane's test files in one process, started by test/run-lanes.ts:
//
//   node --import …resolve-cache.ts --import …process-cpu.ts test/support/run-lane.ts \
//     <concurrency> <timing file> <cpu file> <file.test.ts ...>
//
// It is `node --test` through node:test's run(), for one difference: the files start in the order
// given (the runner puts the longest first), where `node --test` sorts them by name and so could
// start a minute-long file last, with the other core idle while it runs. Each file still runs in a
// process of its own, which gets this process's --import flags. The spec reporter writes to
// stdout and the timing reporter (test/support/timing-reporter.ts) to the timing file; when this
// process exits it appends its own CPU and its finished children's, with the key "(lane)", to the
// CPU file, beside the line each test file's process writes there (test/support/process-cpu.ts).
import { appendFileSync, createWriteStream, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { run } from 'node:test'
import { spec } from 'node:test/reporters'
import { childrenCpuSeconds } from './process-cpu.ts'
import timingReporter, { inBatch, type TestFailure } from './timing-reporter.ts'

const [concurrencyArg, timingFile, cpuFile, ...entries] = process.argv.slice(2)
// An entry naming several files (joined by commas) is a batch: they run one after another in one
// process (test/support/batch.ts), through an entry module written beside the timing file.
const files = (entries ?? []).map((entry, index) => {
  if (!entry.includes(',')) return entry
  const batchFile = `${timingFile}.${index}.batch.mjs`
  const batched = entry.split(',').map((file) => resolve(file))
  writeFileSync(
    batchFile,
    `import { runBatch } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'batch.ts')).href)}\n` +
      `await runBatch(${JSON.stringify(batched)})\n`,
  )
  return batchFile
})
const concurrency = Number(concurrencyArg)
if (!Number.isInteger(concurrency) || concurrency < 1 || !timingFile || !cpuFile || files.length === 0) {
  console.error(
    'Usage: run-lane.ts <concurrency> <timing file> <cpu file> <file.test.ts[,file.test.ts…] ...>',
  )
  process.exit(2)
}

// SIGTERM or SIGINT (the runner stopping the lane when a check fails) ends every test file's
// process through run()'s signal, so none is left running, and then this process: one stopped
// this way was once found an hour later, idle, its parent gone. If run() has not let it end
// within a few seconds, it exits anyway.
const stop = new AbortController()
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    stop.abort()
    setTimeout(() => process.exit(130), 5000).unref()
  })

process.on('exit', () => {
  const own = process.cpuUsage()
  const cpuSeconds = Math.round((own.user + own.system) / 1e5 + childrenCpuSeconds() * 10) / 10
  appendFileSync(cpuFile, `${JSON.stringify({ file: '(lane)', cpuSeconds })}\n`)
})

// What batches write about each of their files, beside what node:test's events say of the others.
process.env.WAYPOINT_TEST_TIMING_FILE = `${timingFile}.batches`
const failuresFile = `${timingFile}.failures`
process.env.WAYPOINT_TEST_FAILURES_FILE = failuresFile

const stream = run({ files, concurrency, signal: stop.signal })

/** Tests counted as node:test counts them (not suites), leaving out a batch's test for each file. */
const counts = { tests: 0, passed: 0, failed: 0, cancelled: 0, skipped: 0, todo: 0 }
const counted = (data: { nesting: number; file?: string; details: { type?: string } }) =>
  data.details.type !== 'suite' && !(data.nesting === 0 && data.file !== undefined && inBatch(data.file))

// Each failed test (not a parent that failed only because a test in it did), one JSON line to
// <timing file>.failures, so the runner can name them all again after the lanes' summaries. A
// batched file's own tests are written by the batch (test/support/batch.ts), which knows their file.
stream.on('test:pass', (data) => {
  if (!counted(data)) return
  counts.tests += 1
  if (data.skip) counts.skipped += 1
  else if (data.todo) counts.todo += 1
  else counts.passed += 1
})
stream.on('test:fail', (data) => {
  process.exitCode = 1
  const error = data.details.error as Error & { failureType?: string; cause?: unknown }
  if (counted(data)) {
    counts.tests += 1
    if (error.failureType === 'cancelledByParent') counts.cancelled += 1
    else counts.failed += 1
  }
  if (error.failureType === 'subtestsFailed') return
  const declaredIn = data.file ?? '(unknown file)'
  if (/[\\/]test[\\/]support[\\/]batch-test-api\.ts$/.test(declaredIn)) return
  // A batch's test for a file fails by itself when the file's import or hooks fail.
  const wholeFile = inBatch(declaredIn) && data.nesting === 0
  const cause = error.cause instanceof Error ? error.cause : error
  const failure: TestFailure = {
    file: wholeFile ? data.name : relative(process.cwd(), declaredIn).split('\\').join('/'),
    name: wholeFile ? '(the file itself: its import or its hooks)' : data.name,
    error: String(cause.message ?? cause)
      .split('\n')
      .slice(0, 6)
      .join('\n')
      .slice(0, 600),
  }
  appendFileSync(failuresFile, `${JSON.stringify(failure)}\n`)
})
const reported = stream.compose(new spec())
reported.pipe(process.stdout, { end: false })
// The lane's own count, last, for test/run-lanes.ts: node:test's would count each batched file's test.
reported.on('end', () => {
  process.stdout.write(
    `ℹ lane tests ${counts.tests}\nℹ lane pass ${counts.passed}\nℹ lane fail ${counts.failed}\n` +
      `ℹ lane cancelled ${counts.cancelled}\nℹ lane skipped ${counts.skipped}\nℹ lane todo ${counts.todo}\n`,
  )
})
stream.compose(timingReporter).pipe(createWriteStream(timingFile))
