// The live demo feed: `npm start` runs it gently so the console is alive. New cases start at a
// steady rate across the seven forces (weighted by their recorded crime); each case's later
// events (crimed, officer assigned, closed…) follow on a compressed clock.
import type { Logger } from '../platform/logger.ts'
import { caseLife, pickForce, Random, type SimulatedEvent } from './scenarios.ts'

export interface EventSink {
  receive(forceId: string, source: 'storm' | 'athena', payload: string, contentType: string): Promise<unknown>
}

export interface FeedOptions {
  forceIds: readonly string[]
  casesPerMinute: number
  /** Real seconds per simulated day: 120 means a case's first fortnight plays out in 28 minutes. */
  secondsPerDay: number
  seed?: number
}

export class SimulatorFeed {
  readonly #sink: EventSink
  readonly #log: Logger
  readonly #options: FeedOptions
  readonly #random: Random
  readonly #timers = new Set<NodeJS.Timeout>()
  #serial = 0
  #sent = 0
  #failed = 0

  constructor(sink: EventSink, log: Logger, options: FeedOptions) {
    this.#sink = sink
    this.#log = log
    this.#options = options
    this.#random = new Random(options.seed ?? Date.now())
    this.#serial = Math.floor(Date.now() / 1000) % 90_000
  }

  start(): void {
    if (this.#options.casesPerMinute <= 0) return
    const everyMs = 60_000 / this.#options.casesPerMinute
    this.#startCase()
    const timer = setInterval(() => this.#startCase(), everyMs)
    timer.unref()
    this.#timers.add(timer)
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  get stats(): { cases: number; eventsSent: number; eventsFailed: number } {
    return { cases: this.#serial, eventsSent: this.#sent, eventsFailed: this.#failed }
  }

  /**
   * The events of the cases the feed starts from `from` until `until` at its rate, each with the
   * moment it is due, in order: what `start` sends on timers, for a run on a controlled clock.
   */
  planned(from: Date, until: Date): { at: Date; event: SimulatedEvent }[] {
    const everyMs = 60_000 / this.#options.casesPerMinute
    const planned: { at: Date; event: SimulatedEvent }[] = []
    for (let at = from.getTime(); at < until.getTime(); at += everyMs)
      planned.push(...this.#nextCase(new Date(at)))
    return planned.sort((a, b) => a.at.getTime() - b.at.getTime())
  }

  #nextCase(at: Date): { at: Date; event: SimulatedEvent }[] {
    this.#serial += 1
    const forceId = pickForce(this.#random, this.#options.forceIds)
    const timeScale = this.#options.secondsPerDay / 86_400
    return caseLife(this.#random, forceId, this.#serial, at, timeScale).map((event) => ({
      at: new Date(at.getTime() + event.afterSeconds * 1000),
      event,
    }))
  }

  #startCase(): void {
    const now = new Date()
    for (const { at, event } of this.#nextCase(now)) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        void this.#send(event)
      }, at.getTime() - now.getTime())
      timer.unref()
      this.#timers.add(timer)
    }
  }

  async #send(event: SimulatedEvent): Promise<void> {
    try {
      await this.#sink.receive(event.forceId, event.source, event.payload, event.contentType)
      this.#sent += 1
    } catch (error) {
      this.#failed += 1
      this.#log.warn(
        { err: error, forceId: event.forceId, source: event.source },
        'simulated event not accepted',
      )
    }
  }
}
