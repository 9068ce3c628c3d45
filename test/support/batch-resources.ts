// What the test files of one batch (test/support/batch.ts) share: things dear to start that hold
// no state of a file's own, kept open from the first file that needs them until the batch ends,
// when each is closed. Outside a batch (`active` false) a file starts and closes its own.
//
// Today that is Chromium (test/support/browser.ts): launching and closing it cost about 1.2 s of
// the machine's CPU a file, most of it in Chromium's own processes (decision 0062). Each file
// still has its own browser contexts, so no cookie, storage or cache passes between files.

const closers: (() => Promise<unknown>)[] = []

export const batchResources = {
  /** True in a batch process, from its first file to its end. */
  active: false,
  /** Closes `close` when the batch ends (after its last file's `after` hooks). */
  closeAtEnd(close: () => Promise<unknown>): void {
    closers.push(close)
  },
  /** Closes what the batch's files shared, last opened first; a close that fails is reported. */
  async end(): Promise<void> {
    this.active = false
    for (const close of closers.splice(0).reverse())
      await close().catch((error: unknown) =>
        console.error('closing a resource the batch shared failed:', error),
      )
  },
}
