// Group commit for the source API (issue 4 item 7). Each request carries one event, but the
// requests that arrive for a force and source while its previous batch is being written are
// stored and applied together in one transaction. A lone request is written at once (no added
// wait); under load batches grow, and the cost per event falls, up to `maxBatch`. Every request
// is answered only after its own batch has committed, with its own outcome.
import type { SourceSystem } from './default-profiles.ts'
import type { IngestResult, SourceItem, SourceService } from './service.ts'

interface Waiting extends SourceItem {
  resolve(result: IngestResult): void
  reject(error: unknown): void
}

export class IngestBatcher {
  readonly #sources: SourceService
  readonly #maxBatch: number
  readonly #waiting = new Map<string, Waiting[]>()
  readonly #writing = new Set<string>()

  constructor(sources: SourceService, maxBatch = 250) {
    this.#sources = sources
    this.#maxBatch = maxBatch
  }

  receive(
    forceId: string,
    sourceSystem: SourceSystem,
    payload: string,
    contentType: string,
    invalidUtf8 = false,
  ): Promise<IngestResult> {
    const key = `${forceId}|${sourceSystem}`
    return new Promise<IngestResult>((resolve, reject) => {
      const queue = this.#waiting.get(key) ?? []
      queue.push({ payload, contentType, invalidUtf8, resolve, reject })
      this.#waiting.set(key, queue)
      if (!this.#writing.has(key)) void this.#write(key, forceId, sourceSystem)
    })
  }

  /** Events a source sent together (the batch endpoint): written in batches of `maxBatch`. */
  async receiveMany(
    forceId: string,
    sourceSystem: SourceSystem,
    items: SourceItem[],
  ): Promise<IngestResult[]> {
    const results: IngestResult[] = []
    for (let at = 0; at < items.length; at += this.#maxBatch) {
      results.push(
        ...(await this.#sources.receiveBatch(forceId, sourceSystem, items.slice(at, at + this.#maxBatch))),
      )
    }
    return results
  }

  async #write(key: string, forceId: string, sourceSystem: SourceSystem): Promise<void> {
    this.#writing.add(key)
    try {
      for (;;) {
        const queue = this.#waiting.get(key) ?? []
        if (!queue.length) break
        const batch = queue.splice(0, this.#maxBatch)
        try {
          const results = await this.#sources.receiveBatch(forceId, sourceSystem, batch)
          batch.forEach((w, i) => {
            w.resolve(results[i]!)
          })
        } catch (error) {
          for (const w of batch) w.reject(error)
        }
      }
    } finally {
      this.#writing.delete(key)
      this.#waiting.delete(key)
    }
  }
}
