// Jobs as data (STYLE.md rule 4): a job has a name, a typed payload schema and a handler that is
// safe to run twice. pg-boss keeps the queue in PostgreSQL (SKIP LOCKED across workers); on
// PGlite it runs in-process through its PGlite adapter. `send` inside a `withForce` transaction
// enqueues atomically with the domain change (transactional outbox).
import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { sql } from 'drizzle-orm'
import { fromDrizzle, PgBoss, type QueuePolicy } from 'pg-boss'
import { type Database, rows, type Tx } from './db/database.ts'
import type { Logger } from './logger.ts'

export interface JobDefinition<S extends TSchema = TSchema> {
  name: string
  payload: S
  handle(payload: Static<S>, job: { id: string; retryCount: number }): Promise<void>
  /** Retries with exponential backoff; failed jobs stay visible for replay. */
  retryLimit?: number
  retryDelaySeconds?: number
  /** How many jobs one worker takes at once. */
  batchSize?: number
  /**
   * How many jobs of a fetched batch a working process runs side by side (default 1: one after
   * another). Only for handlers that do not serialise on a lock, or they hold connections idle.
   */
  concurrency?: number
  /** A cron schedule (Europe/London) that enqueues this job with an empty payload. */
  cron?: string
  /**
   * pg-boss queue policy: 'stately' keeps at most one job queued and one active per
   * `singletonKey` (a repeat send while one is queued is dropped). Default 'standard'.
   */
  policy?: QueuePolicy
  /**
   * How long a job may stay active before pg-boss takes it as lost (its worker died) and runs it
   * again. pg-boss's default is 15 minutes.
   */
  expireInSeconds?: number
  /**
   * Enqueued with an empty payload each time a worker starts, so work that a stopped or
   * crashed worker left behind is taken up at once, not at the next cron tick.
   */
  runOnStart?: boolean
}

export function defineJob<S extends TSchema>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition
}

export const EmptyPayload = Type.Object({})

/** The zone every job's cron is read in. */
const scheduleZone = 'Europe/London'

export interface SendOptions {
  startAfter?: Date
  singletonKey?: string
  priority?: number
}

/** Told of each job run: its queue, how it ended and how long it took (the jobs' metrics). */
export type JobObserver = (name: string, outcome: 'completed' | 'failed', seconds: number) => void

export class JobQueue {
  readonly #boss: PgBoss
  #observers: JobObserver[] = []
  readonly #definitions = new Map<string, JobDefinition<any>>()
  readonly #log: Logger
  readonly #schema: string
  readonly #db: Database
  #working = false
  #inFlight = new Set<Promise<unknown>>()
  /** Per queue: wakes its idle loop (working mode only). */
  readonly #wakers = new Map<string, () => void>()
  /** Ends the poll's wait (working mode only). */
  #stopPolling: (() => void) | undefined
  /** Queues woken while their loop was fetching: they fetch again before sleeping. */
  readonly #poked = new Set<string>()
  /** Per transaction: the queues already set to wake when it ends. */
  readonly #wakingAfter = new WeakMap<Tx, Set<string>>()

  constructor(db: Database, log: Logger, schema: string) {
    this.#db = db
    this.#log = log
    this.#schema = schema
    this.#boss = new PgBoss({
      ...db.jobDatabase(),
      schema,
      ...(db.kind === 'pglite' ? { backend: 'pglite' as const } : {}),
      supervise: true,
      schedule: true,
      migrate: true,
    })
    this.#boss.on('error', (error) => log.error({ err: error }, 'job queue error'))
  }

  register(...definitions: JobDefinition<any>[]): void {
    for (const d of definitions) {
      if (this.#definitions.has(d.name)) throw new Error(`Job ${d.name} is defined twice`)
      this.#definitions.set(d.name, d)
    }
  }

  /** Adds an observer of every job this process runs (the metrics registry's counters). */
  observe(observer: JobObserver): void {
    this.#observers.push(observer)
  }

  get names(): string[] {
    return [...this.#definitions.keys()]
  }

  /**
   * Installs pg-boss, creates a queue per job, grants the application roles access. Every process
   * runs it at start: the queues are read in one query, and one whose options are unchanged is
   * left alone.
   */
  async start(): Promise<void> {
    await this.#boss.start()
    const queues = new Map((await this.#boss.getQueues(this.names)).map((q) => [q.name, q]))
    // Schedules too are read once; one whose cron and zone are unchanged is left alone (checking
    // and writing each again cost every start a statement and a cron parse per scheduled job).
    const schedules = new Map(
      (await this.#boss.getSchedules()).filter((c) => c.key === '').map((c) => [c.name, c]),
    )
    for (const d of this.#definitions.values()) {
      const options = {
        retryLimit: d.retryLimit ?? 5,
        retryDelay: d.retryDelaySeconds ?? 10,
        retryBackoff: true,
        ...(d.expireInSeconds ? { expireInSeconds: d.expireInSeconds } : {}),
      }
      const existing = queues.get(d.name)
      const unchanged =
        existing !== undefined &&
        (Object.keys(options) as (keyof typeof options)[]).every((k) => existing[k] === options[k])
      if (existing && existing.policy !== (d.policy ?? 'standard')) {
        // pg-boss cannot change a queue's policy: a queue defined with a new one is made again
        // (its waiting jobs are dropped; every queue here has a cron or start-up run as well).
        this.#log.info({ job: d.name, from: existing.policy, to: d.policy }, 'job queue policy changed')
        await this.#boss.deleteQueue(d.name)
      }
      if (existing && existing.policy === (d.policy ?? 'standard')) {
        if (!unchanged) await this.#boss.updateQueue(d.name, options)
      } else await this.#boss.createQueue(d.name, { ...options, ...(d.policy ? { policy: d.policy } : {}) })
      const scheduled = schedules.get(d.name)
      const sameSchedule =
        scheduled !== undefined && scheduled.cron === d.cron && scheduled.timezone === scheduleZone
      if (d.cron && !sameSchedule) await this.#boss.schedule(d.name, d.cron, {}, { tz: scheduleZone })
    }
    const s = this.#schema
    await this.#db.execAsOwner(`grant usage on schema ${s} to waypoint_app, waypoint_system;
      grant select, insert, update, delete on all tables in schema ${s} to waypoint_app, waypoint_system;
      grant usage, select on all sequences in schema ${s} to waypoint_app, waypoint_system;
      grant execute on all functions in schema ${s} to waypoint_app, waypoint_system;
      alter default privileges in schema ${s} grant select, insert, update, delete on tables to waypoint_app, waypoint_system;`)
  }

  /** Enqueues a job; with `tx`, inside that transaction so it commits with the change. */
  async send<S extends TSchema>(
    definition: JobDefinition<S>,
    payload: Static<S>,
    options: SendOptions & { tx?: Tx } = {},
  ): Promise<string | null> {
    assertPayload(definition, payload)
    const { tx, ...rest } = options
    const id = await this.#boss.send(definition.name, payload as object, {
      ...rest,
      ...(tx ? { db: fromDrizzle(tx as never, sql as never) } : {}),
    })
    if (tx) this.#wakeAfterCommit(tx, definition.name)
    else this.#wake(definition.name)
    return id
  }

  /**
   * A job sent inside a transaction becomes visible when that transaction commits: wake the
   * queue's loop then (once per transaction and queue however many are sent), so the job waits
   * for neither the poll nor the next send.
   */
  #wakeAfterCommit(tx: Tx, name: string): void {
    if (!this.#working) return
    const waking = this.#wakingAfter.get(tx) ?? new Set<string>()
    if (waking.has(name)) return
    if (waking.size === 0) this.#wakingAfter.set(tx, waking)
    waking.add(name)
    this.#db.afterTransaction(tx, () => this.#wake(name))
  }

  /** Wakes the queue's idle loop, or, while it is fetching, has it fetch again before it sleeps. */
  #wake(name: string): void {
    const wake = this.#wakers.get(name)
    if (wake) wake()
    else if (this.#working) this.#poked.add(name)
  }

  /** Fetches and runs due jobs of every queue until none is left; returns how many ran. */
  async drain(names: string[] = this.names, limit = Number.POSITIVE_INFINITY): Promise<number> {
    return this.#drainWhile(names, limit, () => true)
  }

  async #drainWhile(names: string[], limit: number, keepGoing: () => boolean): Promise<number> {
    let total = 0
    for (;;) {
      let ran = 0
      // One query for the queues with a job to fetch, rather than a fetch from every queue: a
      // drain of all 25 queues was 25 fetches a round, nearly all of them finding nothing.
      const ready = new Set(await this.#readyQueues(names))
      for (const name of names) {
        if (!ready.has(name)) continue
        if (!keepGoing()) return total
        ran += await this.#runBatch(name)
      }
      total += ran
      if (ran === 0 || total >= limit) return total
    }
  }

  /**
   * Starts working every queue until `stop`. Each queue has its own loop, so a busy queue never
   * holds up another; a queue with `concurrency` runs that many jobs of a batch side by side.
   * An in-process `send` wakes the queue's loop. For jobs sent by other processes, due later or
   * made by a cron, one query every `pollMs` asks which queues have jobs ready and wakes only
   * those: an idle queue costs nothing, where each queue fetching on its own timer cost a worker
   * some forty fetches a second with nothing to do (most of an idle PGlite worker's CPU).
   */
  startWorking(pollMs = 500): void {
    if (this.#working) return
    this.#working = true
    const resume = Promise.all(
      [...this.#definitions.values()].filter((d) => d.runOnStart).map((d) => this.send(d, {})),
    ).catch((error) => this.#log.error({ err: error }, 'start-up jobs could not be enqueued'))
    const loop = async (name: string) => {
      while (this.#working) {
        const run = this.#runBatch(name, true).catch((error) => {
          this.#log.error({ err: error, job: name }, 'job loop failed')
          return 0
        })
        this.#inFlight.add(run)
        const ran = await run
        this.#inFlight.delete(run)
        if (ran > 0 || !this.#working || this.#poked.delete(name)) continue
        await new Promise<void>((resolve) => this.#wakers.set(name, resolve))
        this.#wakers.delete(name)
      }
    }
    const poll = async () => {
      while (this.#working) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(wake, pollMs)
          function wake() {
            clearTimeout(timer)
            resolve()
          }
          this.#stopPolling = wake
        })
        if (!this.#working) return
        const looking = this.#readyQueues().then(
          (ready) => {
            for (const name of ready) this.#wake(name)
          },
          (error) => this.#log.error({ err: error }, 'job queues could not be polled'),
        )
        this.#inFlight.add(looking)
        await looking
        this.#inFlight.delete(looking)
      }
    }
    void resume.then(() => {
      for (const name of this.names) void loop(name)
      void poll()
    })
  }

  /**
   * The queues of this process with a job ready to fetch: waiting or to retry, and due. A queue
   * whose policy holds its job back (one already active) is named too, and finds nothing.
   */
  async #readyQueues(names: string[] = this.names): Promise<string[]> {
    if (names.length === 0) return []
    const ready = await this.#db.asSystem((tx) =>
      rows<{ name: string }>(
        tx,
        // pg-boss's own test of a job it may fetch, which its partial index job_i5 answers.
        sql`select distinct name from ${sql.raw(`${this.#schema}.job`)}
          where state < 'active' and not blocked and start_after <= ${sql.raw(`${this.#schema}.job_now()`)}
            and name in ${names}`,
      ),
    )
    return ready.map((r) => r.name)
  }

  /** Stops taking new jobs, lets the ones in hand finish, then stops pg-boss. */
  async stop(): Promise<void> {
    this.#working = false
    this.#stopPolling?.()
    for (const wake of this.#wakers.values()) wake()
    await Promise.allSettled([...this.#inFlight])
    await this.#boss.stop({ graceful: true, timeout: 10_000 })
  }

  /** Jobs waiting or retrying, per queue: the backlog shown on /health/ready. */
  async backlog(): Promise<Record<string, number>> {
    const result: Record<string, number> = {}
    for (const q of await this.#boss.getQueues(this.names)) {
      result[q.name] = (q as unknown as { queuedCount?: number }).queuedCount ?? 0
    }
    return result
  }

  get boss(): PgBoss {
    return this.#boss
  }

  /** Fetches one batch of a queue and runs it: one job after another, or side by side. */
  async #runBatch(name: string, working = false): Promise<number> {
    const definition = this.#definitions.get(name)
    if (!definition) throw new Error(`No job named ${name}`)
    const jobs = await this.#boss.fetch<Record<string, unknown>>(name, {
      batchSize: definition.batchSize ?? 10,
      includeMetadata: true,
    })
    const run = async (job: (typeof jobs)[number]) => {
      const started = performance.now()
      let outcome: 'completed' | 'failed' = 'completed'
      try {
        assertPayload(definition, job.data)
        await definition.handle(job.data, { id: job.id, retryCount: job.retryCount })
        await this.#boss.complete(name, job.id)
      } catch (error) {
        outcome = 'failed'
        this.#log.warn({ err: error, job: name, jobId: job.id }, 'job failed; it will be retried')
        await this.#boss.fail(name, job.id, { message: (error as Error).message })
      }
      const seconds = (performance.now() - started) / 1000
      for (const observe of this.#observers) observe(name, outcome, seconds)
    }
    const lanes = working ? Math.max(1, Math.min(definition.concurrency ?? 1, jobs.length)) : 1
    let next = 0
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < jobs.length) await run(jobs[next++] as (typeof jobs)[number])
      }),
    )
    return jobs.length
  }
}

function assertPayload(definition: JobDefinition<any>, payload: unknown): void {
  if (!Value.Check(definition.payload, payload)) {
    const first = [...Value.Errors(definition.payload, payload)][0]
    throw new Error(`Job ${definition.name} payload is invalid at ${first?.path || '/'}: ${first?.message}`)
  }
}
