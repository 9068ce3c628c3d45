// A force's messaging settings: which channel sends each kind of message, its branding (UJ-12),
// its sending windows (UJ-8), its own GOV.UK Notify key (write-only, stored sealed), and why its
// Notify sending is paused when it is.
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Tx } from '../platform/db/database.ts'
import { ValidationError } from '../platform/errors.ts'
import { type NotifyKeys, notifyKeyParts } from './notify-keys.ts'
import { defaultSendingWindow, isValidSendingWindow, type SendingWindow } from './quiet-hours.ts'
import type { RateBucketRepository } from './rate-bucket-repository.ts'
import type { Channel, Provider } from './schema.ts'
import type { MessagingSettingsRepository, SettingsRow } from './settings-repository.ts'
import type { Branding } from './template-rendering.ts'

export interface MessagingDefaults {
  smsProvider: Provider
  emailProvider: Provider
}

/** The shared rate bucket of a force's Notify key. */
export const notifyBucket = (forceId: string): string => `notify:${forceId}`

/** What staff are told while Notify's daily limit pauses a force's sending. */
export const notifyDailyLimitReason = 'GOV.UK Notify’s daily limit was reached; sending resumes at midnight'

export class MessagingSettingsService {
  readonly #repo: MessagingSettingsRepository
  readonly #buckets: RateBucketRepository
  readonly #clock: Clock
  #notifyKeys: NotifyKeys | undefined

  constructor(deps: { repo: MessagingSettingsRepository; buckets: RateBucketRepository; clock: Clock }) {
    this.#repo = deps.repo
    this.#buckets = deps.buckets
    this.#clock = deps.clock
  }

  /** The sealing and lookup of forces' GOV.UK Notify keys, set up with the channels. */
  useNotifyKeys(keys: NotifyKeys): void {
    this.#notifyKeys = keys
  }

  /** The branding a force's messages carry (UJ-12), for previews in the designer. */
  async branding(tx: Tx, forceId: string): Promise<Branding> {
    return brandingFrom(await this.#repo.settings(tx, forceId), await this.#repo.forceIdentity(tx, forceId))
  }

  async settings(tx: Tx, forceId: string): Promise<SettingsRow | undefined> {
    return this.#repo.settings(tx, forceId)
  }

  async saveSettings(
    tx: Tx,
    forceId: string,
    change: Partial<Omit<SettingsRow, 'forceId' | 'updatedAt'>>,
    actorId: string | null,
  ): Promise<void> {
    for (const [channel, window] of Object.entries(change.sendingWindows ?? {})) {
      if (!isValidSendingWindow(window as SendingWindow)) {
        throw new ValidationError([
          {
            field: `${channel}-window`,
            message: 'Enter a start time before the end time and at least one day',
          },
        ])
      }
    }
    const current = await this.#repo.settings(tx, forceId)
    await this.#repo.saveSettings(tx, {
      forceId,
      smsChannel: change.smsChannel ?? current?.smsChannel ?? 'outbox',
      emailChannel: change.emailChannel ?? current?.emailChannel ?? 'outbox',
      senderName: change.senderName ?? current?.senderName ?? null,
      replyToEmail: change.replyToEmail ?? current?.replyToEmail ?? null,
      notifySmsSenderId: change.notifySmsSenderId ?? current?.notifySmsSenderId ?? null,
      notifyEmailReplyToId: change.notifyEmailReplyToId ?? current?.notifyEmailReplyToId ?? null,
      notifySmsTemplateId:
        'notifySmsTemplateId' in change
          ? (change.notifySmsTemplateId ?? null)
          : (current?.notifySmsTemplateId ?? null),
      notifyEmailTemplateId:
        'notifyEmailTemplateId' in change
          ? (change.notifyEmailTemplateId ?? null)
          : (current?.notifyEmailTemplateId ?? null),
      branding: change.branding ?? current?.branding ?? {},
      links: change.links ?? current?.links ?? [],
      sendingWindows: { ...(current?.sendingWindows ?? {}), ...(change.sendingWindows ?? {}) },
      sendOnChristmasDays: change.sendOnChristmasDays ?? current?.sendOnChristmasDays ?? false,
      updatedBy: actorId,
    })
  }

  /**
   * Sets the force's own GOV.UK Notify API key (write-only): it is stored sealed, with its name
   * and last 4 characters apart for staff to recognise it. Call `notifyKeyChanged` once the
   * transaction has committed so this process sends with it at once.
   */
  async setNotifyApiKey(
    tx: Tx,
    forceId: string,
    key: string,
    actorId: string | null,
  ): Promise<{ name: string; last4: string }> {
    const parts = notifyKeyParts(key)
    if (!parts)
      throw new ValidationError([
        {
          field: 'notifyApiKey',
          message:
            'Enter the API key exactly as GOV.UK Notify showed it: the key name followed by two long codes joined by hyphens',
        },
      ])
    if (!this.#notifyKeys) throw new Error('GOV.UK Notify keys are not set up')
    if (!(await this.#repo.settings(tx, forceId))) await this.saveSettings(tx, forceId, {}, actorId)
    await this.#repo.setNotifyApiKey(tx, forceId, {
      notifyApiKeySealed: this.#notifyKeys.seal(key.trim()),
      notifyApiKeyName: parts.name,
      notifyApiKeyLast4: parts.last4,
      notifyApiKeySetAt: this.#clock.now(),
      notifyApiKeySetBy: actorId,
    })
    return parts
  }

  notifyKeyChanged(forceId: string): void {
    this.#notifyKeys?.forget(forceId)
  }

  /**
   * Why the force's GOV.UK Notify sending is paused now, if it is, in words for its admins
   * (`tx` as the system: the rate buckets are the region's).
   */
  async notifyPause(tx: Tx, forceId: string): Promise<{ reason: string; until: Date } | undefined> {
    const pause = await this.#buckets.bucketPause(tx, notifyBucket(forceId))
    if (!pause) return undefined
    return {
      until: pause.until,
      reason:
        pause.reason === 'daily-limit'
          ? notifyDailyLimitReason
          : 'GOV.UK Notify’s rate limit was reached; sending resumes within a minute',
    }
  }

  /** The configured key's visible parts, for a force that has not set its own in the console. */
  configuredNotifyKey(forceId: string): { name: string; last4: string } | null {
    return this.#notifyKeys?.configuredKey(forceId) ?? null
  }
}

/** The window a force's messages on `channel` keep to, with its choice about 25 and 26 December. */
export function sendingWindowFor(settings: SettingsRow | undefined, channel: Channel): SendingWindow {
  return {
    ...(settings?.sendingWindows?.[channel] ?? defaultSendingWindow),
    sendOnChristmasDays: settings?.sendOnChristmasDays ?? false,
  }
}

export function providerFor(
  channel: Channel,
  settings: SettingsRow | undefined,
  config: Config['messaging'],
): Provider {
  if (channel === 'sms') return settings?.smsChannel ?? config.defaultSmsChannel
  return settings?.emailChannel ?? config.defaultEmailChannel
}

export function brandingFrom(
  settings: SettingsRow | undefined,
  force?: { name: string; branding: { primaryColour?: string; logoText?: string; logoUrl?: string } },
): Branding {
  const name = settings?.senderName ?? force?.name ?? 'Police'
  return {
    senderName: name,
    colour: settings?.branding.colour ?? force?.branding.primaryColour ?? '#0b0c0c',
    logoText: settings?.branding.logoText ?? force?.branding.logoText ?? name,
    ...(settings?.branding.logoUrl ? { logoUrl: settings.branding.logoUrl } : {}),
    links: settings?.links ?? [],
  }
}
