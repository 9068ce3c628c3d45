// Dispatch: sends due messages effectively once. Each message is claimed (SKIP LOCKED) and marked
// `sending` in a short transaction that also takes tokens from the provider's shared bucket
// (Notify: 3,000 a minute per key, enforced across every worker through the database); the
// provider call happens after commit, never inside a transaction; the outcome is recorded in a
// second transaction. A message left in `sending` by a crash or an unanswered call is reconciled
// by asking the provider for our reference before anything is sent again; a provider that can be
// asked but does not answer is asked again later, with backoff, and the message is never sent
// again blind. A 429 pauses the force's whole bucket until Notify's rolling minute frees, or, for
// Notify's daily limit, until midnight UK time; the refused message is not counted as a failed
// attempt.
import { DateTime } from 'luxon'
import { Counter } from 'prom-client'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import type { Logger } from '../platform/logger.ts'
import type { MessageChannel, OutgoingMessage, SendOutcome } from './channels.ts'
import type { MessageRow } from './message-repository.ts'
import type { MessagingRepositories } from './messaging-services.ts'
import type { ForceIdentity, SettingsRow } from './settings-repository.ts'
import type { MessageStatus, Provider } from './schema.ts'
import { ukDateTime } from '../platform/calendar.ts'
import { nextSendableTime } from './quiet-hours.ts'
import type { DispatchWaker } from './scheduling-service.ts'
import { brandingFrom, notifyBucket, notifyDailyLimitReason, sendingWindowFor } from './settings-service.ts'
import type { UnsubscribeLinks } from './unsubscribe-links.ts'

export interface DispatchResult {
  sent: number
  retried: number
  failed: number
  reconciled: number
  /** True when a rate limit held messages back: run again shortly. */
  limited: boolean
  /** When a provider's 429 paused a force's sending: run again then. */
  resumeAt?: Date
}

export { notifyBucket }

/**
 * Seconds from `now` to the next midnight UK time, when GOV.UK Notify's daily limits start
 * again (Notify does not document the time zone of its day; it is a UK service).
 */
export function secondsToNotifyMidnight(now: Date): number {
  const midnight = DateTime.fromJSDate(now).setZone('Europe/London').plus({ days: 1 }).startOf('day')
  return Math.max(1, (midnight.toMillis() - now.getTime()) / 1000)
}

// Notify's receipt statuses that end a message; `sending`/`created`/`pending` are interim.
const finalStatuses = new Set<MessageStatus>([
  'delivered',
  'permanent-failure',
  'temporary-failure',
  'technical-failure',
])

/** Called once per message, inside the transaction that records it as sent. */
export type SentMessageListener = (tx: Tx, message: MessageRow, sentAt: Date) => Promise<void>

/**
 * Called with the messages whose status dispatch, a receipt or reconciliation has just moved, in
 * the transaction that moved them (conversations tell the pages showing them).
 */
export type StatusChangeListener = (tx: Tx, messageIds: string[]) => Promise<void>

export class MessageDispatcher {
  readonly #db: Database
  readonly #repo: MessagingRepositories
  readonly #channels: Map<Provider, MessageChannel>
  readonly #clock: Clock
  readonly #config: Config['messaging']
  readonly #links: UnsubscribeLinks
  readonly #log: Logger
  readonly #onSent: SentMessageListener | undefined
  readonly #wake: DispatchWaker | undefined
  readonly #onChanged: StatusChangeListener | undefined
  #reconciledAt: number | undefined
  /** Messages an outage left waiting were just brought forward: reconcile before this run ends. */
  #broughtForward = false
  /** Answers the provider refused with 429, by provider: registered with /metrics by the app. */
  readonly rateLimitedCounter = new Counter({
    name: 'waypoint_messaging_provider_rate_limited_total',
    help: 'Sends the provider refused with 429 (its rate limit); each pauses the force’s sending',
    labelNames: ['provider'],
    registers: [],
  })

  constructor(deps: {
    db: Database
    /** Messages, rate buckets, settings and contact-point health. */
    repos: MessagingRepositories
    channels: MessageChannel[]
    clock: Clock
    config: Config['messaging']
    links: UnsubscribeLinks
    log: Logger
    /** Runs in the transaction that records a message as sent (write-back, UJ-9, UJ-10). */
    onSent?: SentMessageListener
    /** Wakes dispatch when a message held at the moment of sending may go. */
    wake?: DispatchWaker
    /** Runs in the transaction that moves messages to a new status. */
    onChanged?: StatusChangeListener
  }) {
    this.#db = deps.db
    this.#repo = deps.repos
    this.#channels = new Map(deps.channels.map((c) => [c.provider, c]))
    this.#clock = deps.clock
    this.#config = deps.config
    this.#links = deps.links
    this.#log = deps.log
    this.#onSent = deps.onSent
    this.#wake = deps.wake
    this.#onChanged = deps.onChanged
  }

  /** Sends what is due, batch after batch, until nothing is due, a limit bites or time is up. */
  async dispatchDue(options: { budgetMs?: number } = {}): Promise<DispatchResult> {
    const started = Date.now()
    const result: DispatchResult = {
      sent: 0,
      retried: 0,
      failed: 0,
      reconciled: await this.#reconcileNowAndThen(),
      limited: false,
    }
    for (;;) {
      const now = this.#clock.now()
      const { claimed, limited, outgoing } = await this.#db.asSystem(async (tx) => {
        const claim = await this.#repo.messages.claimDue(
          tx,
          now,
          this.#config.dispatchBatchSize,
          (bucket, wanted) => this.#repo.buckets.takeTokens(tx, bucket, wanted, ...this.#bucketShape()),
          (m) => (m.provider === 'notify' ? notifyBucket(m.forceId) : null),
        )
        const ready = await this.#holdIfNowQuietHours(tx, claim.claimed, now)
        return { claimed: ready, limited: claim.limited, outgoing: await this.#prepare(tx, ready) }
      })
      if (claimed.length > 0) {
        const outcomes = await Promise.all(
          outgoing.map((m) =>
            'refused' in m ? { kind: 'refused' as const, error: m.refused } : this.#send(m),
          ),
        )
        await this.#record(claimed, outcomes, result)
      }
      if (limited) result.limited = true
      // The provider answered again after an outage: its waiting messages are asked about now,
      // and those it does not hold are claimed and sent by the next turn of this loop.
      if (this.#broughtForward) {
        this.#broughtForward = false
        this.#reconciledAt = this.#clock.now().getTime()
        const reconciled = await this.reconcileStuck()
        result.reconciled += reconciled
        if (reconciled > 0) continue
      }
      const outOfTime = Date.now() - started > (options.budgetMs ?? 50_000)
      if ((claimed.length === 0 && !limited) || outOfTime) return result
      // Held back by the shared bucket: wait for about a fifth of its capacity to refill.
      if (limited) await new Promise((resolve) => setTimeout(resolve, this.#refillWaitMs()))
    }
  }

  /**
   * Quiet hours again at the moment of sending: a message that was due inside its window but is
   * only reached once the window has closed (an outage, a backlog) goes back to wait for the
   * window to open, with the reason on its timeline. Urgent messages go. Returns those to send.
   */
  async #holdIfNowQuietHours(tx: Tx, claimed: MessageRow[], now: Date): Promise<MessageRow[]> {
    const ready: MessageRow[] = []
    for (const message of claimed) {
      const window = sendingWindowFor(
        await this.#repo.settings.settings(tx, message.forceId),
        message.channel,
      )
      const opens = nextSendableTime(now, window, { urgent: message.urgent })
      if (opens.getTime() === now.getTime()) {
        ready.push(message)
        continue
      }
      await this.#repo.messages.transition(tx, { ids: [message.id] }, ['sending'], 'scheduled', {
        sendAfter: opens,
        sendingSince: null,
        attempts: Math.max(0, message.attempts - 1),
        detail: `Held for quiet hours until ${ukDateTime(opens)}: it was due at ${ukDateTime(message.sendAfter)}, but could not be sent before the sending window closed`,
      })
      await this.#wake?.(tx, opens)
    }
    return ready
  }

  /**
   * Reconciles on a process's first run (a worker restarted after a crash) and then at most
   * every few seconds, not on every run: most runs have nothing stuck to find.
   */
  async #reconcileNowAndThen(): Promise<number> {
    const now = this.#clock.now().getTime()
    const every = Math.min(5000, (this.#config.reconcileAfterSeconds * 1000) / 2)
    if (this.#reconciledAt !== undefined && now - this.#reconciledAt < every) return 0
    this.#reconciledAt = now
    return this.reconcileStuck()
  }

  /**
   * Messages stuck in `sending`: found at the provider → sent; not found → due again. A provider
   * that can be asked but gives no answer (Notify slow or down) is asked again later, with
   * backoff; after `reconcileGiveUpHours` the message is left for a person, with the reason.
   * Only a provider that can never answer (SMTP) has its message sent again.
   */
  async reconcileStuck(): Promise<number> {
    const now = this.#clock.now()
    const before = new Date(now.getTime() - this.#config.reconcileAfterSeconds * 1000)
    const stuck = await this.#db.asSystem((tx) => this.#repo.messages.stuckSending(tx, before, now, 200))
    let count = 0
    const answered: MessageRow[] = []
    // Each look-up may wait for the provider's timeout: a slow provider must not keep this run
    // (and its job) going for minutes; the rest wait for the next run.
    const started = Date.now()
    for (const message of stuck) {
      if (Date.now() - started > 20_000) break
      const channel = this.#channels.get(message.provider)
      const record = channel
        ? await channel.findByReference(message.forceId, message.reference)
        : 'cannot-tell'
      if (record === 'cannot-tell' && channel?.answersByReference) {
        await this.#askAgainLater(message)
        count += 1
        continue
      }
      if (record !== 'cannot-tell') answered.push(message)
      // Only the attempt this run read: another worker may have reconciled it meanwhile and sent it
      // again (now a newer attempt, in `sending` since later), which must not be sent once more.
      const thisAttempt = { ids: [message.id], sendingSince: message.sendingSince }
      await this.#db.asSystem(async (tx) => {
        if (record !== 'cannot-tell' && record.found) {
          const moved = await this.#repo.messages.transition(tx, thisAttempt, ['sending'], 'sent', {
            providerRef: record.providerRef,
            sentAt: this.#clock.now(),
            detail: 'Reconciled: the provider holds this reference',
          })
          if (moved.length === 0) return
          await this.#onSent?.(tx, message, this.#clock.now())
          await this.#onChanged?.(tx, [message.id])
        } else {
          // Not at the provider (or a provider that cannot tell, e.g. SMTP): send again.
          await this.#repo.messages.transition(tx, thisAttempt, ['sending'], 'scheduled', {
            sendAfter: this.#clock.now(),
            checkAgainAt: null,
            reconcileChecks: 0,
            detail:
              record === 'cannot-tell'
                ? 'Reconciled: provider cannot tell; sending again'
                : 'Reconciled: not at the provider; sending again',
          })
        }
      })
      // Outside the transaction: a receipt takes its own (PGlite has a single connection).
      if (record !== 'cannot-tell' && record.found) {
        await this.applyReceipt(message.forceId, record.providerRef, message.reference, record.status)
      }
      count += 1
    }
    if (answered.length > 0)
      await this.#db.asSystem((tx) => this.#askAgainNow(tx, answered, this.#clock.now()))
    return count
  }

  /** For each force whose provider just answered, its messages waiting to be asked about are due. */
  async #askAgainNow(tx: Tx, answeredFor: MessageRow[], now: Date): Promise<void> {
    const seen = new Set<string>()
    for (const { provider, forceId } of answeredFor) {
      if (provider === 'outbox' || seen.has(`${provider}|${forceId}`)) continue
      seen.add(`${provider}|${forceId}`)
      if ((await this.#repo.messages.askAgainNow(tx, provider, forceId, now)) > 0) this.#broughtForward = true
    }
  }

  /** The provider did not say whether it holds the message: ask again later, never resend blind. */
  async #askAgainLater(message: MessageRow): Promise<void> {
    const now = this.#clock.now()
    const checks = message.reconcileChecks + 1
    const since = message.sendingSince ?? now
    const giveUpAt = since.getTime() + this.#config.reconcileGiveUpHours * 3_600_000
    await this.#db.asSystem(async (tx) => {
      if (now.getTime() >= giveUpAt) {
        const reason =
          `Needs a person: GOV.UK Notify did not say whether it holds reference ${message.reference} ` +
          `after ${checks} checks since ${since.toISOString()}. It was not sent again, so the person ` +
          'may or may not have it: look the reference up in GOV.UK Notify before sending anything again.'
        await this.#repo.messages.transition(
          tx,
          { ids: [message.id], sendingSince: message.sendingSince },
          ['sending'],
          'technical-failure',
          {
            completedAt: now,
            checkAgainAt: null,
            reconcileChecks: checks,
            statusReason: reason,
            lastError: reason,
            detail: reason,
          },
        )
        this.#log.warn(
          { messageId: message.id, checks },
          'provider never said whether it holds a message; left for a person',
        )
        return
      }
      // 2, 4, 8 … times the recheck interval, at most an hour apart.
      const waitMs = Math.min(
        3_600_000,
        this.#config.reconcileAfterSeconds * 1000 * 2 ** Math.min(checks, 12),
      )
      const at = new Date(Math.min(now.getTime() + waitMs, giveUpAt))
      await this.#repo.messages.recheckLater(tx, message.id, at, checks, {
        detail: `The provider did not say whether it holds this message; asking again at ${at.toISOString()} (not sent again)`,
      })
    })
  }

  /**
   * A delivery receipt (callback or poll). Only `sending`/`sent` messages move, and only to a
   * final status, so duplicated or out-of-order receipts never undo a delivery.
   */
  async applyReceipt(
    forceId: string | null,
    providerRef: string,
    reference: string | null,
    status: string,
  ): Promise<'applied' | 'ignored' | 'unknown-message'> {
    if (!finalStatuses.has(status as MessageStatus)) return 'ignored'
    return this.#db.asSystem(async (tx) => {
      const message = await this.#repo.messages.byProviderRefOrReference(tx, providerRef, reference)
      if (!message || (forceId && message.forceId !== forceId)) return 'unknown-message'
      // A receipt can beat the dispatcher's own record of the send (the provider calls back while
      // the dispatcher's transaction is still open). The receipt proves the provider accepted the
      // message, so it is recorded as sent here, once, with its write-back; the dispatcher's record
      // then finds it no longer sending and leaves it.
      if (message.status === 'sending') {
        const now = this.#clock.now()
        const [sent] = await this.#repo.messages.markSent(tx, [{ id: message.id, providerRef }], now)
        if (sent) await this.#onSent?.(tx, sent, now)
      }
      const moved = await this.#repo.messages.transition(
        tx,
        { ids: [message.id] },
        ['sending', 'sent'],
        status as MessageStatus,
        {
          providerRef,
          completedAt: this.#clock.now(),
          detail: `Receipt: ${status}`,
        },
      )
      if (moved.length === 0) return 'ignored'
      await this.#onChanged?.(tx, [message.id])
      if (status === 'permanent-failure')
        await this.#markBad(tx, message, 'The provider could not deliver to this address')
      return 'applied'
    })
  }

  /** Asks the provider about messages sent long ago without a receipt. */
  async pollReceipts(): Promise<number> {
    const before = new Date(this.#clock.now().getTime() - this.#config.pollReceiptsAfterSeconds * 1000)
    const waiting = await this.#db.asSystem((tx) => this.#repo.messages.awaitingReceipt(tx, before, 200))
    let applied = 0
    for (const m of waiting) {
      const channel = this.#channels.get(m.provider)
      if (!channel?.statusOf || !m.providerRef) continue
      const status = await channel.statusOf(m.forceId, m.providerRef).catch((error) => {
        // The provider did not answer: the message is asked about again at the next run.
        this.#log.warn(
          { err: error, forceId: m.forceId, messageId: m.id },
          'a delivery status could not be fetched',
        )
        return undefined
      })
      if (status && (await this.applyReceipt(m.forceId, m.providerRef, m.reference, status)) === 'applied')
        applied += 1
    }
    return applied
  }

  #refillWaitMs(): number {
    const [capacity, perSecond] = this.#bucketShape()
    return Math.max(20, Math.round(((capacity / 5) * 1000) / perSecond))
  }

  #bucketShape(): [number, number] {
    // Capacity plus a minute of refill never exceeds the provider's rolling-minute limit.
    const perMinute = this.#config.notify.rateLimitPerMinute
    const capacity = Math.max(1, Math.floor(perMinute / 120))
    return [capacity, (perMinute - capacity) / 60]
  }

  /**
   * The claimed messages as the channels take them, with each force's sender and branding. A
   * sensitive message goes with the words kept apart for the person (migration 1020); one whose
   * words are gone cannot be sent, and is refused rather than sent with its credential hidden.
   */
  async #prepare(tx: Tx, claimed: MessageRow[]): Promise<(OutgoingMessage | { refused: string })[]> {
    const secrets = await this.#repo.messages.secretsOf(
      tx,
      claimed.filter((m) => m.sensitive).map((m) => m.id),
    )
    const settings = new Map<string, readonly [SettingsRow | undefined, ForceIdentity | undefined]>()
    for (const id of new Set(claimed.map((m) => m.forceId))) {
      settings.set(id, [
        await this.#repo.settings.settings(tx, id),
        await this.#repo.settings.forceIdentity(tx, id),
      ])
    }
    return claimed.map((m) => {
      const [s, force] = settings.get(m.forceId) ?? [undefined, undefined]
      const secret = secrets.get(m.id)
      if (m.sensitive && !secret)
        return { refused: 'Its code or link is no longer held, so it cannot be sent: ask for a new one' }
      return {
        id: m.id,
        provider: m.provider,
        forceId: m.forceId,
        reference: m.reference,
        channel: m.channel,
        recipient: m.recipient,
        subject: secret ? secret.subject : m.subject,
        body: secret ? secret.text : m.body,
        bodyMarkdown: secret ? secret.markdown : m.bodyMarkdown,
        bodyHtml: secret ? secret.html : m.bodyHtml,
        senderName: brandingFrom(s, force).senderName,
        replyTo: s?.replyToEmail ?? null,
        notifySenderId: (m.channel === 'sms' ? s?.notifySmsSenderId : s?.notifyEmailReplyToId) ?? null,
        unsubscribeUrl: m.channel === 'email' ? this.#links.urlFor(m.forceId, 'email', m.recipientKey) : null,
      }
    })
  }

  async #send(message: OutgoingMessage): Promise<SendOutcome> {
    const channel = this.#channels.get(message.provider)
    return channel
      ? channel.send(message)
      : { kind: 'misconfigured', error: `No ${message.provider} channel` }
  }

  async #record(claimed: MessageRow[], outcomes: SendOutcome[], result: DispatchResult): Promise<void> {
    const now = this.#clock.now()
    await this.#db.asSystem(async (tx) => {
      // What the provider accepted is recorded together; the rest one by one.
      const accepted = claimed.flatMap((message, i) => {
        const outcome = outcomes[i] as SendOutcome
        return outcome.kind === 'accepted' ? [{ message, outcome }] : []
      })
      const sent = await this.#repo.messages.markSent(
        tx,
        accepted.map((a) => ({ id: a.message.id, providerRef: a.outcome.providerRef })),
        now,
      )
      for (const message of sent) await this.#onSent?.(tx, message, now)
      // The provider answers again: messages an outage left waiting to be asked about are asked
      // at the next run, not after their backoff (up to an hour after the provider recovered).
      await this.#askAgainNow(
        tx,
        accepted.map((a) => a.message),
        now,
      )
      const stored = accepted.filter((a) => a.outcome.delivered).map((a) => a.message.id)
      if (stored.length > 0)
        await this.#repo.messages.transition(tx, { ids: stored }, ['sent'], 'delivered', {
          completedAt: now,
          detail: 'Kept in Waypoint’s own outbox: no provider is set up, so it did not go to the person',
        })
      result.sent += accepted.length
      const paused = new Set<string>()
      for (const [i, message] of claimed.entries()) {
        const outcome = outcomes[i] as SendOutcome
        if (outcome.kind === 'accepted') {
        } else if (outcome.kind === 'rate-limited') {
          // Not the message's fault: due again as it was, the attempt not counted, and the whole
          // force waits for the provider's window to free instead of asking again at once.
          this.rateLimitedCounter.inc({ provider: message.provider })
          // Notify's daily limit holds until its day ends; asking every minute until then only
          // collects more 429s.
          const bucket = message.provider === 'notify' ? notifyBucket(message.forceId) : null
          if (bucket && !paused.has(bucket)) {
            paused.add(bucket)
            const until = outcome.daily
              ? await this.#repo.buckets.pauseBucket(tx, bucket, secondsToNotifyMidnight(now), 'daily-limit')
              : await this.#repo.buckets.pauseBucket(
                  tx,
                  bucket,
                  this.#config.notify.rateLimitPauseSeconds,
                  'rate-limit',
                )
            if (outcome.daily)
              this.#log.warn(
                { forceId: message.forceId, resumeAt: until },
                'GOV.UK Notify daily limit reached; the force’s sending pauses until midnight UK time',
              )
            if (!result.resumeAt || until > result.resumeAt) result.resumeAt = until
          }
          await this.#repo.messages.transition(tx, { ids: [message.id] }, ['sending'], 'scheduled', {
            attempts: Math.max(0, message.attempts - 1),
            lastError: outcome.error,
            detail: outcome.daily
              ? `Held: ${notifyDailyLimitReason} (${outcome.error})`
              : `Held: the provider’s rate limit (${outcome.error}); the force’s sending pauses until its window frees`,
          })
          result.retried += 1
        } else if (outcome.kind === 'unknown') {
          // Leave it in `sending`: reconciliation asks the provider before any resend.
          this.#log.warn(
            { messageId: message.id, error: outcome.error },
            'provider outcome unknown; will reconcile',
          )
          await this.#repo.messages.noteNoAnswer(tx, message.id, outcome.error, {
            detail: `No certain answer from the provider (${outcome.error}): it may or may not have this message, so it is asked by our reference before anything is sent again`,
          })
          result.retried += 1
        } else if (
          outcome.kind === 'retry' ||
          (outcome.kind === 'misconfigured' && message.attempts < this.#config.maxAttempts)
        ) {
          const delay = Math.min(3600, 2 ** Math.min(message.attempts, 12)) * 1000
          await this.#repo.messages.transition(tx, { ids: [message.id] }, ['sending'], 'scheduled', {
            sendAfter: new Date(now.getTime() + (outcome.kind === 'retry' ? 1000 : delay)),
            lastError: outcome.error,
            detail: `Will retry: ${outcome.error}`,
          })
          result.retried += 1
        } else {
          const to: MessageStatus =
            outcome.kind === 'undeliverable' ? 'permanent-failure' : 'technical-failure'
          if (outcome.kind === 'refused')
            this.#log.warn({ messageId: message.id, forceId: message.forceId }, outcome.error)
          await this.#repo.messages.transition(tx, { ids: [message.id] }, ['sending'], to, {
            ...(outcome.kind === 'refused' ? { statusReason: outcome.error } : {}),
            lastError: outcome.error,
            completedAt: now,
            detail: outcome.error,
          })
          if (to === 'permanent-failure') await this.#markBad(tx, message, outcome.error)
          result.failed += 1
        }
      }
      await this.#onChanged?.(
        tx,
        claimed.map((m) => m.id),
      )
    })
  }

  async #markBad(
    tx: Parameters<Parameters<Database['asSystem']>[0]>[0],
    message: MessageRow,
    reason: string,
  ): Promise<void> {
    await this.#repo.optOuts.markContactPointBad(tx, {
      forceId: message.forceId,
      addressKey: message.recipientKey,
      channel: message.channel,
      status: 'bad',
      reason,
      messageId: message.id,
      failedAt: this.#clock.now(),
    })
  }
}
