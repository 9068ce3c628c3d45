// From a case to its messages: the crime, incident and person pages list what the case's people
// were sent and why (the provider below), and an officer opens one message through its case
// without the outbox role. Who may: the roles that may see cases (`caseViewerRoles`), for their
// force's cases and cases another force shares with it by agreement. Each message opened is
// audited as a view of the message and of the person it went to; a shared one also in the owning
// force's trail.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { caseViewerRoles } from '../cases/routes.ts'
import type { CaseService } from '../cases/service.ts'
import { ukDateTime } from '../platform/calendar.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { NotFoundError } from '../platform/errors.ts'
import { auditCrossForceReads, readerFrom } from '../platform/tenancy/shared-reads.ts'
import type { CaseMessageEntry, CaseMessages } from './case-messages.ts'
import { staffForce } from '../platform/http/request.ts'

export interface CaseMessagePage {
  kind: 'incident' | 'crime' | 'person'
  id: string
  found: Record<string, unknown>
}

interface Party {
  personId: string
  displayName?: string | null
}

/** Who may read "Journeys on this case" (the decisions): the journeys case page's readers. */
export const journeyCaseReaders: readonly StaffRole[] = [
  'force_admin',
  'journey_designer',
  'analyst',
  'investigating_officer',
  'supervisor',
]

/**
 * For the case routes: the messages of the page's case (an incident with its crimes, a crime with
 * its incidents) or person, each with the name of the person it went to, and the link to the
 * journeys' decisions on the case when the viewer may read them.
 */
export function caseMessagesProvider(service: CaseMessages) {
  return async (
    request: FastifyRequest,
    forceId: string,
    page: CaseMessagePage,
  ): Promise<{
    entries: (CaseMessageEntry & { personName: string | null })[]
    journeysHref: string | null
  }> => {
    const ids = (value: unknown) =>
      Array.isArray(value) ? value.map((row) => (row as { id: string }).id) : []
    const entries =
      page.kind === 'person'
        ? await service.list(forceId, { personId: page.id })
        : page.kind === 'crime'
          ? await service.list(forceId, { incidentIds: ids(page.found.incidents), crimeIds: [page.id] })
          : await service.list(forceId, { incidentIds: [page.id], crimeIds: ids(page.found.crimes) })
    const parties = (Array.isArray(page.found.parties) ? page.found.parties : []) as Party[]
    const mayReadDecisions = journeyCaseReaders.some((role) => request.staff?.roles.has(role))
    return {
      entries: entries.map((entry) => ({
        ...entry,
        personName: parties.find((p) => p.personId === entry.personId)?.displayName ?? null,
        ...(mayReadDecisions
          ? {}
          : { decision: entry.decision ? { ...entry.decision, caseId: null } : null }),
      })),
      journeysHref: mayReadDecisions && page.kind !== 'person' ? `/console/journeys/cases/${page.id}` : null,
    }
  }
}

export function registerCaseMessageRoutes(
  http: FastifyInstance,
  deps: {
    caseMessages: CaseMessages
    cases: Pick<CaseService, 'getCrime' | 'getIncident'>
    audit: AuditService
  },
): void {
  http.get<{ Params: { id: string } }>(
    '/console/cases/messages/:id',
    {
      config: { access: { staff: caseViewerRoles } },
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'string', format: 'uuid' } },
          required: ['id'],
        },
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const detail = await deps.caseMessages.detail(forceId, request.params.id)
      const onCase = await caseReference(deps.cases, forceId, detail.caseId)
      const { message } = detail
      await deps.audit.recordView(request, {
        forceId,
        recordType: 'message',
        recordId: message.id,
        detail: { through: onCase.kind, caseId: detail.caseId },
      })
      if (message.personId)
        await deps.audit.recordView(request, {
          forceId,
          recordType: 'person',
          recordId: message.personId,
          detail: { message: message.id },
        })
      // A message of another force's case, shared by agreement, is audited in that force's trail.
      const reader = readerFrom(request)
      await auditCrossForceReads(deps.audit, reader, 'message', [message])
      if (message.personId)
        await auditCrossForceReads(deps.audit, reader, 'person', [
          { id: message.personId, forceId: message.forceId },
        ])
      return reply.render('journeys/case-message.njk', {
        title: `${detail.entry.templateName ?? 'Message'}: ${detail.entry.stateText.toLowerCase()}`,
        message,
        entry: detail.entry,
        onCase,
        textHeading: message.sentAt
          ? 'What the person was sent'
          : ['scheduled', 'sending'].includes(detail.entry.state)
            ? 'What the person will be sent'
            : 'What the person would have been sent',
        due: ukDateTime(message.dueAt),
        notBefore:
          message.sendAfter.getTime() > message.dueAt.getTime() ? ukDateTime(message.sendAfter) : null,
        sent: message.sentAt ? ukDateTime(message.sentAt) : null,
        events: detail.events.map((e) => ({ ...e, when: ukDateTime(e.at) })),
      })
    },
  )
}

/** The incident or crime a message is about, with its reference, read under the viewer's rules. */
export async function caseReference(
  cases: Pick<CaseService, 'getCrime' | 'getIncident'>,
  forceId: string,
  caseId: string,
): Promise<{ kind: 'crime' | 'incident'; reference: string; href: string }> {
  try {
    const { crime } = await cases.getCrime(forceId, caseId, { timeline: false })
    return { kind: 'crime', reference: crime.crimeRef, href: `/console/cases/crimes/${crime.id}` }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
  }
  const { incident } = await cases.getIncident(forceId, caseId, { timeline: false })
  return { kind: 'incident', reference: incident.cadRef, href: `/console/cases/incidents/${incident.id}` }
}

/** Cases belong to a force: region-wide accounts (no force) see none. */
const forceOf = staffForce('Cases are held per force; sign in with a force account')
