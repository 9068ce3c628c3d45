// Template changes under second-person approval (issue 13 §7). When the force has turned approval
// on, saving a changed language of a template, or rolling a variant back to an earlier version,
// asks for approval with the change field by field; the approver's decision applies it then, as
// the author's new version. Without approval both take effect at once. A brand-new template
// waits for approval the same way, shown as every field added; until it is approved no version
// of it exists, and another new template cannot take its key.
import type { ApprovalService } from '../platform/approvals/approval-service.ts'
import type { ChangeRequest } from '../platform/approvals/change-request-repository.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { languageName, type TemplateText, templateBody } from './template-editor.ts'
import type { TemplateRow } from './template-repository.ts'
import type { TemplateEditing, TemplateService } from './template-service.ts'

export interface TemplateActor {
  id: string
  name: string
  ip: string | null
  correlationId?: string
}

export type TemplateChangeOutcome =
  | { kind: 'saved'; created: TemplateRow[] }
  | { kind: 'unchanged' }
  | { kind: 'requested'; request: ChangeRequest }

type Proposal =
  | { action: 'create'; language: string; text: TemplateText }
  | { action: 'save'; language: string; text: TemplateText; base: Record<string, number | null> }
  | { action: 'rollback'; versionId: string; base: Record<string, number | null> }

const channelWords = { sms: 'text message', email: 'email', letter: 'letter' } as const

export class TemplateChanges {
  readonly #db: Database
  readonly #templates: TemplateService
  readonly #approvals: ApprovalService
  readonly #audit: AuditService
  readonly #editing: TemplateEditing

  constructor(deps: {
    db: Database
    templates: TemplateService
    approvals: ApprovalService
    audit: AuditService
    editing: TemplateEditing
  }) {
    this.#db = deps.db
    this.#templates = deps.templates
    this.#approvals = deps.approvals
    this.#audit = deps.audit
    this.#editing = deps.editing
  }

  /**
   * Creates a template with its first (English) text, or asks for approval of it. The key and
   * the text are checked before the request is made; a key already in use, or one a new template
   * waiting for approval has taken, is refused.
   */
  async create(
    forceId: string,
    newKey: string,
    text: TemplateText,
    actor: TemplateActor,
  ): Promise<{ key: string; outcome: TemplateChangeOutcome }> {
    const key = newKey.trim()
    const language = 'en'
    const required = await this.#approvals.required(forceId)
    return this.#db.withForce(forceId, async (tx) => {
      if (!required) {
        const result = await this.#templates.saveTemplate(
          tx,
          forceId,
          null,
          { newKey: key, language, text, actorId: actor.id },
          this.#editing,
        )
        await this.#recordSaved(tx, forceId, result.key, language, result.created, actor, {})
        return { key: result.key, outcome: { kind: 'saved' as const, created: result.created } }
      }
      const checked = await this.#templates.checkNewTemplate(tx, forceId, key, language, text, this.#editing)
      const waiting = checked.keyTaken
        ? undefined
        : await this.#approvals.pendingFor(tx, forceId, 'template', key)
      const keyErrors = waiting
        ? [
            {
              field: 'key',
              message: 'A new template with this key is waiting for approval: choose another key',
            },
          ]
        : []
      if (checked.errors.length || keyErrors.length)
        throw new ValidationError([...keyErrors, ...checked.errors])
      const title = text.title.trim()
      const fields = [{ label: 'Title', before: '', after: title }]
      for (const preview of checked.previews) {
        const words = `${languageName(language)} ${channelWords[preview.channel]}`
        if (preview.channel === 'email')
          fields.push({ label: `${words}: subject`, before: '', after: text.emailSubject.trim() })
        fields.push({
          label: `${words}: text`,
          before: '',
          after: templateBody(text, preview.channel),
        })
      }
      const request = await this.#approvals.request(
        tx,
        {
          forceId,
          kind: 'template',
          subjectId: key,
          subjectName: title,
          summary: 'Add this new template',
          diff: fields,
          proposal: { action: 'create', language, text } satisfies Proposal,
        },
        actor,
      )
      return { key, outcome: { kind: 'requested' as const, request } }
    })
  }

  /** Saves one language of an existing template, or asks for approval of the change. */
  async save(
    forceId: string,
    key: string,
    language: string,
    text: TemplateText,
    actor: TemplateActor,
  ): Promise<TemplateChangeOutcome> {
    if (!(await this.#approvals.required(forceId)))
      return this.#db.withForce(forceId, async (tx) => {
        const result = await this.#templates.saveTemplate(
          tx,
          forceId,
          key,
          { language, text, actorId: actor.id },
          this.#editing,
        )
        if (result.created.length === 0) return { kind: 'unchanged' as const }
        await this.#recordSaved(tx, forceId, key, language, result.created, actor, {})
        return { kind: 'saved' as const, created: result.created }
      })
    return this.#db.withForce(forceId, async (tx) => {
      const checked = await this.#templates.checkTemplate(tx, forceId, key, language, text, this.#editing)
      if (checked.errors.length) throw new ValidationError(checked.errors)
      const current = await this.#current(tx, forceId, key)
      const fields = []
      const title = text.title.trim()
      for (const preview of checked.previews) {
        const channel = preview.channel
        const now = current.find((t) => t.channel === channel && t.language === language)
        const words = `${languageName(language)} ${channelWords[channel]}`
        const body = templateBody(text, channel)
        if (channel === 'email' && (now?.subject ?? '') !== text.emailSubject.trim())
          fields.push({
            label: `${words}: subject`,
            before: now?.subject ?? '',
            after: text.emailSubject.trim(),
          })
        if ((now?.body ?? '') !== body)
          fields.push({ label: `${words}: text`, before: now?.body ?? '', after: body })
        if (now && now.title !== title)
          fields.push({ label: `${words}: title`, before: now.title, after: title })
      }
      if (fields.length === 0) return { kind: 'unchanged' as const }
      const request = await this.#approvals.request(
        tx,
        {
          forceId,
          kind: 'template',
          subjectId: key,
          subjectName: current[0]?.title ?? key,
          summary: `Change the ${languageName(language)} text`,
          diff: fields,
          proposal: { action: 'save', language, text, base: baseOf(current) } satisfies Proposal,
        },
        actor,
      )
      return { kind: 'requested' as const, request }
    })
  }

  /** A new version equal to an earlier one of the same variant, or a request for it. */
  async rollback(
    forceId: string,
    key: string,
    versionId: string,
    actor: TemplateActor,
  ): Promise<TemplateChangeOutcome> {
    const required = await this.#approvals.required(forceId)
    return this.#db.withForce(forceId, async (tx) => {
      const current = await this.#current(tx, forceId, key)
      const all = await this.#templates.templates(tx, forceId)
      const old = all.find((t) => t.id === versionId && t.key === key)
      if (!old) throw new NotFoundError('That version of the template')
      const now = current.find((t) => t.channel === old.channel && t.language === old.language)
      if (now?.id === old.id)
        throw new DomainError('rollback-to-current', 'That version is the one in use now', { status: 409 })
      if (!required) {
        const created = await this.#addCopy(tx, old, actor.id)
        await this.#recordSaved(tx, forceId, key, old.language, [created], actor, { rollbackOf: old.version })
        return { kind: 'saved' as const, created: [created] }
      }
      const words = `${languageName(old.language)} ${channelWords[old.channel]}`
      const fields = [
        ...(old.channel === 'email' && (now?.subject ?? '') !== (old.subject ?? '')
          ? [{ label: `${words}: subject`, before: now?.subject ?? '', after: old.subject ?? '' }]
          : []),
        ...((now?.body ?? '') !== old.body
          ? [{ label: `${words}: text`, before: now?.body ?? '', after: old.body }]
          : []),
        ...(now && now.title !== old.title
          ? [{ label: `${words}: title`, before: now.title, after: old.title }]
          : []),
      ]
      const request = await this.#approvals.request(
        tx,
        {
          forceId,
          kind: 'template',
          subjectId: key,
          subjectName: now?.title ?? old.title,
          summary: `Roll the ${words} back to version ${old.version}`,
          diff: fields,
          proposal: { action: 'rollback', versionId: old.id, base: baseOf(current) } satisfies Proposal,
        },
        actor,
      )
      return { kind: 'requested' as const, request }
    })
  }

  /** Applies an approved request in the approval's transaction, as the author's new version. */
  async applyApproved(tx: Tx, request: ChangeRequest, approver: TemplateActor): Promise<string> {
    const proposal = request.proposal as Proposal
    const { forceId, subjectId: key } = request
    if (proposal.action === 'create') {
      // Checked again as it is created: the key may have been taken since.
      const result = await this.#templates.saveTemplate(
        tx,
        forceId,
        null,
        { newKey: key, language: proposal.language, text: proposal.text, actorId: request.requestedBy },
        this.#editing,
      )
      await this.#recordSaved(tx, forceId, key, proposal.language, result.created, approver, {
        changeRequest: request.id,
      })
      return `New template: ${result.created
        .map((c) => `${languageName(c.language)} ${channelWords[c.channel]} version ${c.version}`)
        .join(', ')}`
    }
    const current = await this.#current(tx, forceId, key)
    if (!sameBase(baseOf(current), proposal.base))
      throw new DomainError(
        'change-out-of-date',
        'The template was changed after this change was asked for. Reject it and ask for the change again.',
        { status: 409 },
      )
    let created: TemplateRow[]
    let language: string
    if (proposal.action === 'save') {
      language = proposal.language
      const result = await this.#templates.saveTemplate(
        tx,
        forceId,
        key,
        { language, text: proposal.text, actorId: request.requestedBy },
        this.#editing,
      )
      created = result.created
    } else {
      const old = (await this.#templates.templates(tx, forceId)).find((t) => t.id === proposal.versionId)
      if (!old) throw new NotFoundError('That version of the template')
      language = old.language
      created = [await this.#addCopy(tx, old, request.requestedBy)]
    }
    await this.#recordSaved(tx, forceId, key, language, created, approver, {
      changeRequest: request.id,
      ...(proposal.action === 'rollback' ? { rollback: true } : {}),
    })
    return created
      .map((c) => `${languageName(c.language)} ${channelWords[c.channel]} version ${c.version}`)
      .join(', ')
  }

  async #current(tx: Tx, forceId: string, key: string): Promise<TemplateRow[]> {
    const all = (await this.#templates.templates(tx, forceId)).filter((t) => t.key === key)
    if (all.length === 0) throw new NotFoundError('The message template')
    const latest = new Map<string, TemplateRow>()
    for (const t of all) {
      const id = `${t.channel}/${t.language}`
      if (!latest.has(id) || latest.get(id)!.version < t.version) latest.set(id, t)
    }
    return [...latest.values()]
  }

  #addCopy(tx: Tx, old: TemplateRow, actorId: string): Promise<TemplateRow> {
    return this.#templates.addTemplateVersion(tx, {
      forceId: old.forceId,
      key: old.key,
      title: old.title,
      channel: old.channel,
      language: old.language,
      subject: old.subject,
      body: old.body,
      actorId,
    })
  }

  #recordSaved(
    tx: Tx,
    forceId: string,
    key: string,
    language: string,
    created: TemplateRow[],
    actor: TemplateActor,
    detail: Record<string, unknown>,
  ) {
    return this.#audit.record(
      {
        action: 'rollbackOf' in detail ? 'message-template.rolled-back' : 'message-template.saved',
        forceId,
        actor: { kind: 'staff', id: actor.id, name: actor.name },
        recordType: 'message-template',
        recordId: key,
        detail: {
          language,
          versions: created.map((c) => ({ id: c.id, channel: c.channel, version: c.version })),
          ...detail,
        },
        ip: actor.ip,
        ...(actor.correlationId ? { correlationId: actor.correlationId } : {}),
      },
      tx,
    )
  }
}

/** The current version number of each variant: what a request was reviewed against. */
function baseOf(current: TemplateRow[]): Record<string, number | null> {
  return Object.fromEntries(
    current
      .map((t) => [`${t.channel}/${t.language}`, t.version] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  )
}

/** Stored as jsonb, whose keys come back in its own order: compared key by key. */
function sameBase(a: Record<string, number | null>, b: Record<string, number | null>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}
