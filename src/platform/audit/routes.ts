// Audit search and CSV export in the staff console (CP-151, CP-153). Auditors search their own
// force's trail (row-level security); system administrators search the whole region.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import type { PlatformServices } from '../services.ts'
import type { StaffRole } from '../auth/roles.ts'
import type { FieldError } from '../errors.ts'
import type { AuditFilters, AuditRow } from './audit-repository.ts'
import type { AuditSearcher } from './audit-service.ts'
import { actionItems, actionsMatching, describe, recordHref, recordName } from './action-names.ts'
import { csvStream } from './csv-export.ts'
import { staffOf } from '../http/request.ts'

const auditReaders: StaffRole[] = ['auditor', 'system_admin']
const access = { staff: auditReaders }

interface AuditQuery {
  from?: string
  to?: string
  actor?: string
  action?: string
  recordType?: string
  recordId?: string
  force?: string
  page?: string
}

export function registerAuditRoutes(
  http: FastifyInstance,
  services: Pick<PlatformServices, 'audit' | 'forces'>,
): void {
  http.get('/console/audit', { config: { access } }, async (request, reply) => {
    const query = request.query as AuditQuery
    const searcher = searcherOf(request)
    const { filters, errors } = parseFilters(query)
    const forces = searcher.regionWide ? await services.forces.list() : []
    const forceItems = [
      { value: '', text: 'All forces' },
      ...forces.map((f) => ({ value: f.id, text: f.name, selected: query.force === f.id })),
    ]
    if (errors.length > 0) {
      reply.code(400)
      return reply.render('audit/search.njk', {
        title: 'Audit trail',
        query,
        errors,
        filtered: isFiltered(query),
        forceItems,
        searcher,
        actionItems: actionPickList(query.action),
      })
    }
    const page = Math.max(1, Math.min(10_000, Number.parseInt(query.page ?? '1', 10) || 1))
    const results = await services.audit.search(searcher, filters, page)
    return reply.render('audit/search.njk', {
      title: 'Audit trail',
      query,
      filtered: isFiltered(query),
      forceItems,
      searcher,
      results,
      actionItems: actionPickList(query.action),
      rows: results.rows.map((row) => rowForDisplay(row, results.staffNames)),
      exportHref: `/console/audit/export.csv${queryString(query, {})}`,
      previousHref: page > 1 ? `/console/audit${queryString(query, { page: String(page - 1) })}` : undefined,
      nextHref: results.hasNextPage
        ? `/console/audit${queryString(query, { page: String(page + 1) })}`
        : undefined,
    })
  })

  http.get('/console/audit/export.csv', { config: { access } }, async (request, reply) => {
    const { filters, errors } = parseFilters(request.query as AuditQuery)
    if (errors.length > 0) {
      reply.code(400)
      return reply.render('audit/search.njk', {
        title: 'Audit trail',
        query: request.query,
        errors,
        filtered: isFiltered(request.query as AuditQuery),
        forceItems: [],
        searcher: searcherOf(request),
        actionItems: actionPickList((request.query as AuditQuery).action),
      })
    }
    const rows = await services.audit.export(searcherOf(request), filters)
    const stamp = DateTime.now().setZone('Europe/London').toFormat('yyyyLLdd-HHmm')
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="waypoint-audit-${stamp}.csv"`)
      .header('cache-control', 'no-store')
    return reply.send(csvStream(CSV_HEADER, rows, csvCells))
  })
}

/** Whether any filter is set (the page number is not one): the form then offers to clear them. */
function isFiltered(query: AuditQuery): boolean {
  return Object.entries(query).some(([name, value]) => name !== 'page' && Boolean(value))
}

const CSV_HEADER = [
  'Event id',
  'Occurred at (UTC)',
  'Force',
  'Actor kind',
  'Actor id',
  'Actor name',
  'Action',
  'Record type',
  'Record id',
  'Detail',
  'IP address',
  'Correlation id',
  'Chain',
  'Sequence',
  'Hash',
]

function csvCells(row: AuditRow) {
  return [
    row.id,
    row.occurredAt,
    row.forceId,
    row.actorKind,
    row.actorId,
    row.actorName,
    row.action,
    row.recordType,
    row.recordId,
    JSON.stringify(row.detail ?? {}),
    row.ip,
    row.correlationId,
    row.chain,
    row.seq,
    row.hash,
  ]
}

function searcherOf(request: FastifyRequest): AuditSearcher {
  const staff = staffOf(request)
  return { request, forceId: staff.forceId, regionWide: staff.roles.has('system_admin') }
}

const actorKinds: Record<string, string> = {
  staff: 'A member of staff',
  client: 'An API client',
  citizen: 'A member of the public',
  system: 'Waypoint',
}

function rowForDisplay(row: AuditRow, staffNames: Map<string, string>) {
  const named = row.actorName ?? (row.actorId ? staffNames.get(row.actorId) : undefined)
  return {
    ...row,
    actor: named ?? actorKinds[row.actorKind] ?? row.actorKind,
    // An id is shown only where no name is known (a client, or staff of another force).
    actorDetail: named || !row.actorId ? '' : row.actorId,
    description: describe(row),
    recordText: row.recordType ? `${recordName(row.recordType)} ${row.recordId ?? ''}`.trim() : '',
    recordLabel: recordName(row.recordType),
    recordHref: recordHref(row),
  }
}

/** The pick-list; a search typed in words (a link from elsewhere) is kept as its own choice. */
function actionPickList(action: string | undefined) {
  const items = actionItems(action)
  const typed = action?.trim()
  return [
    { value: '', text: 'Any action' },
    ...(typed && !items.some((i) => i.value === typed)
      ? [{ value: typed, text: `Matching “${typed}”`, selected: true }]
      : []),
    ...items,
  ]
}

/** Dates are days in UK time; "to" includes the whole of its day. */
function parseFilters(query: AuditQuery): { filters: AuditFilters; errors: FieldError[] } {
  const errors: FieldError[] = []
  const day = (field: 'from' | 'to', label: string) => {
    const value = query[field]?.trim()
    if (!value) return undefined
    const parsed = DateTime.fromISO(value, { zone: 'Europe/London' })
    if (!parsed.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      errors.push({ field, message: `${label} must be a real date, like 2026-03-27` })
      return undefined
    }
    return (field === 'to' ? parsed.plus({ days: 1 }) : parsed).startOf('day').toJSDate()
  }
  const from = day('from', 'Date from')
  const to = day('to', 'Date to')
  if (from && to && from >= to)
    errors.push({ field: 'to', message: 'Date to must be the same as or after date from' })
  const text = (value: string | undefined, field: string, label: string) => {
    const trimmed = value?.trim()
    if (!trimmed) return undefined
    if (trimmed.length > 200) errors.push({ field, message: `${label} must be 200 characters or fewer` })
    return trimmed
  }
  const actionText = text(query.action, 'action', 'Action')
  const matching = actionText ? actionsMatching(actionText) : undefined
  const filters: AuditFilters = {
    from,
    to,
    actor: text(query.actor, 'actor', 'Actor'),
    ...(matching && 'actions' in matching ? { actions: matching.actions } : {}),
    ...(matching && 'prefix' in matching ? { action: matching.prefix } : {}),
    recordType: text(query.recordType, 'recordType', 'Record type'),
    recordId: text(query.recordId, 'recordId', 'Record id'),
    forceId: text(query.force, 'force', 'Force'),
  }
  return { filters, errors }
}

function queryString(query: AuditQuery, changes: Partial<AuditQuery>): string {
  const merged: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...query, ...changes })) if (v && k !== 'page') merged[k] = String(v)
  if (changes.page && changes.page !== '1') merged.page = changes.page
  const text = new URLSearchParams(merged).toString()
  return text ? `?${text}` : ''
}
