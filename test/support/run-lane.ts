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
import { run } from 'node:test'
import { spec } from 'node:test/reporters'
import { childrenCpuSeconds } from './process-cpu.ts'
import timingReporter from './timing-reporter.ts'

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
stream.on('test:fail', () => {
  process.exitCode = 1
})
stream.compose(new spec()).pipe(process.stdout)
stream.compose(timingReporter).pipe(createWriteStream(timingFile))
