// The queue's pages: the live queue (the handler's state, their contacts, what waits, who is
// working), one contact (claim, transfer, end, outcome) and, for supervisors, handlers' skills.
// Live through the push channel; without JavaScript, reloading shows the same.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import { contactChannelNames } from './channels.ts'
import { gradings, notReadyReasons, skills, thriveDimensions } from './queue-repository.ts'
import {
  CTI_AGENT_MAX,
  outcomes,
  priorityNames,
  type QueueService,
  queueTopic,
  reasonNames,
  skillNames,
} from './queue.ts'
import { acting, contactStaff, forceOf } from './single-view-routes.ts'
import { dimensionNames, ratingNames, type ThriveService } from './thrive.ts'

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

/** A contact in the queue is a call, not the phone as a channel. */
const channelNames: Record<string, string> = { ...contactChannelNames, phone: 'Phone call' }

export function registerQueueRoutes(
  http: FastifyInstance,
  deps: {
    queue: QueueService
    thrive: ThriveService
    audit: AuditService
    now: () => Date
    /** Notes mentioning the handler that they have not opened (src/contact/agent-tools.ts). */
    notices?: (forceId: string, staffId: string) => Promise<unknown[]>
    /** The force's labels, to show only the contacts with one (src/contact/agent-tools.ts). */
    labels?: {
      list(forceId: string): Promise<{ id: string; name: string }[]>
      having(forceId: string, labelId: string, itemIds: string[]): Promise<Set<string>>
    }
    /** Each handler's team by staff id, for the handlers table (decision 0047). */
    teamOf?: (forceId: string) => Promise<Record<string, string>>
    /** The standard forms that may be prepared from a contact, as links (Assist's forms, CRM-20). */
    forms?: (forceId: string, itemId: string) => Promise<{ text: string; href: string }[]>
    /** The automated transcripts of the contact's call recordings (Assist's speech, CRM-22). */
    speech?: (forceId: string, itemId: string) => Promise<unknown[]>
  },
): void {
  const access = { staff: contactStaff, product: 'contact' as const }
  const handlers = { staff: ['contact_handler'] as const, product: 'contact' as const }

  const renderBoard = async (request: FastifyRequest, reply: FastifyReply, errors?: FieldError[]) => {
    const forceId = forceOf(request)
    const board = await deps.queue.board(forceId, acting(request), async (tx, people) => {
      await deps.audit.recordView(
        request,
        { forceId, recordType: 'contact-queue', recordId: 'queue', detail: { people: people.length } },
        tx,
      )
      for (const id of people)
        await deps.audit.recordView(
          request,
          { forceId, recordType: 'person', recordId: id, detail: { view: 'contact-queue' } },
          tx,
        )
    })
    const label = (request.query as { label?: string } | undefined)?.label || null
    if (label && deps.labels) {
      const all = [...board.waiting, ...board.working, ...board.mine].map((i) => i.id)
      const kept = await deps.labels.having(forceId, label, all)
      board.waiting = board.waiting.filter((i) => kept.has(i.id))
      board.working = board.working.filter((i) => kept.has(i.id))
      board.mine = board.mine.filter((i) => kept.has(i.id))
    }
    return reply.render('contact/queue.njk', {
      title: 'Contact queue',
      ...board,
      labels: deps.labels ? await deps.labels.list(forceId) : [],
      label,
      teamOf: deps.teamOf ? await deps.teamOf(forceId) : {},
      now: deps.now(),
      topic: queueTopic,
      priorityNames,
      reasonNames,
      skillNames,
      channelNames,
      reasons: notReadyReasons.map((r) => ({ value: r, text: reasonNames[r] })),
      errors,
      notices: deps.notices ? await deps.notices(forceId, acting(request).staffId) : [],
    })
  }

  http.get(
    '/console/contact/queue',
    {
      config: { access },
      schema: {
        querystring: Type.Object({
          label: Type.Optional(Type.Union([Type.Literal(''), Type.String({ format: 'uuid' })])),
        }),
      },
    },
    (request, reply) => renderBoard(request, reply),
  )

  http.post<{ Body: { state?: string; reason?: string } }>(
    '/console/contact/queue/state',
    {
      config: { access: handlers },
      schema: {
        body: Type.Object({
          state: formText(20),
          reason: formText(20),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.queue.setState(forceOf(request), request.body, acting(request))
        return reply.redirect('/console/contact/queue', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderBoard(request, reply, errors))
      }
    },
  )

  const renderContact = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) => {
    const forceId = forceOf(request)
    const me = acting(request)
    const found = await deps.queue.contact(forceId, request.params.id, async (tx, item) => {
      await deps.audit.recordView(request, { forceId, recordType: 'contact', recordId: item.id }, tx)
      if (item.personId)
        await deps.audit.recordView(
          request,
          { forceId, recordType: 'person', recordId: item.personId, detail: { view: 'contact' } },
          tx,
        )
    })
    return reply.render('contact/contact.njk', {
      title: `Contact from ${found.item.personName ?? 'an unknown sender'}`,
      ...found,
      speech: deps.speech ? await deps.speech(forceId, found.item.id) : [],
      mine: found.item.assignedTo === me.staffId,
      colleagues: found.agents.filter((a) => a.staffId !== me.staffId && a.state !== 'offline'),
      outcomes,
      priorityNames,
      skillNames,
      channelNames,
      skills,
      dimensions: thriveDimensions.map((d) => ({ name: d, text: dimensionNames[d] })),
      ratingNames,
      gradings,
      errors: form.errors,
      values: form.values ?? {},
      forms: deps.forms ? await deps.forms(forceId, found.item.id) : [],
    })
  }

  http.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    '/console/contact/queue/contacts/:id/thrive',
    {
      config: { access: handlers },
      schema: {
        params: idParams,
        body: Type.Object({
          ...Object.fromEntries(thriveDimensions.map((d) => [d, formText(2)])),
          grading: formText(20),
          note: formText(MAX_LENGTH.shortText),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.thrive.assess(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/queue/contacts/${request.params.id}#thrive`, 303)
      } catch (error) {
        const values = Object.fromEntries(
          Object.entries(request.body)
            .filter(([k]) => k !== '_csrf')
            .map(([k, v]) => [`thrive-${k}`, v ?? '']),
        )
        return refusedForm(reply, error, (errors) => renderContact(request, reply, { errors, values }))
      }
    },
  )

  http.get<{ Params: { id: string } }>(
    '/console/contact/queue/contacts/:id',
    { config: { access }, schema: { params: idParams } },
    (request, reply) => renderContact(request, reply),
  )

  http.post<{ Params: { id: string } }>(
    '/console/contact/queue/contacts/:id/claim',
    { config: { access: handlers }, schema: { params: idParams, body: Type.Object(csrf) } },
    async (request, reply) => {
      try {
        await deps.queue.claim(forceOf(request), request.params.id, acting(request))
        return reply.redirect(`/console/contact/queue/contacts/${request.params.id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderBoard(request, reply, errors))
      }
    },
  )

  http.post<{ Params: { id: string }; Body: { to?: string; skill?: string; note?: string } }>(
    '/console/contact/queue/contacts/:id/transfer',
    {
      config: { access: handlers },
      schema: {
        params: idParams,
        body: Type.Object({
          to: formText(40),
          skill: formText(20),
          note: formText(MAX_LENGTH.shortText),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.queue.transfer(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect('/console/contact/queue', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderContact(request, reply, {
            errors,
            values: { to: request.body.to ?? '', note: request.body.note ?? '' },
          }),
        )
      }
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/contact/queue/contacts/:id/end',
    { config: { access: handlers }, schema: { params: idParams, body: Type.Object(csrf) } },
    async (request, reply) => {
      try {
        await deps.queue.end(forceOf(request), request.params.id, acting(request))
        return reply.redirect(`/console/contact/queue/contacts/${request.params.id}#outcome`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderContact(request, reply, { errors }))
      }
    },
  )

  http.post<{ Params: { id: string }; Body: { outcome?: string; note?: string } }>(
    '/console/contact/queue/contacts/:id/outcome',
    {
      config: { access: handlers },
      schema: {
        params: idParams,
        body: Type.Object({ outcome: formText(40), note: formText(MAX_LENGTH.shortText), ...csrf }),
      },
    },
    async (request, reply) => {
      try {
        await deps.queue.recordOutcome(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect('/console/contact/queue', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderContact(request, reply, {
            errors,
            values: { outcome: request.body.outcome ?? '', outcomeNote: request.body.note ?? '' },
          }),
        )
      }
    },
  )

  const supervisors = { staff: ['contact_supervisor'] as const, product: 'contact' as const }

  const renderAgents = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { errors?: FieldError[]; staffId?: string; values?: { ctiAgent?: string } } = {},
  ) => {
    const forceId = forceOf(request)
    const agents = await deps.queue.agents(forceId)
    return reply.render('contact/agents.njk', {
      title: 'Handlers’ skills',
      agents,
      skills: skills.map((s) => ({ value: s, text: skillNames[s] })),
      errors: form.errors,
      erroredStaffId: form.staffId,
      values: form.values,
    })
  }

  http.get('/console/contact/queue/agents', { config: { access: supervisors } }, (request, reply) =>
    renderAgents(request, reply),
  )

  http.post<{
    Params: { staffId: string }
    Body: { skills?: string[]; capacity?: string; ctiAgent?: string }
  }>(
    '/console/contact/queue/agents/:staffId',
    {
      config: { access: supervisors },
      schema: {
        params: Type.Object({ staffId: Type.String({ format: 'uuid' }) }),
        body: Type.Object({
          skills: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: skills.length })),
          capacity: formText(5),
          ctiAgent: formText(CTI_AGENT_MAX * 2),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.queue.setSkills(forceOf(request), request.params.staffId, request.body, acting(request))
        return reply.redirect('/console/contact/queue/agents', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderAgents(request, reply, {
            errors,
            staffId: request.params.staffId,
            values: { ctiAgent: request.body.ctiAgent ?? '' },
          }),
        )
      }
    },
  )
}
