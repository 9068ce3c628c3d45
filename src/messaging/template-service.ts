// Message templates: versions per channel and language, checked as a designer types them and
// rendered for a sample person with the force's branding (UJ-12, UJ-18, UJ-19). Saving a changed
// channel adds a version; messages already scheduled keep the version they used.
import type { Tx } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import type { TemplateChannel } from './schema.ts'
import type { MessagingSettingsService } from './settings-service.ts'
import { smsLength } from './sms-length.ts'
import {
  type ChannelPreview,
  checkTemplateText,
  isOfferedLanguage,
  summariseTemplates,
  templateBody,
  type TemplateSummary,
  type TemplateText,
} from './template-editor.ts'
import type { TemplateRepository, TemplateRow } from './template-repository.ts'
import type { Personalisation } from './template-rendering.ts'
import type { UnsubscribeLinks } from './unsubscribe-links.ts'

export interface NewTemplate {
  forceId: string
  key: string
  title: string
  channel: TemplateChannel
  language?: string
  subject?: string | null
  body: string
  actorId?: string | null
}

/** What the template editor checks a template against: the values messages are given. */
export interface TemplateEditing {
  placeholders: string[]
  sample: Personalisation
  /** What each placeholder is, listed in the editor with its example. */
  fields: { name: string; description: string; example: string }[]
}

export class TemplateService {
  readonly #repo: TemplateRepository
  readonly #settings: MessagingSettingsService
  readonly #unsubscribeLinks: UnsubscribeLinks | undefined

  constructor(deps: {
    repo: TemplateRepository
    settings: MessagingSettingsService
    links?: UnsubscribeLinks
  }) {
    this.#repo = deps.repo
    this.#settings = deps.settings
    this.#unsubscribeLinks = deps.links
  }

  async addTemplateVersion(tx: Tx, template: NewTemplate): Promise<TemplateRow> {
    const errors = []
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(template.key))
      errors.push({ field: 'key', message: 'Enter a key of lowercase letters, numbers and hyphens' })
    if (!template.title.trim()) errors.push({ field: 'title', message: 'Enter a title' })
    if (!template.body.trim())
      errors.push({
        field: 'body',
        message: template.channel === 'letter' ? 'Enter the letter' : 'Enter the message',
      })
    if (template.channel === 'email' && !template.subject?.trim())
      errors.push({ field: 'subject', message: 'Enter a subject line' })
    if (errors.length) throw new ValidationError(errors)
    return this.#repo.addTemplateVersion(tx, {
      forceId: template.forceId,
      key: template.key,
      title: template.title.trim(),
      channel: template.channel,
      language: template.language ?? 'en',
      subject: template.channel === 'email' ? (template.subject ?? null) : null,
      body: template.body,
      createdBy: template.actorId ?? null,
    })
  }

  templates(tx: Tx, forceId: string): Promise<TemplateRow[]> {
    return this.#repo.templates(tx, forceId)
  }

  /** The force's templates grouped by key, each with its variants and versions (console list). */
  async templateSummaries(tx: Tx, forceId: string): Promise<TemplateSummary[]> {
    return summariseTemplates(await this.#repo.templatesWithAuthors(tx, forceId))
  }

  async templateSummary(tx: Tx, forceId: string, key: string): Promise<TemplateSummary> {
    const [summary] = summariseTemplates(await this.#repo.templatesWithAuthors(tx, forceId, key))
    if (!summary) throw new NotFoundError('The message template')
    return summary
  }

  /**
   * Checks one language of a template as typed and renders it for a sample person with the
   * force's branding. `key` is null for a template not created yet.
   */
  async checkTemplate(
    tx: Tx,
    forceId: string,
    key: string | null,
    language: string,
    text: TemplateText,
    editing: TemplateEditing,
  ): Promise<{ errors: { field: string; message: string }[]; previews: ChannelPreview[] }> {
    const errors: { field: string; message: string }[] = []
    if (!isOfferedLanguage(language)) errors.push({ field: 'language', message: 'Select a language' })
    const existing =
      key === null
        ? []
        : (await this.#repo.templatesWithAuthors(tx, forceId, key))
            .filter((t) => t.language === language)
            .map((t) => t.channel)
    const branding = await this.#settings.branding(tx, forceId)
    const checked = checkTemplateText(text, {
      placeholders: editing.placeholders,
      sample: { ...editing.sample, force_name: branding.senderName },
      branding,
      existing: [...new Set(existing)],
      language,
      unsubscribeUrl: this.#unsubscribeLinks?.exampleUrl() ?? null,
    })
    return { errors: [...errors, ...checked.errors], previews: checked.previews }
  }

  /**
   * Saves one language of a template: each channel whose title, subject or text changed gets a
   * new version; earlier versions stay, and messages already scheduled keep the one they used.
   * Returns the versions created (none when nothing changed).
   */
  /**
   * Checks a template not created yet: its key (the form, and that no template has it) and its
   * text. `keyTaken` says the key is in use.
   */
  async checkNewTemplate(
    tx: Tx,
    forceId: string,
    key: string,
    language: string,
    text: TemplateText,
    editing: TemplateEditing,
  ): Promise<{
    errors: { field: string; message: string }[]
    previews: ChannelPreview[]
    keyTaken: boolean
  }> {
    const keyErrors = []
    let keyTaken = false
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(key))
      keyErrors.push({
        field: 'key',
        message: 'Enter a key of 2 to 63 lowercase letters, numbers and hyphens, like court-date-reminder',
      })
    else if ((await this.#repo.templatesWithAuthors(tx, forceId, key)).length > 0) {
      keyTaken = true
      keyErrors.push({ field: 'key', message: 'A template with this key already exists: choose another key' })
    }
    const checked = await this.checkTemplate(tx, forceId, null, language, text, editing)
    return { errors: [...keyErrors, ...checked.errors], previews: checked.previews, keyTaken }
  }

  async saveTemplate(
    tx: Tx,
    forceId: string,
    key: string | null,
    input: { newKey?: string; language: string; text: TemplateText; actorId: string | null },
    editing: TemplateEditing,
  ): Promise<{ key: string; created: TemplateRow[] }> {
    const templateKey = key ?? (input.newKey ?? '').trim()
    if (key === null) {
      const checked = await this.checkNewTemplate(
        tx,
        forceId,
        templateKey,
        input.language,
        input.text,
        editing,
      )
      if (checked.errors.length) throw new ValidationError(checked.errors)
    }
    const checked = await this.checkTemplate(tx, forceId, key, input.language, input.text, editing)
    if (checked.errors.length) throw new ValidationError(checked.errors)
    const current = key === null ? [] : await this.#repo.templatesWithAuthors(tx, forceId, templateKey)
    const created: TemplateRow[] = []
    const title = input.text.title.trim()
    for (const preview of checked.previews) {
      const channel = preview.channel
      const body = templateBody(input.text, channel)
      const subject = channel === 'email' ? input.text.emailSubject.trim() : null
      const latest = current.find((t) => t.channel === channel && t.language === input.language)
      if (latest && latest.body === body && latest.subject === subject && latest.title === title) continue
      created.push(
        await this.addTemplateVersion(tx, {
          forceId,
          key: templateKey,
          title,
          channel,
          language: input.language,
          subject,
          body,
          actorId: input.actorId,
        }),
      )
    }
    return { key: templateKey, created }
  }

  /** SMS length and parts for the designer's live preview. */
  smsLength = smsLength
}
