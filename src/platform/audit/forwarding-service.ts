// Live forwarding of the audit trail to the region's SIEMs (CP-175 Sentinel over syslog, CP-176
// Splunk over HEC). Events wait in the forwarding outbox until the SIEM accepts them: a failed
// batch is retried with exponential backoff, and a destination never skips ahead of its oldest
// undelivered event, so each SIEM receives the trail in the order it was recorded.
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import type { Logger } from '../logger.ts'
import type { ForwardingDestination } from './audit-repository.ts'
import { ForwardingRepository } from './forwarding-repository.ts'
import { HecSender, type SiemSender, SyslogTcpSender, SyslogTlsSender } from './siem-senders.ts'

const BATCH_SIZE = 200
const LEASE_MS = 2 * 60_000
const FIRST_RETRY_MS = 5_000
const LONGEST_RETRY_MS = 15 * 60_000

export interface DeliveryReport {
  delivered: Partial<Record<ForwardingDestination, number>>
  /** Destinations that refused or could not be reached, with when they will be tried again. */
  waiting: Partial<Record<ForwardingDestination, Date>>
}

export class ForwardingService {
  readonly #repo: ForwardingRepository
  readonly #senders: readonly SiemSender[]
  readonly #clock: Clock
  readonly #log: Logger

  constructor(repo: ForwardingRepository, senders: readonly SiemSender[], clock: Clock, log: Logger) {
    this.#repo = repo
    this.#senders = senders
    this.#clock = clock
    this.#log = log
  }

  get destinations(): ForwardingDestination[] {
    return this.#senders.map((s) => s.destination)
  }

  /** Sends every due event to every destination; safe to run twice or on several workers. */
  async deliverDue(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: {}, waiting: {} }
    if (this.#senders.length === 0) return report
    // Most runs follow an event another run has already shipped: look before taking leases.
    const pending = await this.#repo.destinationsWithPending()
    for (const sender of this.#senders) {
      if (!pending.has(sender.destination)) continue
      const holder = randomUUID()
      const now = this.#clock.now()
      const leased = await this.#repo.claimLease(
        sender.destination,
        holder,
        now,
        new Date(now.getTime() + LEASE_MS),
      )
      if (!leased) continue
      try {
        await this.#deliverTo(sender, report)
      } finally {
        await this.#repo.releaseLease(sender.destination, holder)
      }
    }
    return report
  }

  backlog(): Promise<Record<string, number>> {
    return this.#repo.backlog()
  }

  async #deliverTo(sender: SiemSender, report: DeliveryReport): Promise<void> {
    const destination = sender.destination
    for (;;) {
      const batch = await this.#repo.pending(destination, BATCH_SIZE)
      if (batch.length === 0) return
      const now = this.#clock.now()
      const head = batch[0]
      if (head.nextAttemptAt > now) {
        report.waiting[destination] = head.nextAttemptAt
        return
      }
      try {
        await sender.send(batch.map((p) => p.event))
      } catch (error) {
        const retryAt = new Date(now.getTime() + retryDelayMs(head.attempts + 1))
        const message = (error as Error).message
        await this.#repo.markFailed(
          batch.map((p) => p.id),
          retryAt,
          message,
        )
        this.#log.warn(
          { destination, err: error, retryAt, waiting: batch.length },
          'SIEM unavailable; events kept',
        )
        report.waiting[destination] = retryAt
        return
      }
      await this.#repo.markDelivered(
        batch.map((p) => p.id),
        this.#clock.now(),
      )
      report.delivered[destination] = (report.delivered[destination] ?? 0) + batch.length
    }
  }
}

/** 5 s after the first failure, doubling each time, at most 15 minutes between attempts. */
export function retryDelayMs(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), LONGEST_RETRY_MS)
}

/** The SIEM senders the configuration names; none when no SIEM is configured. */
export function siemSendersFor(config: Config): SiemSender[] {
  const origin = { hostname: hostname(), appName: 'waypoint', procId: String(process.pid) }
  const senders: SiemSender[] = []
  const { syslogHost, syslogPort, syslogTls, syslogCaFile, syslogServerName } = config.siem
  if (syslogHost)
    senders.push(
      syslogTls
        ? new SyslogTlsSender(syslogHost, syslogPort, origin, {
            caFile: syslogCaFile,
            serverName: syslogServerName,
          })
        : new SyslogTcpSender(syslogHost, syslogPort, origin),
    )
  if (config.siem.hecUrl) senders.push(new HecSender(config.siem.hecUrl, config.siem.hecToken ?? '', origin))
  return senders
}

export function createForwardingService(
  config: Config,
  db: Database,
  clock: Clock,
  log: Logger,
): ForwardingService {
  return new ForwardingService(new ForwardingRepository(db), siemSendersFor(config), clock, log)
}
