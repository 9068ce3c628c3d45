// A node:test reporter that writes one JSON line per test file: its path, wall time from the
// moment the runner started it to its end, and its test counts. test/run-lanes.ts adds it beside
// the spec reporter and prints the costliest files of each lane from what it writes.
import { relative } from 'node:path'
import type { TestEvent } from 'node:test/reporters'

export interface FileTiming {
  file: string
  seconds: number
  tests: number
  failed: number
}

/** A failed test, as test/support/run-lane.ts writes it for the runner's closing list. */
export interface TestFailure {
  file: string
  name: string
  error: string
}

/** Whether an event's file is a batch's: its entry module or the batch's own modules. */
export function inBatch(file: string): boolean {
  return /\.batch\.mjs$|[\\/]test[\\/]support[\\/]batch(-test-api)?\.ts$/.test(file)
}

export default async function* timingReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const started = new Map<string, number>()
  const ended = new Map<string, number>()
  const counts = new Map<string, { tests: number; failed: number }>()
  for await (const event of source) {
    const data = event.data as { file?: string; nesting?: number; name?: string }
    const file = data.file
    // A batch of files (test/support/batch.ts) writes each file's line itself.
    if (!file || inBatch(file)) continue
    if (event.type === 'test:dequeue' && data.nesting === 0 && !started.has(file)) {
      started.set(file, performance.now())
    } else if (event.type === 'test:summary') {
      const c = event.data.counts
      counts.set(file, { tests: c.tests, failed: c.tests - c.passed - c.skipped - c.todo })
    } else if (
      event.type === 'test:complete' &&
      data.nesting === 0 &&
      data.name &&
      file.endsWith(data.name)
    ) {
      ended.set(file, performance.now())
    }
  }
  for (const [file, end] of ended) {
    const timing: FileTiming = {
      file: relative(process.cwd(), file).split('\\').join('/'),
      seconds: Math.round((end - (started.get(file) ?? end)) / 100) / 10,
      ...(counts.get(file) ?? { tests: 0, failed: 0 }),
    }
    yield `${JSON.stringify(timing)}\n`
  }
}
