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
import { appendFileSync, createWriteStream } from 'node:fs'
import { relative } from 'node:path'
import { run } from 'node:test'
import { spec } from 'node:test/reporters'
import { childrenCpuSeconds } from './process-cpu.ts'
import timingReporter, { type TestFailure } from './timing-reporter.ts'

const [concurrencyArg, timingFile, cpuFile, ...files] = process.argv.slice(2)
const concurrency = Number(concurrencyArg)
if (!Number.isInteger(concurrency) || concurrency < 1 || !timingFile || !cpuFile || files.length === 0) {
  console.error('Usage: run-lane.ts <concurrency> <timing file> <cpu file> <file.test.ts ...>')
  process.exit(2)
}

// SIGTERM or SIGINT (the runner stopping the lane when a check fails) ends every test file's
// process through run()'s signal, so none is left running.
const stop = new AbortController()
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort())

process.on('exit', () => {
  const own = process.cpuUsage()
  const cpuSeconds = Math.round((own.user + own.system) / 1e5 + childrenCpuSeconds() * 10) / 10
  appendFileSync(cpuFile, `${JSON.stringify({ file: '(lane)', cpuSeconds })}\n`)
})

const stream = run({ files, concurrency, signal: stop.signal })
// Each failed test (not a parent that failed only because a test in it did), one JSON line to
// <timing file>.failures, so the runner can name them all again after the lanes' summaries.
const failuresFile = `${timingFile}.failures`
stream.on('test:fail', (data) => {
  process.exitCode = 1
  const error = data.details.error as Error & { failureType?: string; cause?: unknown }
  if (error.failureType === 'subtestsFailed') return
  const cause = error.cause instanceof Error ? error.cause : error
  const failure: TestFailure = {
    file: relative(process.cwd(), data.file ?? '(unknown file)')
      .split('\\')
      .join('/'),
    name: data.name,
    error: String(cause.message ?? cause)
      .split('\n')
      .slice(0, 6)
      .join('\n')
      .slice(0, 600),
  }
  appendFileSync(failuresFile, `${JSON.stringify(failure)}\n`)
})
stream.compose(new spec()).pipe(process.stdout)
stream.compose(timingReporter).pipe(createWriteStream(timingFile))
