// A person's opt-outs as staff see them on the person page: whether each of their phone numbers
// and email addresses is stopped now, and every opt-out recorded for them and removed, with who
// did it and why. A member of staff removes an opt-out when the person asks to hear again: the
// reason is kept, and the removal audited (UJ-6).
import { and, eq, sql } from 'drizzle-orm'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { addressKey } from './addresses.ts'
import { messageOptOuts } from './schema.ts'

export const REMOVAL_REASON_MAX = 1000

const channelWords: Record<string, string> = {
  sms: 'Text messages',
  email: 'Emails',
  all: 'All automated messages',
}

const sourceWords: Record<string, string> = {
  'sms-stop': 'Replied STOP to a text message',
  'email-link': 'Used the link in an email',
  staff: 'Asked a member of staff',
}

/** "sms" → "Text messages"; "all" → "All automated messages". */
export const optOutChannelText = (channel: string): string => channelWords[channel] ?? channel
/** "sms-stop" → "Replied STOP to a text message". */
export const optOutSourceText = (source: string): string => sourceWords[source] ?? source

export interface OptOutEntry {
  id: string
  channel: string
  channelText: string
  address: string
  sourceText: string
  note: string | null
  recordedAt: Date
  recordedByName: string | null
  withdrawnAt: Date | null
  withdrawnByName: string | null
  withdrawnReason: string | null
  active: boolean
}

export interface ContactStatus {
  address: string
  kind: 'phone' | 'email'
  /** The active opt-out that stops messages to it, if any. */
  stoppedBy: OptOutEntry | null
}

export class OptOutHistory {
  readonly #db: Database
  readonly #audit: AuditService
  readonly #clock: Clock

  constructor(deps: { db: Database; audit: AuditService; clock: Clock }) {
    this.#db = deps.db
    this.#audit = deps.audit
    this.#clock = deps.clock
  }

  /** Each phone number and email address's status, and every opt-out of them, newest first. */
  async ofContactPoints(
    forceId: string,
    contactPoints: { kind: string; value: string }[],
  ): Promise<{ statuses: ContactStatus[]; history: OptOutEntry[] }> {
    const addresses = contactPoints
      .filter(
        (c): c is { kind: 'phone' | 'email'; value: string } => c.kind === 'phone' || c.kind === 'email',
      )
      .map((c) => ({
        kind: c.kind,
        address: c.value,
        key: addressKey(c.kind === 'phone' ? 'sms' : 'email', c.value),
      }))
    if (addresses.length === 0) return { statuses: [], history: [] }
    const history = await this.#db.withForce(forceId, (tx) =>
      this.#read(tx, forceId, { keys: [...new Set(addresses.map((a) => a.key))] }),
    )
    const statuses = addresses.map((a) => ({
      address: a.address,
      kind: a.kind,
      stoppedBy:
        history.find(
          (h) =>
            h.active &&
            h.address === a.key &&
            (h.channel === 'all' || h.channel === (a.kind === 'phone' ? 'sms' : 'email')),
        ) ?? null,
    }))
    return { statuses, history }
  }

  async get(forceId: string, id: string): Promise<OptOutEntry> {
    const [found] = await this.#db.withForce(forceId, (tx) => this.#read(tx, forceId, { id }))
    if (!found) throw new NotFoundError('The opt-out')
    return found
  }

  /**
   * Removes an active opt-out: messages to the address may go again from the journey's next step.
   * Nothing already cancelled is sent. Audited with the reason.
   */
  async remove(
    forceId: string,
    id: string,
    change: { reason: string; actor: Parameters<AuditService['record']>[0]['actor'] } & {
      ip?: string | null
      correlationId?: string | null
    },
  ): Promise<OptOutEntry> {
    const reason = change.reason.replace(/\r\n?/g, '\n').trim()
    if (!reason)
      throw new ValidationError([{ field: 'reason', message: 'Enter why the opt-out is being removed' }])
    if (reason.length > REMOVAL_REASON_MAX)
      throw new ValidationError([
        { field: 'reason', message: `The reason must be ${REMOVAL_REASON_MAX} characters or fewer` },
      ])
    return this.#db.withForce(forceId, async (tx) => {
      const [current] = await this.#read(tx, forceId, { id })
      if (!current) throw new NotFoundError('The opt-out')
      if (!current.active)
        throw new DomainError('conflict', 'This opt-out has already been removed', { status: 409 })
      await tx
        .update(messageOptOuts)
        .set({
          withdrawnAt: this.#clock.now(),
          withdrawnBy: change.actor.id ?? null,
          withdrawnReason: reason,
        })
        .where(and(eq(messageOptOuts.id, id), eq(messageOptOuts.forceId, forceId)))
      await this.#audit.record(
        {
          action: 'message-opt-out.removed',
          forceId,
          actor: change.actor,
          recordType: 'message-opt-out',
          recordId: id,
          detail: { channel: current.channel, reason },
          ip: change.ip ?? null,
          correlationId: change.correlationId ?? null,
        },
        tx,
      )
      const [after] = await this.#read(tx, forceId, { id })
      return after as OptOutEntry
    })
  }

  async #read(tx: Tx, forceId: string, which: { id: string } | { keys: string[] }): Promise<OptOutEntry[]> {
    const where =
      'id' in which
        ? sql`o.id = ${which.id}`
        : which.keys.length
          ? sql`o.address_key in (${sql.join(
              which.keys.map((key) => sql`${key}`),
              sql`, `,
            )})`
          : sql`false`
    const found = await rows<{
      id: string
      channel: string
      addressKey: string
      source: string
      note: string | null
      recordedAt: Date
      recordedByName: string | null
      withdrawnAt: Date | null
      withdrawnByName: string | null
      withdrawnReason: string | null
    }>(
      tx,
      sql`select o.id, o.channel, o.address_key as "addressKey", o.source, o.note,
            o.recorded_at as "recordedAt", r.display_name as "recordedByName",
            o.withdrawn_at as "withdrawnAt", w.display_name as "withdrawnByName",
            o.withdrawn_reason as "withdrawnReason"
          from message_opt_outs o
          left join staff_users r on r.id = o.recorded_by
          left join staff_users w on w.id = o.withdrawn_by
          where o.force_id = ${forceId} and ${where}
          order by o.recorded_at desc, o.id`,
    )
    return found.map((o) => ({
      id: o.id,
      channel: o.channel,
      channelText: optOutChannelText(o.channel),
      address: o.addressKey,
      sourceText: optOutSourceText(o.source),
      note: o.note,
      recordedAt: new Date(o.recordedAt),
      recordedByName: o.recordedByName,
      withdrawnAt: o.withdrawnAt ? new Date(o.withdrawnAt) : null,
      withdrawnByName: o.withdrawnByName,
      withdrawnReason: o.withdrawnReason,
      active: o.withdrawnAt === null,
    }))
  }
}
