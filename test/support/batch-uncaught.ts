// Preloaded into the test processes (`--import`, by test/run-lanes.ts); in a batch process only
// (test/support/batch.ts, whose entry is a `.batch.mjs`), node:test's harness gets an async hook
// that does nothing, and this module says which test an uncaught error came from instead.
//
// Why (decision 0066): node:test's harness enables, for the life of the process, an async hook
// with `init` and `destroy`, only to know which test an uncaught exception or an unhandled
// rejection came from. With a destroy hook enabled, Node tracks every promise until it is
// garbage collected (a weak handle each), and calls the hook for each. In a batch of 38 fast-lane
// files that was 4 of 41 s of CPU: the hook's calls, the handles and the collections after them.
//
// What replaces it: a batch runs its files one after another, and each file's tests one at a
// time (test/support/batch-test-api.ts), so the test running when an error is not caught is
// known without following the async chain. `failRunningTest` hands the error to that test, which
// fails with it, as node:test fails it; outside any test, the batch's test for the file fails.
// The harness's own listener still sees the error, reports it and fails the process.
import asyncHooks from 'node:async_hooks'

/** WAYPOINT_TEST_ASYNC_HOOK=1 keeps node:test's own hook, to compare or to follow an error's chain. */
const inBatch =
  (process.argv[1]?.endsWith('.batch.mjs') ?? false) && process.env.WAYPOINT_TEST_ASYNC_HOOK !== '1'

if (inBatch) {
  const createHook = asyncHooks.createHook
  // The harness loads async_hooks' createHook when node:test is first imported, after preloads.
  ;(asyncHooks as { createHook: typeof createHook }).createHook = (callbacks) => {
    if (!new Error().stack?.includes('internal/test_runner/harness')) return createHook(callbacks)
    batchUncaught.harnessHookReplaced = true
    const inert: asyncHooks.AsyncHook = { enable: () => inert, disable: () => inert }
    return inert
  }
  const fail = (error: unknown) => {
    const running = batchUncaught.running.at(-1)
    if (running) running(error)
    else process.stderr.write(`an error no test caught, outside any test: ${String(error)}\n`)
  }
  process.on('uncaughtException', fail)
  process.on('unhandledRejection', fail)
}

export const batchUncaught = {
  /** Whether this process's node:test harness got the inert hook (a batch process). */
  harnessHookReplaced: false,
  /** The fail-callbacks of the tests running now, innermost last. */
  running: [] as ((error: unknown) => void)[],
  active: inBatch,
}

/**
 * Runs `body` as the test now running: an error no code caught (an exception in a callback, a
 * rejected promise nobody awaited) while it runs fails it, with that error.
 */
export async function failRunningTest<T>(body: () => Promise<T> | T): Promise<T> {
  if (!batchUncaught.active) return body()
  let failWith: (error: unknown) => void = () => {}
  const failed = new Promise<never>((_, reject) => {
    failWith = reject
  })
  batchUncaught.running.push(failWith)
  try {
    return await Promise.race([Promise.resolve().then(body), failed])
  } finally {
    batchUncaught.running.splice(batchUncaught.running.lastIndexOf(failWith), 1)
  }
}
