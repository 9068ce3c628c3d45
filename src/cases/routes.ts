// Staff console for cases (item 5): search, incident and crime pages with their timeline, and a
// person's identities with provenance. Every view of a case or person is audited (CP-151, UJ-17).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { auditCrossForceReads, readerFrom, type TenantRow } from '../platform/tenancy/shared-reads.ts'
import type { CaseService } from './service.ts'
import { staffForce, staffOf } from '../platform/http/request.ts'

/** Who may see cases and people: the force's investigators, supervisors, contact handlers, admins. */
export const caseViewerRoles: readonly StaffRole[] = [
  'investigating_officer',
  'supervisor',
  'contact_handler',
  'force_admin',
]

const uuidParam = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const

export function registerCaseRoutes(
  http: FastifyInstance,
  deps: {
    cases: CaseService
    audit: AuditService
    /**
     * A person's messages in both directions (journeys and conversations), oldest first, for the
     * person page; the provider audits each conversation shown.
     */
    personMessages?: (request: FastifyRequest, forceId: string, personId: string) => Promise<unknown[]>
    /**
     * What journeys sent the case's people (or the person), and why, with where the viewer can
     * read the journeys' decisions on the case (null when their roles cannot).
     */
    caseMessages?: (
      request: FastifyRequest,
      forceId: string,
      page: { kind: 'incident' | 'crime' | 'person'; id: string; found: Record<string, unknown> },
    ) => Promise<{ entries: unknown[]; journeysHref: string | null }>
    /** The person's opt-outs: each contact detail's status and the history, for the person page. */
    personOptOuts?: (
      request: FastifyRequest,
      forceId: string,
      personId: string,
      contactPoints: { kind: string; value: string }[],
    ) => Promise<Record<string, unknown>>
    /**
     * Whether the person, or each person on the case, has a portal account or was invited, and
     * whether the viewer may invite them (CP-50, CP-78); `{}` when the force has no Portal.
     */
    portalStanding?: (
      request: FastifyRequest,
      forceId: string,
      page: { kind: 'incident' | 'crime' | 'person'; id: string; found: Record<string, unknown> },
    ) => Promise<Record<string, unknown>>
    /**
     * The automated summary of an incident or crime page, from the records it shows (CP-120);
     * null when the force has switched summaries off.
     */
    caseSummary?: (forceId: string, found: Record<string, unknown>) => Promise<unknown>
  },
): void {
  const access = { staff: caseViewerRoles }
  const auditView = (request: FastifyRequest, forceId: string, recordType: string, recordId: string) =>
    deps.audit.record({
      action: `${recordType}.viewed`,
      forceId,
      actor: { kind: 'staff', id: staffOf(request).id, name: staffOf(request).displayName },
      recordType,
      recordId,
      ip: request.ip,
      correlationId: request.id,
    })

  http.get<{ Querystring: { q?: string } }>(
    '/console/cases',
    {
      config: { access },
      schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 100 } } } },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const q = request.query.q?.trim() ?? ''
      const results = q ? await deps.cases.search(forceId, q) : undefined
      if (results) {
        // Rows another force shares with this one are audited in that force's trail (CP-5).
        const reader = readerFrom(request)
        await auditCrossForceReads(
          deps.audit,
          reader,
          'incident',
          results.cases.filter((c) => c.kind === 'incident'),
        )
        await auditCrossForceReads(
          deps.audit,
          reader,
          'crime',
          results.cases.filter((c) => c.kind === 'crime'),
        )
        await auditCrossForceReads(deps.audit, reader, 'person', results.people)
      }
      if (q) {
        await deps.audit.record({
          action: 'case.searched',
          forceId,
          actor: { kind: 'staff', id: staffOf(request).id, name: staffOf(request).displayName },
          // What was searched for, without personal data: a reference is kept, a name is not (only
          // that a name was searched); the records found are kept by id, so an auditor sees whom a
          // search reached.
          detail: {
            criteria: /\d/.test(q) ? { reference: q } : { name: 'a name (not kept)' },
            resultCount: (results?.cases.length ?? 0) + (results?.people.length ?? 0),
            found: [
              ...(results?.cases ?? []).map((c) => `${c.kind} ${c.id}`),
              ...(results?.people ?? []).map((p) => `person ${p.id}`),
            ].slice(0, 50),
          },
          ip: request.ip,
          correlationId: request.id,
        })
      }
      return reply.render('cases/search.njk', {
        q,
        results,
        errors: q.length === 1 ? [{ field: 'q', message: 'Enter at least 2 characters' }] : [],
      })
    },
  )

  // Incident, crime and person pages: each view of a case or person is audited (CP-153).
  const recordPages = [
    { url: '/console/cases/incidents/:id', kind: 'incident', load: deps.cases.getIncident.bind(deps.cases) },
    { url: '/console/cases/crimes/:id', kind: 'crime', load: deps.cases.getCrime.bind(deps.cases) },
    { url: '/console/people/:id', kind: 'person', load: deps.cases.getPerson.bind(deps.cases) },
  ] as const
  const auditSharedRecords = async (request: FastifyRequest, found: object) => {
    const reader = readerFrom(request)
    for (const { recordType, rows } of sharedRecordsOf(found as Record<string, unknown>))
      await auditCrossForceReads(deps.audit, reader, recordType, rows)
  }
  for (const page of recordPages) {
    http.get<{ Params: { id: string } }>(
      page.url,
      { config: { access }, schema: { params: uuidParam } },
      async (request, reply) => {
        const forceId = forceOf(request)
        const found = await page.load(forceId, request.params.id)
        await auditView(request, forceId, page.kind, request.params.id)
        await auditSharedRecords(request, found)
        const messages =
          page.kind === 'person' && deps.personMessages
            ? await deps.personMessages(request, forceId, request.params.id)
            : undefined
        const journeyMessages = await deps.caseMessages?.(request, forceId, {
          kind: page.kind,
          id: request.params.id,
          found: found as unknown as Record<string, unknown>,
        })
        const optOuts =
          page.kind === 'person' && deps.personOptOuts
            ? await deps.personOptOuts(
                request,
                forceId,
                request.params.id,
                (found as { contactPoints?: { kind: string; value: string }[] }).contactPoints ?? [],
              )
            : {}
        const portal = await deps.portalStanding?.(request, forceId, {
          kind: page.kind,
          id: request.params.id,
          found: found as unknown as Record<string, unknown>,
        })
        const summary =
          page.kind !== 'person' && deps.caseSummary
            ? await deps.caseSummary(forceId, found as unknown as Record<string, unknown>)
            : null
        return reply.render(`cases/${page.kind}.njk`, {
          summary,
          ...optOuts,
          ...(portal ?? {}),
          ...(found as unknown as Record<string, unknown>),
          ...(messages ? { messages } : {}),
          ...(journeyMessages
            ? { caseMessages: journeyMessages.entries, journeysHref: journeyMessages.journeysHref }
            : {}),
        })
      },
    )
  }
}

/**
 * The records of a case or person page that another force shared (through an agreement, read
 * under row-level security), each audited in its owner's trail (CP-5, UJ-5).
 */
function sharedRecordsOf(found: Record<string, unknown>): { recordType: string; rows: TenantRow[] }[] {
  const list = (value: unknown) =>
    (Array.isArray(value) ? value : value ? [value] : []).filter(
      (row): row is TenantRow => typeof (row as Partial<TenantRow>)?.forceId === 'string',
    )
  return [
    { recordType: 'incident', rows: [...list(found.incident), ...list(found.incidents)] },
    { recordType: 'crime', rows: [...list(found.crime), ...list(found.crimes)] },
    { recordType: 'person', rows: list(found.person) },
  ].filter((entry) => entry.rows.length > 0)
}

/** Cases belong to a force: region-wide accounts (no force) see none. */
const forceOf = staffForce('Cases are held per force; sign in with a force account')
