// Time is injected so that tests and the demo can move it (quiet hours, timeouts, retention).
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock tests can set and advance. */
export class FixedClock implements Clock {
  #time: number
  constructor(start: Date | string = '2026-06-01T09:00:00Z') {
    this.#time = new Date(start).getTime()
  }
  now(): Date {
    return new Date(this.#time)
  }
  set(time: Date | string): void {
    this.#time = new Date(time).getTime()
  }
  advance(ms: number): void {
    this.#time += ms
  }
}
