// Console pages for the messages a force sends: its templates (UJ-11, UJ-12, UJ-19) with their
// versions, an editor with a branded preview and SMS length, and the force's messaging settings:
// quiet hours (UJ-8), sender details, links, branding and the channel each kind of message uses.
// Journey designers and force admins edit templates; force admins alone change settings.
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { ApprovalService } from '../platform/approvals/approval-service.ts'
import { whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { Config } from '../platform/config.ts'
import type { Database } from '../platform/db/database.ts'
import { DomainError, type FieldError, NotFoundError } from '../platform/errors.ts'
import type { NotifyChannel, NotifyConnectionCheck } from './channels.ts'
import type { MessagingServices } from './messaging-services.ts'
import type { TemplateChanges } from './template-changes.ts'
import type { TemplateEditing } from './template-service.ts'
import {
  formFromSettings,
  linkRows,
  parseSettingsForm,
  type SettingsForm,
  weekdays,
} from './settings-form.ts'
import {
  isOfferedLanguage,
  languageName,
  maxSmsSegments,
  offeredLanguages,
  type TemplateSummary,
  type TemplateText,
} from './template-editor.ts'
import { renderMessage } from './template-rendering.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'

export const templateEditors: StaffRole[] = ['force_admin', 'journey_designer']
export const settingsEditors: StaffRole[] = ['force_admin']

export interface MessagingConsoleDependencies {
  config: Config
  db: Database
  messaging: MessagingServices
  audit: AuditService
  editing: TemplateEditing
  /** For "Test connection": asks GOV.UK Notify about the force's key and templates. */
  notify?: NotifyChannel
  /** Saving and rolling back templates, under second-person approval when the force needs it. */
  changes: TemplateChanges
  approvals: ApprovalService
}

type TemplateForm = Record<string, string | undefined>

const base = '/console/templates'

export function registerMessagingConsoleRoutes(
  http: FastifyInstance,
  deps: MessagingConsoleDependencies,
): void {
  const { db, messaging, audit, editing } = deps
  const templates = { config: { access: { staff: templateEditors } } }
  // Free-text limits of the template form (limits.ts): a GOV.UK error summary names a breach.
  const templateForm = {
    ...templates,
    schema: {
      body: Type.Object({
        key: formText(MAX_LENGTH.name),
        title: formText(MAX_LENGTH.name),
        smsBody: formText(MAX_LENGTH.longText),
        emailSubject: formText(MAX_LENGTH.name),
        emailBody: formText(MAX_LENGTH.longText),
        letterBody: formText(MAX_LENGTH.longText),
      }),
    },
  }
  const sampleFor = async (forceId: string) => {
    const branding = await db.withForce(forceId, (tx) => messaging.settings.branding(tx, forceId))
    return {
      placeholders: editing.placeholders,
      sample: { ...editing.sample, force_name: branding.senderName },
      fields: editing.fields,
    }
  }
  const settingsAccess = { config: { access: { staff: settingsEditors } } }

  http.get<{ Querystring: { saved?: string } }>(base, templates, async (request, reply) => {
    const forceId = ownForce(request)
    const list = await db.withForce(forceId, (tx) => messaging.templates.templateSummaries(tx, forceId))
    return reply.render('messaging/templates.njk', {
      title: 'Message templates',
      templates: list.map((t) => ({ ...t, languageNames: t.languages.map(languageName) })),
    })
  })

  http.get(`${base}/new`, templates, async (request, reply) => {
    const forceId = ownForce(request)
    return reply.render(
      'messaging/template-edit.njk',
      editPage(null, 'en', emptyText(), {}, await sampleFor(forceId)),
    )
  })

  http.post<{ Body: TemplateForm }>(base, templateForm, async (request, reply) => {
    const forceId = ownForce(request)
    const text = textFrom(request.body)
    const newKey = (request.body.key ?? '').trim()
    if (request.body.action === 'preview') {
      const checked = await db.withForce(forceId, (tx) =>
        messaging.templates.checkTemplate(tx, forceId, null, 'en', text, editing),
      )
      return renderEditor(
        reply,
        editPage(null, 'en', text, { key: newKey }, await sampleFor(forceId)),
        checked,
      )
    }
    try {
      // Created at once, or sent for a second person's approval like any change when the force
      // needs one (issue 13 §7).
      const { key, outcome } = await deps.changes.create(forceId, newKey, text, actorOf(request))
      return reply.redirect(`${base}/${key}?saved=${outcome.kind === 'requested' ? 'requested' : 'en'}`, 303)
    } catch (error) {
      return refusedForm(reply, error, async (errors) =>
        reply.render('messaging/template-edit.njk', {
          ...editPage(null, 'en', text, { key: newKey }, await sampleFor(forceId)),
          errors,
        }),
      )
    }
  })

  http.get<{ Params: { key: string }; Querystring: { saved?: string } }>(
    `${base}/:key`,
    templates,
    async (request, reply) => {
      const forceId = ownForce(request)
      const key = keyOr404(request.params.key)
      const found = await db.withForce(forceId, async (tx) => {
        try {
          return { summary: await messaging.templates.templateSummary(tx, forceId, key) }
        } catch (error) {
          // A new template waiting for approval has no version yet: its page says so.
          const waiting =
            error instanceof NotFoundError && (await deps.approvals.pendingFor(tx, forceId, 'template', key))
          if (waiting) return { waiting }
          throw error
        }
      })
      if (!found.summary)
        return reply.render('messaging/template-waiting.njk', {
          key,
          pending: found.waiting,
          requested: request.query.saved === 'requested',
        })
      const summary = found.summary
      const saved = request.query.saved
      const pending = await db.withForce(forceId, (tx) =>
        deps.approvals.pendingFor(tx, forceId, 'template', summary.key),
      )
      return reply.render('messaging/template.njk', {
        pending,
        requested: saved === 'requested',
        rolledBack: saved === 'rolled-back',
        title: summary.title,
        template: summary,
        variants: summary.variants.map((v) => ({ ...v, languageName: languageName(v.language) })),
        languageItems: offeredLanguages.map((l) => ({ value: l.code, text: l.name })),
        savedLanguage: saved && isOfferedLanguage(saved) ? languageName(saved) : null,
        unchanged: request.query.saved === 'unchanged',
      })
    },
  )

  http.get<{ Params: { key: string }; Querystring: { language?: string } }>(
    `${base}/:key/edit`,
    templates,
    async (request, reply) => {
      const forceId = ownForce(request)
      const language = request.query.language ?? 'en'
      const summary = await db.withForce(forceId, (tx) =>
        messaging.templates.templateSummary(tx, forceId, keyOr404(request.params.key)),
      )
      if (!isOfferedLanguage(language)) {
        reply.code(400)
        return reply.render('messaging/template.njk', {
          title: summary.title,
          template: summary,
          variants: summary.variants.map((v) => ({ ...v, languageName: languageName(v.language) })),
          languageItems: offeredLanguages.map((l) => ({ value: l.code, text: l.name })),
          errors: [{ field: 'language', message: 'Select a language' }],
        })
      }
      return reply.render(
        'messaging/template-edit.njk',
        editPage(summary, language, textOf(summary, language), {}, await sampleFor(forceId)),
      )
    },
  )

  http.post<{ Params: { key: string }; Querystring: { language?: string }; Body: TemplateForm }>(
    `${base}/:key/edit`,
    templateForm,
    async (request, reply) => {
      const forceId = ownForce(request)
      const key = keyOr404(request.params.key)
      const language = request.query.language ?? 'en'
      const summary = await db.withForce(forceId, (tx) =>
        messaging.templates.templateSummary(tx, forceId, key),
      )
      const text = textFrom(request.body)
      if (request.body.action === 'preview') {
        const checked = await db.withForce(forceId, (tx) =>
          messaging.templates.checkTemplate(tx, forceId, key, language, text, editing),
        )
        return renderEditor(reply, editPage(summary, language, text, {}, await sampleFor(forceId)), checked)
      }
      try {
        // Saved at once, or sent for a second person's approval when the force needs one (issue 13 §7).
        const outcome = await deps.changes.save(forceId, key, language, text, actorOf(request))
        return reply.redirect(
          `${base}/${key}?saved=${outcome.kind === 'saved' ? language : outcome.kind === 'requested' ? 'requested' : 'unchanged'}`,
          303,
        )
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          reply.render('messaging/template-edit.njk', {
            ...editPage(summary, language, text, {}, await sampleFor(forceId)),
            errors,
          }),
        )
      }
    },
  )

  // Rolling a variant back to an earlier version: a new version equal to it (issue 13 §7).
  http.post<{ Params: { key: string; id: string } }>(
    `${base}/:key/versions/:id/rollback`,
    templates,
    async (request, reply) => {
      const forceId = ownForce(request)
      const key = keyOr404(request.params.key)
      if (!/^[0-9a-f-]{36}$/i.test(request.params.id))
        throw new DomainError('not-found', 'That version of the template was not found', { status: 404 })
      const outcome = await deps.changes.rollback(forceId, key, request.params.id, actorOf(request))
      return reply.redirect(
        `${base}/${key}?saved=${outcome.kind === 'requested' ? 'requested' : 'rolled-back'}`,
        303,
      )
    },
  )

  // The email exactly as the person would see it, for the preview frame: a stored version, or the
  // subject and text being edited. Its own CSP allows the email's inline styles and nothing
  // executable; values come from the sample person.
  http.get<{ Querystring: { id?: string; subject?: string; body?: string } }>(
    '/console/template-preview/email',
    templates,
    async (request, reply) => {
      const forceId = ownForce(request)
      const html = await db.withForce(forceId, async (tx) => {
        const branding = await messaging.settings.branding(tx, forceId)
        let subject = request.query.subject ?? ''
        let body = request.query.body ?? ''
        if (request.query.id) {
          const all = await messaging.templates.templates(tx, forceId)
          const stored = all.find((t) => t.id === request.query.id && t.channel === 'email')
          if (!stored) throw new DomainError('not-found', 'The email template was not found', { status: 404 })
          subject = stored.subject ?? ''
          body = stored.body
        }
        try {
          return renderMessage(
            { channel: 'email', subject, body },
            { ...editing.sample, force_name: branding.senderName },
            branding,
          ).html
        } catch {
          throw new DomainError('validation-failed', 'This email cannot be shown: check its placeholders', {
            status: 400,
          })
        }
      })
      return reply
        .header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'",
        )
        .header('x-frame-options', 'SAMEORIGIN')
        .type('text/html; charset=utf-8')
        .send(html)
    },
  )

  http.get<{ Querystring: { saved?: string } }>(
    '/console/messaging-settings',
    settingsAccess,
    async (request, reply) => {
      const forceId = ownForce(request)
      const settings = await db.withForce(forceId, (tx) => messaging.settings.settings(tx, forceId))
      return reply.render(
        'messaging/settings.njk',
        settingsPage(deps.config, formFromSettings(settings, channelDefaults(deps.config)), {
          saved: request.query.saved === '1',
          updatedAt: settings?.updatedAt ?? null,
          notifyKey: await notifyKeyShown(db, messaging, forceId),
          notifyPause: await db.asSystem((tx) => messaging.settings.notifyPause(tx, forceId)),
        }),
      )
    },
  )

  http.post<{ Body: SettingsForm }>('/console/messaging-settings', settingsAccess, async (request, reply) => {
    const forceId = ownForce(request)
    const parsed = parseSettingsForm(request.body ?? {})
    if (!parsed.change) {
      reply.code(400)
      return reply.render('messaging/settings.njk', {
        ...settingsPage(
          deps.config,
          { ...(request.body ?? {}), notifyApiKey: '' },
          {
            saved: false,
            updatedAt: null,
            notifyKey: await notifyKeyShown(db, messaging, forceId),
            notifyPause: await db.asSystem((tx) => messaging.settings.notifyPause(tx, forceId)),
          },
        ),
        errors: parsed.errors,
      })
    }
    const change = parsed.change
    const newKey = parsed.notifyApiKey
    await db.withForce(forceId, async (tx) => {
      const before = await messaging.settings.settings(tx, forceId)
      await messaging.settings.saveSettings(tx, forceId, change, staffOf(request).id)
      // The key itself is never audited or logged: only that it changed, its name and last 4.
      const key = newKey
        ? await messaging.settings.setNotifyApiKey(tx, forceId, newKey, staffOf(request).id)
        : null
      await audit.record(
        {
          action: 'messaging-settings.changed',
          forceId,
          ...whoAndWhere(request),
          recordType: 'messaging-settings',
          recordId: forceId,
          detail: {
            changed: [...changedFields(before, change), ...(key ? ['notifyApiKey'] : [])],
            after: change,
            ...(key ? { notifyApiKey: { name: key.name, last4: key.last4 } } : {}),
          },
        },
        tx,
      )
    })
    // The key or the templates may have changed: this process sends with them at once.
    messaging.settings.notifyKeyChanged(forceId)
    return reply.redirect('/console/messaging-settings?saved=1', 303)
  })

  // "Test connection": GOV.UK Notify is asked about the saved key and both saved templates, and
  // the page says plainly what is wrong. Nothing is sent and nothing changes.
  http.post('/console/messaging-settings/test-connection', settingsAccess, async (request, reply) => {
    const forceId = ownForce(request)
    const settings = await db.withForce(forceId, (tx) => messaging.settings.settings(tx, forceId))
    const emailChannel = settings?.emailChannel ?? channelDefaults(deps.config).email
    const connection: NotifyConnectionCheck = deps.notify
      ? await deps.notify.checkConnection(forceId, { email: emailChannel === 'notify' })
      : { ok: false, checks: [{ what: 'GOV.UK Notify', ok: false, detail: 'GOV.UK Notify is not set up' }] }
    await audit.record({
      action: 'messaging-settings.notify-tested',
      forceId,
      ...whoAndWhere(request),
      recordType: 'messaging-settings',
      recordId: forceId,
      detail: { ok: connection.ok },
    })
    return reply.render('messaging/settings.njk', {
      ...settingsPage(deps.config, formFromSettings(settings, channelDefaults(deps.config)), {
        saved: false,
        updatedAt: settings?.updatedAt ?? null,
        notifyKey: await notifyKeyShown(db, messaging, forceId),
        notifyPause: await db.asSystem((tx) => messaging.settings.notifyPause(tx, forceId)),
      }),
      connection,
    })
  })
}

function renderEditor(
  reply: FastifyReply,
  page: Record<string, unknown>,
  checked: { errors: FieldError[]; previews: unknown[] },
) {
  if (checked.errors.length > 0) reply.code(400)
  return reply.render('messaging/template-edit.njk', {
    ...page,
    errors: checked.errors.length > 0 ? checked.errors : undefined,
    previews: checked.previews,
    previewed: true,
  })
}

function editPage(
  summary: TemplateSummary | null,
  language: string,
  text: TemplateText,
  extra: { key?: string },
  context: { placeholders: string[]; sample: Record<string, unknown>; fields?: TemplateEditing['fields'] },
) {
  const existing = summary?.variants.filter((v) => v.language === language) ?? []
  const name = languageName(language)
  return {
    title: summary ? `Edit ${summary.title}: ${name}` : 'Create a message template',
    template: summary,
    language,
    languageName: name,
    isNew: summary === null,
    adding: summary !== null && existing.length === 0,
    values: { ...text, key: extra.key ?? '' },
    action: summary ? `${base}/${summary.key}/edit?language=${language}` : base,
    maxSmsSegments,
    placeholders: context.placeholders,
    fields: context.fields ?? [],
    // The live SMS length (progressive enhancement) fills placeholders with the preview's values.
    sampleJson: JSON.stringify(context.sample),
  }
}

/** What staff may see of the force's Notify key: never the key, only its name, last 4 and when set. */
async function notifyKeyShown(db: Database, messaging: MessagingServices, forceId: string) {
  const settings = await db.withForce(forceId, (tx) => messaging.settings.settings(tx, forceId))
  if (settings?.notifyApiKeySealed)
    return {
      name: settings.notifyApiKeyName,
      last4: settings.notifyApiKeyLast4,
      setAt: settings.notifyApiKeySetAt,
      inConsole: true,
    }
  const configured = messaging.settings.configuredNotifyKey(forceId)
  return configured ? { ...configured, setAt: null, inConsole: false } : null
}

function settingsPage(
  config: Config,
  values: SettingsForm,
  state: {
    saved: boolean
    updatedAt: Date | null
    notifyKey: Awaited<ReturnType<typeof notifyKeyShown>>
    notifyPause: Awaited<ReturnType<MessagingServices['settings']['notifyPause']>>
  },
) {
  const asList = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : [])
  return {
    title: 'Messaging settings',
    values,
    saved: state.saved,
    updatedAt: state.updatedAt,
    linkNumbers: Array.from({ length: linkRows }, (_, i) => i + 1),
    dayItems: Object.fromEntries(
      (['sms', 'email'] as const).map((channel) => [
        channel,
        weekdays.map((d) => ({
          value: String(d.value),
          text: d.name,
          checked: asList(values[`${channel}Days`]).includes(String(d.value)),
        })),
      ]),
    ),
    notifyKey: state.notifyKey,
    notifyPause: state.notifyPause,
    smtpConfigured: Boolean(config.messaging.smtp.url),
  }
}

function channelDefaults(config: Config) {
  return { sms: config.messaging.defaultSmsChannel, email: config.messaging.defaultEmailChannel }
}

function changedFields(before: object | undefined, after: object): string[] {
  const previous = (before ?? {}) as Record<string, unknown>
  return Object.entries(after)
    .filter(([field, value]) => JSON.stringify(previous[field] ?? null) !== JSON.stringify(value))
    .map(([field]) => field)
}

function emptyText(): TemplateText {
  return { title: '', smsBody: '', emailSubject: '', emailBody: '', letterBody: '' }
}

/** Textareas post CRLF line endings; messages keep LF. */
function textFrom(body: TemplateForm): TemplateText {
  const clean = (v: string | undefined) => (v ?? '').replace(/\r\n?/g, '\n')
  return {
    title: clean(body.title).trim(),
    smsBody: clean(body.smsBody).trim(),
    emailSubject: clean(body.emailSubject).trim(),
    emailBody: clean(body.emailBody).trim(),
    letterBody: clean(body.letterBody).trim(),
  }
}

function textOf(summary: TemplateSummary, language: string): TemplateText {
  const sms = summary.variants.find((v) => v.language === language && v.channel === 'sms')?.current
  const email = summary.variants.find((v) => v.language === language && v.channel === 'email')?.current
  const letter = summary.variants.find((v) => v.language === language && v.channel === 'letter')?.current
  return {
    title: summary.title,
    smsBody: sms?.body ?? '',
    emailSubject: email?.subject ?? '',
    emailBody: email?.body ?? '',
    letterBody: letter?.body ?? '',
  }
}

const actorOf = (request: FastifyRequest) => ({
  id: staffOf(request).id,
  name: staffOf(request).displayName,
  ip: request.ip,
  correlationId: request.id,
})

const ownForce = staffForce('Choose a force first: message templates belong to a force')

function keyOr404(key: string): string {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(key))
    throw new DomainError('not-found', 'The message template was not found', { status: 404 })
  return key
}
