// The outbox in the staff console, for a year of a force's messages: pages newest first with a
// total, search by phone, email, reference or name, filters by status, channel and template in
// plain words, a CSV of everything matching, and each message's page, from which staff cancel a
// message waiting to send or send again one that failed, with a reason, confirmed and audited.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { whoAndWhere } from '../platform/audit/audit-service.ts'
import { csvStream } from '../platform/audit/csv-export.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { Database } from '../platform/db/database.ts'
import { DomainError, type FieldError } from '../platform/errors.ts'
import type { OutboxCursor, OutboxFilter, OutboxMessage } from './outbox-repository.ts'
import {
  cancellableStatuses,
  classifySearch,
  type OutboxService,
  resendableStatuses,
  sensitiveResendRefusal,
} from './outbox-service.ts'
import { ukDateTime } from '../platform/calendar.ts'
import type { Channel, MessageStatus, Provider } from './schema.ts'
import type { MessagingServices } from './messaging-services.ts'
import { languageName } from './template-editor.ts'
import { staffForce, staffOf } from '../platform/http/request.ts'

/** Each status in words staff use, for the outbox filter and the tag on each message. */
export const outboxStatuses: { value: MessageStatus; text: string }[] = [
  { value: 'scheduled', text: 'Waiting to send' },
  { value: 'sending', text: 'Sending' },
  { value: 'sent', text: 'Sent, waiting for a receipt' },
  { value: 'delivered', text: 'Delivered' },
  { value: 'suppressed', text: 'Held back, not sent' },
  { value: 'cancelled', text: 'Cancelled' },
  { value: 'permanent-failure', text: 'Not delivered: the number or address does not work' },
  { value: 'temporary-failure', text: 'Not delivered: the phone or inbox was unavailable' },
  { value: 'technical-failure', text: 'Not delivered: a technical failure' },
]
export const statusLabel = (status: MessageStatus) =>
  outboxStatuses.find((s) => s.value === status)?.text ?? status

const channelNames: Record<Channel, string> = { sms: 'Text message', email: 'Email' }
const providerNames: Record<Provider, string> = {
  notify: 'GOV.UK Notify',
  smtp: 'The force’s email server',
  outbox: 'Not sent: kept in Waypoint’s own outbox, as no provider is set up',
}

/** Who reads the outbox; who may also cancel or resend a message. */
export const outboxReaders: StaffRole[] = ['force_admin', 'journey_designer', 'supervisor', 'service_support']
export const outboxActors: StaffRole[] = ['force_admin', 'supervisor', 'service_support']

const MAX_SEARCH = 200
const MAX_REASON = 500

interface OutboxQuery {
  q?: string
  status?: string
  channel?: string
  template?: string
  older?: string
  newer?: string
}

export interface OutboxRouteDependencies {
  db: Database
  messaging: MessagingServices
  outbox: OutboxService
  audit: AuditService
}

export function registerOutboxRoutes(http: FastifyInstance, deps: OutboxRouteDependencies): void {
  const { db, messaging, outbox, audit } = deps
  const readers = { config: { access: { staff: outboxReaders } } }
  const actors = { config: { access: { staff: outboxActors } } }

  http.get<{ Querystring: OutboxQuery }>('/console/outbox', readers, async (request, reply) => {
    const forceId = ownForce(request)
    const query = request.query ?? {}
    const titles = await db.withForce(forceId, (tx) => outbox.templateTitles(tx, forceId))
    const { filter, errors } = parseFilter(query, titles)
    const view = {
      title: 'Outbox',
      query,
      statusItems: [
        { value: '', text: 'Any status' },
        ...outboxStatuses.map((s) => ({ value: s.value, text: s.text, selected: s.value === filter.status })),
      ],
      channelItems: [
        { value: '', text: 'Text messages and emails' },
        { value: 'sms', text: 'Text messages', selected: filter.channel === 'sms' },
        { value: 'email', text: 'Emails', selected: filter.channel === 'email' },
      ],
      templateItems: [
        { value: '', text: 'Any template' },
        ...titles.map((t) => ({ value: t.key, text: t.title, selected: t.key === filter.templateKey })),
      ],
      status: filter.status ?? '',
      statusText: filter.status ? statusLabel(filter.status).toLowerCase() : '',
      canAct: outboxActors.some((r) => staffOf(request).roles.has(r)),
    }
    if (errors.length > 0) return reply.code(400).render('messaging/outbox.njk', { ...view, errors })
    const position = {
      ...(cursorFrom(query.older) ? { older: cursorFrom(query.older)! } : {}),
      ...(cursorFrom(query.newer) ? { newer: cursorFrom(query.newer)! } : {}),
    }
    const page = await db.withForce(forceId, (tx) => outbox.page(tx, forceId, filter, position))
    const titleOf = new Map(titles.map((t) => [t.key, t.title]))
    const base = filterQuery(query)
    return reply.render('messaging/outbox.njk', {
      ...view,
      messages: page.messages.map((m) => forList(m, titleOf)),
      totalText: totalText(
        page.total,
        page.totalIsBound,
        Boolean(filter.status || filter.channel || filter.templateKey || filter.search),
      ),
      filtered: Boolean(filter.status || filter.channel || filter.templateKey || filter.search),
      olderHref: page.older ? `/console/outbox?${join(base, `older=${cursorText(page.older)}`)}` : undefined,
      newerHref: page.newer ? `/console/outbox?${join(base, `newer=${cursorText(page.newer)}`)}` : undefined,
      firstHref: position.older || position.newer ? `/console/outbox${base ? `?${base}` : ''}` : undefined,
      exportHref: `/console/outbox/export.csv${base ? `?${base}` : ''}`,
    })
  })

  // Everything matching the same filters, streamed a page at a time; the export is audited with
  // its criteria, as it holds people's phone numbers and email addresses.
  http.get<{ Querystring: OutboxQuery }>('/console/outbox/export.csv', readers, async (request, reply) => {
    const forceId = ownForce(request)
    const titles = await db.withForce(forceId, (tx) => outbox.templateTitles(tx, forceId))
    const { filter, errors } = parseFilter(request.query ?? {}, titles)
    if (errors.length > 0)
      throw new DomainError('validation-failed', errors.map((e) => e.message).join('. '), { status: 400 })
    await audit.record({
      action: 'outbox.exported',
      forceId,
      ...whoAndWhere(request),
      recordType: 'outbox',
      detail: { criteria: criteriaOf(filter), format: 'csv' },
    })
    const titleOf = new Map(titles.map((t) => [t.key, t.title]))
    const stamp = DateTime.now().setZone('Europe/London').toFormat('yyyyLLdd-HHmm')
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="waypoint-outbox-${stamp}.csv"`)
      .header('cache-control', 'no-store')
    const all = outbox.all((fn) => db.withForce(forceId, fn), forceId, filter)
    return reply.send(
      csvStream(
        [
          'Reference',
          'Created (UTC)',
          'Channel',
          'To',
          'Template',
          'Language',
          'Status',
          'Reason',
          'Send after (UTC)',
          'Sent (UTC)',
          'Case id',
          'Person id',
          'Test send',
        ],
        all,
        (m) => [
          m.reference,
          m.createdAt,
          channelNames[m.channel],
          m.recipient,
          m.templateKey ? (titleOf.get(m.templateKey) ?? m.templateKey) : '',
          languageName(m.language),
          statusLabel(m.status),
          m.statusReason,
          m.sendAfter,
          m.sentAt,
          m.caseId,
          m.personId,
          m.isTest ? 'yes' : 'no',
        ],
      ),
    )
  })

  http.get<{ Params: { id: string }; Querystring: { done?: string } }>(
    '/console/outbox/:id',
    readers,
    async (request, reply) => {
      const forceId = ownForce(request)
      const { message, events, title } = await db.withForce(forceId, async (tx) => {
        const found = await messaging.scheduling.message(tx, uuidOr404(request.params.id))
        const titles = await outbox.templateTitles(tx, forceId)
        return { ...found, title: titles.find((t) => t.key === found.message.templateKey)?.title }
      })
      await audit.recordView(request, { forceId, recordType: 'message', recordId: message.id })
      const mayAct = outboxActors.some((r) => staffOf(request).roles.has(r))
      const done = request.query.done
      return reply.render('messaging/message.njk', {
        title: message.recipient ? `Message to ${message.recipient}` : 'Message held back',
        message,
        statusText: statusLabel(message.status),
        providerText: providerNames[message.provider],
        templateText: templateText(message, title),
        timing: {
          due: ukDateTime(message.dueAt),
          notBefore:
            message.sendAfter.getTime() > message.dueAt.getTime() ? ukDateTime(message.sendAfter) : null,
          sent: message.sentAt ? ukDateTime(message.sentAt) : null,
        },
        events: events.map((e) => ({
          ...e,
          fromText: e.fromStatus ? statusLabel(e.fromStatus as MessageStatus) : null,
          toText: statusLabel(e.toStatus as MessageStatus),
          detail: plainDetail(inUkTime(e.detail)),
        })),
        canCancel: mayAct && cancellableStatuses.includes(message.status),
        canResend: mayAct && resendableStatuses.includes(message.status) && !message.sensitive,
        sensitive: message.sensitive,
        done: done === 'cancelled' || done === 'resent' ? done : null,
      })
    },
  )

  // The email exactly as the person sees it, framed by the message page; its own CSP allows the
  // email's inline styles and nothing executable.
  http.get<{ Params: { id: string } }>('/console/outbox/:id/email', readers, async (request, reply) => {
    const forceId = ownForce(request)
    const { message } = await db.withForce(forceId, (tx) =>
      messaging.scheduling.message(tx, uuidOr404(request.params.id)),
    )
    if (!message.bodyHtml)
      throw new DomainError('not-found', 'This message has no email body', { status: 404 })
    return reply
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'",
      )
      .header('x-frame-options', 'SAMEORIGIN')
      .type('text/html; charset=utf-8')
      .send(message.bodyHtml)
  })

  // Cancel and resend: a page that asks for the reason and confirms, then the change, audited.
  for (const action of ['cancel', 'resend'] as const) {
    const allowed = action === 'cancel' ? cancellableStatuses : resendableStatuses
    const confirmPage = async (
      request: FastifyRequest<{ Params: { id: string } }>,
      reply: FastifyReply,
      extra: { errors?: FieldError[]; reason?: string } = {},
    ) => {
      const forceId = ownForce(request)
      const { message } = await db.withForce(forceId, (tx) =>
        messaging.scheduling.message(tx, uuidOr404(request.params.id)),
      )
      if (action === 'resend' && message.sensitive)
        throw new DomainError('conflict', sensitiveResendRefusal, { status: 409 })
      if (!allowed.includes(message.status))
        throw new DomainError(
          'conflict',
          action === 'cancel'
            ? 'This message is no longer waiting to send, so it cannot be cancelled'
            : 'Only a message that failed can be sent again',
          { status: 409 },
        )
      return reply.render('messaging/message-action.njk', {
        title: action === 'cancel' ? 'Cancel this message' : 'Send this message again',
        action,
        message,
        statusText: statusLabel(message.status),
        recipientText: `${channelNames[message.channel]} to ${message.recipient || '(no contact detail known)'}`,
        reason: extra.reason ?? '',
        errors: extra.errors,
        maxReason: MAX_REASON,
      })
    }
    http.get<{ Params: { id: string } }>(`/console/outbox/:id/${action}`, actors, (request, reply) =>
      confirmPage(request, reply),
    )
    http.post<{ Params: { id: string }; Body: { reason?: string } }>(
      `/console/outbox/:id/${action}`,
      actors,
      async (request, reply) => {
        const forceId = ownForce(request)
        const id = uuidOr404(request.params.id)
        const reason = (request.body?.reason ?? '').replace(/\r\n?/g, '\n').trim()
        const errors: FieldError[] = []
        if (!reason)
          errors.push({
            field: 'reason',
            message:
              action === 'cancel'
                ? 'Enter why this message is cancelled'
                : 'Enter why this message is sent again',
          })
        else if (reason.length > MAX_REASON)
          errors.push({ field: 'reason', message: `The reason must be ${MAX_REASON} characters or fewer` })
        if (errors.length > 0) {
          reply.code(400)
          return confirmPage(request, reply, { errors, reason })
        }
        const staff = staffOf(request)
        await db.withForce(forceId, async (tx) => {
          const done =
            action === 'cancel'
              ? await outbox.cancel(tx, forceId, id, reason, staff.id)
              : await outbox.resend(tx, forceId, id, reason, staff.id)
          // The reason is kept with the message (its history), which PIRM deletion removes with it;
          // the trail records who did what to which message.
          await audit.record(
            {
              action: action === 'cancel' ? 'message.cancelled' : 'message.resent',
              forceId,
              ...whoAndWhere(request),
              recordType: 'message',
              recordId: id,
              detail: action === 'cancel' ? { from: done.from } : { from: done.from, newMessageId: done.id },
            },
            tx,
          )
        })
        return reply.redirect(
          `/console/outbox/${id}?done=${action === 'cancel' ? 'cancelled' : 'resent'}`,
          303,
        )
      },
    )
  }
}

/** "1,234 messages match", or "More than 10,000 messages" where counting stopped. */
function totalText(total: number, bound: boolean, filtered: boolean): string {
  const n = total.toLocaleString('en-GB')
  if (bound) return `More than ${n} messages${filtered ? ' match' : ''}`
  const noun = total === 1 ? 'message' : 'messages'
  return `${n} ${noun}${filtered ? (total === 1 ? ' matches' : ' match') : ''}`
}

function forList(m: OutboxMessage, titleOf: Map<string, string>) {
  return {
    ...m,
    statusText: statusLabel(m.status),
    templateText: templateText(m, m.templateKey ? titleOf.get(m.templateKey) : undefined),
  }
}

/** "Incident reference, English (version 1)" instead of "incident-reference v1 (en)". */
function templateText(
  m: { templateKey: string | null; templateVersion: number | null; language: string },
  title: string | undefined,
): string {
  if (!m.templateKey) return 'No template'
  const version = m.templateVersion ? ` (version ${m.templateVersion})` : ''
  return `${title ?? m.templateKey}, ${languageName(m.language)}${version}`
}

function parseFilter(
  query: OutboxQuery,
  titles: { key: string; title: string }[],
): { filter: OutboxFilter; errors: FieldError[] } {
  const errors: FieldError[] = []
  const q = (query.q ?? '').trim()
  if (q.length > MAX_SEARCH)
    errors.push({ field: 'q', message: `Search must be ${MAX_SEARCH} characters or fewer` })
  const status = outboxStatuses.find((s) => s.value === query.status)?.value
  const channel = query.channel === 'sms' || query.channel === 'email' ? query.channel : undefined
  const templateKey = titles.find((t) => t.key === query.template)?.key
  return {
    filter: { status, channel, templateKey, search: errors.length ? undefined : classifySearch(q) },
    errors,
  }
}

/** What an export asked for, for the audit: which filters, and what kind of search (not its text). */
function criteriaOf(filter: OutboxFilter): Record<string, string> {
  const criteria: Record<string, string> = {}
  if (filter.status) criteria.status = filter.status
  if (filter.channel) criteria.channel = filter.channel
  if (filter.templateKey) criteria.template = filter.templateKey
  if (filter.search)
    criteria.search = filter.search.kind === 'address' ? 'phone or email' : 'reference or name'
  return criteria
}

function filterQuery(query: OutboxQuery): string {
  const params = new URLSearchParams()
  for (const key of ['q', 'status', 'channel', 'template'] as const) {
    const value = query[key]?.trim()
    if (value) params.set(key, value)
  }
  return params.toString()
}

function join(...parts: string[]): string {
  return parts.filter(Boolean).join('&')
}

function cursorText(cursor: OutboxCursor): string {
  return encodeURIComponent(`${cursor.at}_${cursor.id}`)
}

function cursorFrom(text: string | undefined): OutboxCursor | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)_([0-9a-f-]{36})$/i.exec(text ?? '')
  return match ? { at: match[1]!, id: match[2]! } : undefined
}

const ownForce = staffForce('Choose a force first: messages belong to a force')

function uuidOr404(id: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(id))
    throw new DomainError('not-found', 'The message was not found', { status: 404 })
  return id
}

/** Timestamps written into older timeline entries (ISO, UTC), as people in the UK read them. */
function inUkTime(detail: string | null): string | null {
  return (
    detail?.replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z\b/g, (iso) => ukDateTime(new Date(iso))) ??
    null
  )
}

/** Older history entries in the words the page uses now. */
function plainDetail(detail: string | null): string | null {
  if (detail === 'Stored in the dev outbox')
    return 'Kept in Waypoint’s own outbox: no provider is set up, so it did not go to the person'
  return detail
}
