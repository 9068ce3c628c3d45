// Opt-outs (UJ-6): a person's choice to get no more messages on a channel (or any), recorded from
// a STOP reply, an unsubscribe link or by staff; what was waiting to go to that address is
// cancelled, and the source system learns of the choice once (UJ-9, UJ-10). Also the contact
// points that failed permanently.
import type { Clock } from '../platform/clock.ts'
import type { Tx } from '../platform/db/database.ts'
import { ValidationError } from '../platform/errors.ts'
import { addressKey, isValidAddress } from './addresses.ts'
import type { MessageRepository } from './message-repository.ts'
import type { OptOutRepository, OptOutRow } from './opt-out-repository.ts'
import type { Channel } from './schema.ts'
import type { SchedulingService } from './scheduling-service.ts'

/** An opt-out just recorded, with the cases Waypoint has messaged the address about. */
export interface RecordedOptOut {
  optOut: OptOutRow
  /** The phone number or email address as the person or staff gave it. */
  address: string
  caseIds: string[]
}

/** Runs inside the transaction that records a new opt-out (write-back to CAD or RMS, UJ-9, UJ-10). */
export type OptOutListener = (tx: Tx, recorded: RecordedOptOut) => Promise<void>

export class OptOutService {
  readonly #repo: OptOutRepository
  readonly #messages: MessageRepository
  readonly #scheduling: SchedulingService
  readonly #clock: Clock
  readonly #onOptedOut: OptOutListener | undefined

  constructor(deps: {
    repo: OptOutRepository
    messages: MessageRepository
    scheduling: SchedulingService
    clock: Clock
    onOptedOut?: OptOutListener | undefined
  }) {
    this.#repo = deps.repo
    this.#messages = deps.messages
    this.#scheduling = deps.scheduling
    this.#clock = deps.clock
    this.#onOptedOut = deps.onOptedOut
  }

  async isOptedOut(tx: Tx, forceId: string, channel: Channel, address: string): Promise<boolean> {
    return !!(await this.#repo.activeOptOut(tx, forceId, channel, addressKey(channel, address)))
  }

  /** For each address, whether it has opted out of its channel (or of all), in one read. */
  async optedOut(
    tx: Tx,
    forceId: string,
    addresses: { channel: Channel; address: string }[],
  ): Promise<boolean[]> {
    const keys = addresses.map((a) => addressKey(a.channel, a.address))
    const active = await this.#repo.activeOptOutsAmong(tx, forceId, [...new Set(keys)])
    return addresses.map((a, i) =>
      active.some((o) => o.addressKey === keys[i] && (o.channel === a.channel || o.channel === 'all')),
    )
  }

  /** Records an opt-out (UJ-6) and cancels what was waiting to go to that address. */
  async recordOptOut(
    tx: Tx,
    optOut: {
      forceId: string
      channel: Channel | 'all'
      address: string
      source: OptOutRow['source']
      note?: string
      actorId?: string | null
    },
  ): Promise<{ optOut: OptOutRow; created: boolean; cancelled: number }> {
    const keyChannel: Channel =
      optOut.channel === 'email' || (optOut.channel === 'all' && optOut.address.includes('@'))
        ? 'email'
        : 'sms'
    if (!isValidAddress(keyChannel, optOut.address)) {
      throw new ValidationError([
        { field: 'address', message: 'Enter a UK mobile number, like 07700 900 982, or an email address' },
      ])
    }
    const key = addressKey(keyChannel, optOut.address)
    const result = await this.#repo.addOptOut(tx, {
      forceId: optOut.forceId,
      channel: optOut.channel,
      addressKey: key,
      source: optOut.source,
      note: optOut.note ?? null,
      recordedBy: optOut.actorId ?? null,
      recordedAt: this.#clock.now(),
    })
    const cancelled = await this.#scheduling.cancelPending(tx, {
      forceId: optOut.forceId,
      to: { channel: keyChannel, address: optOut.address },
      reason: `Opted out (${optOut.source})`,
      actorId: optOut.actorId ?? null,
    })
    // UJ-6, UJ-9, UJ-10: the source system learns of the choice once, when it is first made.
    if (result.created && this.#onOptedOut) {
      await this.#onOptedOut(tx, {
        optOut: result.optOut,
        address: optOut.address.trim(),
        caseIds: await this.#messages.caseIdsOfRecipient(tx, optOut.forceId, key),
      })
    }
    return { ...result, cancelled }
  }

  optOuts(tx: Tx, forceId: string): Promise<OptOutRow[]> {
    return this.#repo.optOuts(tx, forceId)
  }

  badContactPoints(tx: Tx, forceId: string) {
    return this.#repo.badContactPoints(tx, forceId)
  }
}
