// Assist's help for the investigating officer on portal messages as a module (issue 16, item 6;
// CP-89, CP-93, CP-121; decision 0043): the service the officer console calls through its
// `OfficerHelp` port, the force administrator's switch, the page where an officer asks a question
// about a case, and the form that marks a suggested action done or not needed. Product `portal`,
// for the console's roles; another force's conversation is not found.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CrimeCase } from '../cases/service.ts'
import type { CaseMessageEntry } from '../journeys/case-messages.ts'
import { officerRoles } from '../officers/routes.ts'
import { type Acting, type OfficerConversation, replyTemplates } from '../officers/service.ts'
import { type AuditService, whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import type { Module } from '../platform/modules.ts'
import { questionMaxLength, refusal } from './case-questions.ts'
import { OfficerHelpService } from './officer-help-service.ts'
import type { ProviderService } from './provider-service.ts'

/** Who switches officer help on and off. */
export const officerHelpEditors: readonly StaffRole[] = ['force_admin']

const forceOf = staffForce('Officer help is set per force; sign in with a force account')
const product = 'portal' as const

function acting(request: FastifyRequest): Acting {
  const staff = staffOf(request)
  return { staffId: staff.id, displayName: staff.displayName, audited: whoAndWhere(request) }
}

export function createAssistOfficerHelp(deps: {
  db: Database
  audit: AuditService
  clock: Clock
  provider?: ProviderService
  conversation: (forceId: string, id: string, acting: Acting) => Promise<OfficerConversation>
  caseRecords: (
    forceId: string,
    crimeId: string,
  ) => Promise<{ crime: CrimeCase; messages: CaseMessageEntry[] }>
}): Module<{ officerHelp: OfficerHelpService }> {
  const officerHelp = new OfficerHelpService({ ...deps, templates: replyTemplates })
  return {
    name: 'assist-officer-help',
    services: { officerHelp },
    routes: (http) => registerOfficerHelpRoutes(http, officerHelp),
    navigation: [
      {
        text: 'Officer help',
        href: '/console/assist/officer-help',
        roles: officerHelpEditors,
        group: 'settings',
        forceOnly: true,
      },
    ],
  }
}

function registerOfficerHelpRoutes(http: FastifyInstance, help: OfficerHelpService): void {
  const settingsAccess = { staff: officerHelpEditors }
  const renderSettings = async (request: FastifyRequest, reply: FastifyReply, extra: object = {}) =>
    reply.render('assist/officer-help-settings.njk', {
      title: 'Officer help',
      enabled: (await help.setting(forceOf(request))).enabled,
      ...extra,
    })
  http.get<{ Querystring: { saved?: string } }>(
    '/console/assist/officer-help',
    {
      config: { access: settingsAccess },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) },
    },
    (request, reply) => renderSettings(request, reply, { saved: request.query.saved === '1' }),
  )
  http.post<{ Body: { enabled?: string } }>(
    '/console/assist/officer-help',
    {
      config: { access: settingsAccess },
      schema: { body: Type.Object({ enabled: formText(3), _csrf: formText(200) }) },
    },
    async (request, reply) => {
      try {
        await help.setEnabled(forceOf(request), request.body.enabled, {
          ...whoAndWhere(request),
          staffId: staffOf(request).id,
        })
        return reply.redirect('/console/assist/officer-help?saved=1', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderSettings(request, reply, { errors }))
      }
    },
  )

  // CP-121: a question about the case, answered only from its records.
  const access = { staff: officerRoles, product }
  const params = Type.Object({ id: Type.String({ format: 'uuid' }) })
  const renderQuestions = (reply: FastifyReply, conversation: OfficerConversation, extra: object = {}) =>
    reply.render('assist/case-questions.njk', {
      title: `Ask about ${conversation.crimeRef}`,
      conversation,
      maxLength: questionMaxLength,
      refusal,
      values: {},
      ...extra,
    })
  http.get<{ Params: { id: string } }>(
    '/console/assist/conversations/:id/questions',
    { config: { access }, schema: { params } },
    async (request, reply) =>
      renderQuestions(reply, await help.caseOf(forceOf(request), request.params.id, acting(request))),
  )
  http.post<{ Params: { id: string }; Body: { question?: string } }>(
    '/console/assist/conversations/:id/questions',
    {
      config: { access },
      // The form's limit is the service's; a longer text is still read, to say so in the form.
      schema: {
        params,
        body: Type.Object({ question: formText(questionMaxLength * 5), _csrf: formText(200) }),
      },
    },
    async (request, reply) => {
      try {
        const { conversation, answer } = await help.ask(
          forceOf(request),
          request.params.id,
          request.body.question,
          acting(request),
        )
        return renderQuestions(reply, conversation, {
          values: request.body,
          asked: request.body.question,
          answer,
        })
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          renderQuestions(reply, await help.caseOf(forceOf(request), request.params.id, acting(request)), {
            values: request.body,
            errors,
          }),
        )
      }
    },
  )

  // CP-93: a suggested action marked done or not needed.
  http.post<{ Params: { id: string }; Body: { conversation?: string; outcome?: string } }>(
    '/console/assist/suggestions/:id',
    {
      config: { access },
      schema: {
        params,
        body: Type.Object({
          conversation: Type.String({ format: 'uuid' }),
          outcome: formText(20),
          _csrf: formText(200),
        }),
      },
    },
    async (request, reply) => {
      const conversationId = request.body.conversation!
      await help.decideAction(
        forceOf(request),
        conversationId,
        request.params.id,
        request.body.outcome,
        acting(request),
      )
      return reply.redirect(`/console/officers/conversations/${conversationId}#officer-help`, 303)
    },
  )
}
