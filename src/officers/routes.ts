// The officer console's pages (HTTP only; OfficerConsoleService holds the rules): "My cases", a
// portal conversation with the reply form, templates, recall and edit, its PDF and Word extract,
// the supervisor's team and escalations, the SLA report with its CSV, and the officer's profile.
// Every route is for the force's own staff; another force's conversation is not found.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import { csvStream } from '../platform/audit/csv-export.ts'
import { type AuditService, whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import { SEND_ATTEMPTS } from '../portal/message-routes.ts'
import { replyField } from '../messaging/conversations/service.ts'
import type { MessageKind } from '../messaging/conversations/schema.ts'
import type { PortalMessageService } from '../portal/message-service.ts'
import { conversationDocx, conversationPdf } from './conversation-export.ts'
import type { OfficerHelp } from './help.ts'
import { type Acting, type OfficerConsoleService, replyTemplates } from './service.ts'

/** Who answers people in the Portal; supervisors also see their team and its escalations. */
export const officerRoles: readonly StaffRole[] = ['investigating_officer', 'supervisor']
/** Live push topic of "My cases"; its key is the officer's staff id, and only they may follow it. */
export const officerCasesTopic = 'officer-cases'
export const supervisorRoles: readonly StaffRole[] = ['supervisor']
/** Who changes the force's portal message settings. */
export const settingsEditors: readonly StaffRole[] = ['force_admin']
/** Who reads the SLA report (CP-148). */
export const slaReaders: readonly StaffRole[] = ['supervisor', 'force_admin', 'analyst']

const forceOf = staffForce('Portal messages are held per force; sign in with a force account')
const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const product = 'portal' as const

function acting(request: FastifyRequest): Acting {
  const staff = staffOf(request)
  return { staffId: staff.id, displayName: staff.displayName, audited: whoAndWhere(request) }
}

export function registerOfficerRoutes(
  http: FastifyInstance,
  deps: {
    officers: OfficerConsoleService
    messages: PortalMessageService
    audit: AuditService
    clock: Clock
    help?: () => OfficerHelp
  },
): void {
  const { officers } = deps

  // The force's rules for portal messages: limits, SLA, edit window and new-crime rules (CP-84, CP-104, CP-125).
  const settingsFields = [
    'minLength',
    'maxLength',
    'slaWorkingHours',
    'workingStart',
    'workingEnd',
    'editWindowMinutes',
    'newCrimeRules',
  ] as const
  const renderSettings = async (request: FastifyRequest, reply: FastifyReply, extra: object = {}) => {
    const settings = await deps.messages.settings(forceOf(request))
    return reply.render('officers/settings.njk', {
      title: 'Portal message settings',
      settings,
      values: { ...settings, newCrimeRules: JSON.stringify(settings.newCrimeRules, null, 2) },
      ...extra,
    })
  }
  http.get<{ Querystring: { saved?: string } }>(
    '/console/officers/settings',
    {
      config: { access: { staff: settingsEditors, product } },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 3 })) }) },
    },
    async (request, reply) => renderSettings(request, reply, { saved: request.query.saved === 'yes' }),
  )
  http.post<{ Body: Record<(typeof settingsFields)[number], string | undefined> }>(
    '/console/officers/settings',
    {
      config: { access: { staff: settingsEditors, product } },
      schema: {
        body: Type.Object({
          ...Object.fromEntries(
            settingsFields.map((f) => [f, formText(f === 'newCrimeRules' ? 100_000 : 10)]),
          ),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.messages.saveSettingsForm(forceOf(request), request.body, {
          staffId: staffOf(request).id,
          ip: request.ip,
          correlationId: request.id,
        })
        return reply.redirect('/console/officers/settings?saved=yes', 303)
      } catch (error) {
        return refusedForm(reply, error, async (errors) => {
          const settings = await deps.messages.settings(forceOf(request))
          return reply.render('officers/settings.njk', {
            title: 'Portal message settings',
            settings,
            values: request.body,
            errors,
          })
        })
      }
    },
  )

  http.get(
    '/console/officers',
    { config: { access: { staff: officerRoles, product } } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const staffId = staffOf(request).id
      const mine = await officers.myCases(forceId, staffId)
      return reply.render('officers/my-cases.njk', {
        title: 'My cases',
        ...mine,
        topic: `${officerCasesTopic}:${staffId}`,
        now: deps.clock.now(),
      })
    },
  )

  const renderConversation = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    extra: object = {},
  ) => {
    const conversation = await officers.conversation(forceOf(request), request.params.id, acting(request))
    // Assist's suggested replies and actions (CP-89, CP-93), when the force has them on.
    const help =
      deps.help && conversation.canSend.ok
        ? await deps.help().forConversation(forceOf(request), conversation, acting(request))
        : null
    return reply.render('officers/conversation.njk', {
      title: `Portal messages, ${conversation.crimeRef}`,
      conversation,
      help,
      templates: replyTemplates,
      field: replyField,
      ...extra,
    })
  }

  http.get<{
    Params: { id: string }
    Querystring: { template?: string; done?: string; suggestion?: string }
  }>(
    '/console/officers/conversations/:id',
    {
      config: { access: { staff: officerRoles, product } },
      schema: {
        params: idParams,
        querystring: Type.Object({
          template: Type.Optional(Type.String({ maxLength: 40 })),
          done: Type.Optional(Type.String({ maxLength: 20 })),
          suggestion: Type.Optional(Type.String({ format: 'uuid' })),
        }),
      },
    },
    async (request, reply) => {
      const template = replyTemplates.find((t) => t.id === request.query.template)
      const done = ['sent', 'recalled', 'edited'].includes(request.query.done ?? '')
        ? request.query.done
        : undefined
      // "Use this reply" (CP-89): the suggestion pre-fills the form, for the officer to edit and send.
      const suggested =
        request.query.suggestion && deps.help
          ? await deps
              .help()
              .suggestion(forceOf(request), request.params.id, request.query.suggestion, acting(request))
          : null
      return renderConversation(request, reply, {
        done,
        values: suggested
          ? { [replyField]: suggested.text, kind: suggested.kind, suggestion: suggested.id }
          : template
            ? { [replyField]: template.text, kind: template.kind }
            : { kind: 'message' },
      })
    },
  )

  // CP-103: the officer's tries at sending one message, counted by the form as the person's are.
  const triesSoFar = (body: { attempt?: string }) =>
    Math.min(Math.max(Number.parseInt(body.attempt ?? '0', 10) || 0, 0), SEND_ATTEMPTS)
  const afterRefusal = (body: { attempt?: string }, errors: unknown[] = []) => {
    const attempts = Math.min(triesSoFar(body) + 1, SEND_ATTEMPTS)
    const outOfAttempts = attempts >= SEND_ATTEMPTS
    return { attempts, sendAttempts: SEND_ATTEMPTS, outOfAttempts, errors: outOfAttempts ? [] : errors }
  }
  http.post<{
    Params: { id: string }
    Body: { reply?: string; kind?: string; attempt?: string; suggestion?: string }
  }>(
    '/console/officers/conversations/:id',
    {
      config: { access: { staff: officerRoles, product } },
      schema: {
        params: idParams,
        body: Type.Object({
          reply: formText(MAX_LENGTH.longText),
          kind: Type.Optional(Type.String({ maxLength: 30 })),
          attempt: Type.Optional(Type.String({ maxLength: 2 })),
          suggestion: Type.Optional(Type.String({ maxLength: 36 })),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const kinds: MessageKind[] = ['message', 'information-request', 'extra-information']
      const kind = kinds.find((k) => k === request.body.kind) ?? 'message'
      const suggestion = /^[0-9a-f-]{36}$/.test(request.body.suggestion ?? '')
        ? request.body.suggestion!
        : null
      const values = { [replyField]: request.body.reply, kind, suggestion }
      if (triesSoFar(request.body) >= SEND_ATTEMPTS) {
        reply.code(400)
        return renderConversation(request, reply, { values, ...afterRefusal(request.body) })
      }
      try {
        const sent = await officers.send(
          forceOf(request),
          request.params.id,
          { text: request.body.reply ?? '', kind },
          acting(request),
        )
        // CP-89: what became of the suggested replies shown (used as they were, edited, ignored).
        await deps
          .help?.()
          .replied(
            forceOf(request),
            request.params.id,
            { suggestionId: suggestion, text: request.body.reply ?? '', messageId: sent.messageId },
            acting(request),
          )
        return reply.redirect(`/console/officers/conversations/${request.params.id}?done=sent`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderConversation(request, reply, { values, ...afterRefusal(request.body, errors) }),
        )
      }
    },
  )

  // CP-97: recall or edit within the force's window.
  http.post<{ Params: { id: string; messageId: string }; Body: { action?: string; text?: string } }>(
    '/console/officers/conversations/:id/messages/:messageId',
    {
      config: { access: { staff: officerRoles, product } },
      schema: {
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          messageId: Type.String({ format: 'uuid' }),
        }),
        body: Type.Object({
          action: Type.Union([Type.Literal('recall'), Type.Literal('edit')]),
          text: formText(MAX_LENGTH.longText),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const action = request.body.action as 'recall' | 'edit'
      try {
        await officers.change(
          forceOf(request),
          request.params.id,
          request.params.messageId,
          { action, ...(action === 'edit' ? { text: request.body.text ?? '' } : {}) },
          acting(request),
        )
        return reply.redirect(
          `/console/officers/conversations/${request.params.id}?done=${action === 'recall' ? 'recalled' : 'edited'}`,
          303,
        )
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderConversation(request, reply, { errors }))
      }
    },
  )

  // CP-119: the conversation for evidence, as PDF or Word; each extract audited.
  http.get<{ Params: { id: string; format: string } }>(
    '/console/officers/conversations/:id/extract.:format',
    {
      config: { access: { staff: officerRoles, product } },
      schema: {
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          format: Type.Union([Type.Literal('pdf'), Type.Literal('docx')]),
        }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const conversation = await officers.conversation(forceId, request.params.id, acting(request))
      await deps.audit.record({
        action: 'conversation.extracted',
        forceId,
        ...whoAndWhere(request),
        recordType: 'conversation',
        recordId: request.params.id,
        detail: { format: request.params.format },
      })
      const now = deps.clock.now()
      const name = `conversation-${conversation.crimeRef.replace(/[^A-Za-z0-9]+/g, '-')}`
      const pdf = request.params.format === 'pdf'
      return reply
        .header(
          'content-type',
          pdf ? 'application/pdf' : 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        )
        .header('content-disposition', `attachment; filename="${name}.${request.params.format}"`)
        .header('cache-control', 'no-store')
        .send(pdf ? await conversationPdf(conversation, now) : await conversationDocx(conversation, now))
    },
  )

  http.get(
    '/console/officers/team',
    { config: { access: { staff: supervisorRoles, product } } },
    async (request, reply) => {
      const team = await officers.team(forceOf(request), staffOf(request).id)
      return reply.render('officers/team.njk', {
        title: 'Team and escalations',
        ...team,
        now: deps.clock.now(),
      })
    },
  )

  // CP-148: SLA compliance for a month, on the page and as CSV.
  http.get<{ Querystring: { month?: string; format?: string } }>(
    '/console/officers/sla',
    {
      config: { access: { staff: slaReaders, product } },
      schema: {
        querystring: Type.Object({
          month: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}$' })),
          format: Type.Optional(Type.Literal('csv')),
        }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const month =
        request.query.month ?? DateTime.fromJSDate(deps.clock.now(), { zone: ukZone }).toFormat('yyyy-MM')
      const start = DateTime.fromISO(`${month}-01`, { zone: ukZone })
      const report = await officers.slaReport(forceId, start.toJSDate(), start.plus({ months: 1 }).toJSDate())
      if (request.query.format === 'csv') {
        const body = csvStream(
          [
            'Message',
            'Crime reference',
            'Officer collar',
            'Sent at',
            'Due by',
            'Answered at',
            'Escalated at',
            'Outcome',
          ],
          report.rows,
          (r) => [
            r.messageId,
            r.crimeRef ?? '',
            r.officerCollar ?? '',
            r.sentAt.toISOString(),
            r.dueBy.toISOString(),
            r.answeredAt?.toISOString() ?? '',
            r.escalatedAt?.toISOString() ?? '',
            r.answeredAt
              ? r.answeredAt <= r.dueBy
                ? 'answered in time'
                : 'answered late'
              : r.dueBy <= deps.clock.now()
                ? 'overdue'
                : 'waiting',
          ],
        )
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="waypoint-${forceId}-portal-sla-${month}.csv"`)
          .header('cache-control', 'no-store')
          .send(body)
      }
      return reply.render('officers/sla.njk', { title: 'Portal message response times', report, month })
    },
  )

  http.get(
    '/console/officers/profile',
    { config: { access: { staff: officerRoles, product } } },
    async (request, reply) => {
      const profile = await officers.profile(forceOf(request), staffOf(request).id)
      return reply.render('officers/profile.njk', { title: 'Your officer details', values: profile ?? {} })
    },
  )
  http.post<{ Body: { collar?: string; team?: string } }>(
    '/console/officers/profile',
    {
      config: { access: { staff: officerRoles, product } },
      schema: {
        body: Type.Object({
          collar: formText(20),
          team: formText(100),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      try {
        await officers.saveProfile(
          forceOf(request),
          staffOf(request).id,
          { collar: request.body.collar ?? '', team: request.body.team ?? null },
          acting(request),
        )
        return reply.redirect('/console/officers', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          reply.render('officers/profile.njk', {
            title: 'Your officer details',
            values: request.body,
            errors,
          }),
        )
      }
    },
  )
}
