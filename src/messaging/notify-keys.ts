// Each force's GOV.UK Notify API key. A force admin sets it in the console; it is kept sealed by
// the platform's credential keys (AES-256-GCM) under keys derived from the installation's
// credential key (and its previous value while it is rotated, decision 0049), so a copy of the
// database alone does not yield it, and it is never shown
// again: staff see its name, its last 4 characters and when it was set. A force without one uses
// the key in the installation's configuration (NOTIFY_API_KEYS). Notify templates belong to one Notify service, so the force's
// template ids go with its key: set on the same page, else NOTIFY_SMS_TEMPLATE_IDS and
// NOTIFY_EMAIL_TEMPLATE_IDS (per force), else the single NOTIFY_*_TEMPLATE_ID.
import { HeldValues } from '../platform/cache.ts'
import type { Config } from '../platform/config.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { Database } from '../platform/db/database.ts'
import { configuredNotifyAccount, type NotifyAccount } from './channels.ts'
import type { MessagingSettingsRepository } from './settings-repository.ts'

/**
 * The keys Notify keys are sealed with: each is SHA-256 of a messaging-only label and the
 * installation's credential key, with no additional data, as since Notify keys were first kept
 * (`v1:iv:tag:data` then; `v2:<key id>:iv:tag:data` now, the same parts after the key's id).
 */
export function notifyKeyCipher(keys: CredentialKeys): CredentialKeys {
  return keys.derive('waypoint:notify-api-key:')
}

/** A Notify key is `{key name}-{service id}-{secret}`: a name, then two UUIDs. */
const keyPattern =
  /^(.+)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i

/** The parts of a Notify key staff may see, or null when the text is not a Notify key. */
export function notifyKeyParts(key: string): { name: string; last4: string } | null {
  const match = keyPattern.exec(key.trim())
  return match ? { name: match[1] as string, last4: key.trim().slice(-4) } : null
}

export class NotifyKeys {
  readonly #cipher: CredentialKeys
  readonly #db: Database
  readonly #repo: MessagingSettingsRepository
  readonly #configured: Record<string, string>
  readonly #notify: Config['messaging']['notify'] | undefined
  readonly #accounts: HeldValues<NotifyAccount | undefined>

  constructor(deps: {
    db: Database
    repo: MessagingSettingsRepository
    /** The installation's credential keys; messaging-only keys are derived from them. */
    keys: CredentialKeys
    configured: Record<string, string>
    /** The installation's Notify settings: each force's configured template ids. */
    notify?: Config['messaging']['notify']
    /** How long a worker trusts what it read; a change in this process is seen at once. */
    ttlMs?: number
  }) {
    this.#cipher = notifyKeyCipher(deps.keys)
    this.#db = deps.db
    this.#repo = deps.repo
    this.#configured = deps.configured
    this.#notify = deps.notify
    this.#accounts = new HeldValues({ ttlMs: deps.ttlMs ?? 30_000 })
  }

  seal(plain: string): string {
    return this.#cipher.encrypt(plain)
  }

  /** The key in clear; throws CredentialUnreadableError when it opens under neither key. */
  open(sealed: string): string {
    return this.#cipher.decrypt(sealed)
  }

  /** The keys it seals with (the start-up pass seals stored keys again with them). */
  get keys(): CredentialKeys {
    return this.#cipher
  }

  /** The key the force sends with: the one set in the console, else the configured one. */
  async keyFor(forceId: string): Promise<string | undefined> {
    return (await this.accountFor(forceId))?.key
  }

  /** The force's key and its Notify service's templates: the console's, else the configured ones. */
  async accountFor(forceId: string): Promise<NotifyAccount | undefined> {
    return this.#accounts.fetch(forceId, () => this.#read(forceId))
  }

  async #read(forceId: string): Promise<NotifyAccount | undefined> {
    const settings = await this.#db.withForce(forceId, (tx) => this.#repo.settings(tx, forceId))
    const configured = this.#notify
      ? configuredNotifyAccount(this.#notify, forceId)
      : { key: this.#configured[forceId], smsTemplateId: undefined, emailTemplateId: undefined }
    const key = settings?.notifyApiKeySealed
      ? this.open(settings.notifyApiKeySealed)
      : this.#configured[forceId]
    return key
      ? {
          key,
          smsTemplateId: settings?.notifySmsTemplateId ?? configured.smsTemplateId,
          emailTemplateId: settings?.notifyEmailTemplateId ?? configured.emailTemplateId,
        }
      : undefined
  }

  /** Called when the force's key changes in this process, so the next message uses it. */
  forget(forceId: string): void {
    this.#accounts.drop(forceId)
  }

  /** The configured key's visible parts, for a force that has not set its own. */
  configuredKey(forceId: string): { name: string; last4: string } | null {
    const key = this.#configured[forceId]
    return key ? (notifyKeyParts(key) ?? { name: 'unnamed key', last4: key.slice(-4) }) : null
  }
}
