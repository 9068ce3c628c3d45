// node:test as a test file sees it when it runs in a batch (test/support/batch.ts): several test
// files, one after another, in one process. Each file's top-level `test`, `describe`, `before`,
// `after` and `beforeEach` calls are recorded while the file is imported, then made on a test of
// its own named by the file, so that its hooks and tests stay its own, as they are when the file
// has a process to itself (node:test's own `isolation: 'none'` would attach every file's
// top-level hooks to one root). Outside a batch's import, each call is node:test's own.
import * as nodeTest from 'node:test'
import type { TestContext, TestOptions } from 'node:test'
import { failRunningTest } from './batch-uncaught.ts'

type Kind = 'test' | 'describe' | 'before' | 'after' | 'beforeEach' | 'afterEach'
type Fn = (...args: never[]) => unknown
type AnyCall = (...args: unknown[]) => unknown
interface Call {
  kind: Kind
  args: unknown[]
}

let recording: Call[] | undefined

/** Runs `define` (a file's import, a describe's body) and returns the calls it made. */
export async function recordCalls(define: () => unknown): Promise<Call[]> {
  const outer = recording
  const calls: Call[] = []
  recording = calls
  try {
    await define()
  } finally {
    recording = outer
  }
  return calls
}

/** A test's (name, options, fn) from any of node:test's argument orders. */
function normalise(args: unknown[]): { name: string | undefined; options: TestOptions; fn: Fn | undefined } {
  let name: string | undefined
  let options: TestOptions = {}
  let fn: Fn | undefined
  for (const arg of args) {
    if (typeof arg === 'string') name = arg
    else if (typeof arg === 'function') fn = arg as Fn
    else if (arg && typeof arg === 'object') options = arg as TestOptions
  }
  return { name: name ?? fn?.name ?? '<anonymous>', options, fn }
}

/**
 * Makes the recorded calls on `context`: the hooks first, as node:test runs a file's hooks
 * whatever their place in it, then every test and describe in order, one at a time unless the
 * options say otherwise; resolves when all have ended.
 */
export async function replayCalls(context: TestContext, calls: Call[]): Promise<void> {
  for (const call of calls) {
    if (call.kind === 'test' || call.kind === 'describe') continue
    ;(context[call.kind] as (...args: unknown[]) => void)(...call.args)
  }
  const running: Promise<unknown>[] = []
  for (const call of calls) {
    if (call.kind === 'test') {
      const { name, options, fn } = normalise(call.args)
      // An error nobody caught while it runs fails it (batch-uncaught.ts); a test taking node:test's
      // `done` callback (two parameters) is passed on as it is.
      const body =
        fn && fn.length < 2
          ? (t: TestContext) => failRunningTest(() => (fn as (t: TestContext) => unknown)(t))
          : fn
      running.push((context.test as (...args: unknown[]) => Promise<void>)(name, options, body))
    } else if (call.kind === 'describe') {
      const { name, options, fn } = normalise(call.args)
      running.push(
        context.test(name, { concurrency: 1, ...options }, async (suite) => {
          if (fn) await replayCalls(suite, await recordCalls(() => (fn as () => unknown)()))
        }),
      )
    }
  }
  await Promise.all(running)
}

function recorded<F extends Fn>(kind: Kind, own: F): F {
  const call: AnyCall = (...args) => {
    if (!recording) return (own as unknown as AnyCall)(...args)
    recording.push({ kind, args })
    return kind === 'test' || kind === 'describe' ? Promise.resolve() : undefined
  }
  return call as unknown as F
}

export type { SuiteContext, TestContext, TestOptions } from 'node:test'
export const mock = nodeTest.mock
export const test = recorded('test', nodeTest.test)
export const it = test
export const describe = recorded('describe', nodeTest.describe)
export const suite = describe
export const before = recorded('before', nodeTest.before)
export const after = recorded('after', nodeTest.after)
export const beforeEach = recorded('beforeEach', nodeTest.beforeEach)
export const afterEach = recorded('afterEach', nodeTest.afterEach)
export default test
