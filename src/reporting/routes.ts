// Console pages for Journeys reports (UJ-13, UJ-14, UJ-15, UJ-16), their CSV downloads, the
// Victims' Code timeliness report and deadlines page (CP-65) and the Power BI API keys. Analysts and force admins
// see their own force; system admins choose a force.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import { ukZone } from '../platform/calendar.ts'
import { csvStream } from '../platform/audit/csv-export.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { DomainError, ForbiddenError } from '../platform/errors.ts'
import type { ForceService } from '../platform/tenancy/force-service.ts'
import type { Grouping, Period } from './repository.ts'
import type { DateParts, ReportingService } from './service.ts'
import { refusedForm, staffOf } from '../platform/http/request.ts'

const readers: StaffRole[] = ['analyst', 'force_admin', 'system_admin']
const keyManagers: StaffRole[] = ['force_admin']
// Everyone who looks after a force's cases and journeys sees its Victims' Code deadlines.
export const deadlineReaders: StaffRole[] = [
  'force_admin',
  'journey_designer',
  'analyst',
  'investigating_officer',
  'supervisor',
]
// Journeys reports belong to the Journeys product (system admins, with no force, see every force).
const product = 'journeys' as const

type Query = Record<string, string | undefined>

const groupings: { value: Grouping; text: string; heading: string }[] = [
  { value: 'template', text: 'Template title', heading: 'Template' },
  { value: 'case-type', text: 'Crime or incident type', heading: 'Crime or incident type' },
]

export function registerReportingRoutes(
  http: FastifyInstance,
  deps: { reporting: ReportingService; forces: ForceService },
): void {
  const { reporting, forces } = deps

  /** The force a report is for: a system admin's choice, everyone else's own force. */
  const forceFor = async (request: FastifyRequest, query: Query) => {
    const all = await forces.list()
    const staff = staffOf(request)
    if (staff.forceId) return { forceId: staff.forceId, forceItems: undefined }
    const forceId = all.some((f) => f.id === query.force) ? query.force! : all[0]!.id
    return {
      forceId,
      forceItems: all.map((f) => ({ value: f.id, text: f.name, selected: f.id === forceId })),
    }
  }

  const criteria = (query: Query, fallback = reporting.defaultPeriod()) => {
    const chosen = query['from-day'] !== undefined || query['to-day'] !== undefined
    const from: DateParts = chosen
      ? { day: query['from-day'], month: query['from-month'], year: query['from-year'] }
      : fallback.from
    const to: DateParts = chosen
      ? { day: query['to-day'], month: query['to-month'], year: query['to-year'] }
      : fallback.to
    const grouping: Grouping = query.group === 'case-type' ? 'case-type' : 'template'
    return {
      from,
      to,
      grouping,
      values: {
        'from-day': from.day,
        'from-month': from.month,
        'from-year': from.year,
        'to-day': to.day,
        'to-month': to.month,
        'to-year': to.year,
      },
    }
  }

  const linkQuery = (forceId: string, period: Period, grouping: Grouping, systemAdmin: boolean) => {
    const from = DateTime.fromJSDate(period.from, { zone: ukZone })
    const to = DateTime.fromJSDate(period.to, { zone: ukZone }).minus({ days: 1 })
    const params = new URLSearchParams({
      ...(systemAdmin ? { force: forceId } : {}),
      'from-day': String(from.day),
      'from-month': String(from.month),
      'from-year': String(from.year),
      'to-day': String(to.day),
      'to-month': String(to.month),
      'to-year': String(to.year),
      group: grouping,
    })
    return params.toString()
  }

  http.get<{ Querystring: Query }>(
    '/console/reports',
    { config: { access: { staff: readers, product } } },
    async (request, reply) => {
      const { forceId, forceItems } = await forceFor(request, request.query)
      const c = criteria(request.query)
      const page = {
        title: 'Journeys reports',
        forceItems,
        forceName: (await forces.get(forceId)).name,
        values: c.values,
        groupingItems: groupings.map((g) => ({
          value: g.value,
          text: g.text,
          checked: g.value === c.grouping,
        })),
        groupHeading: groupings.find((g) => g.value === c.grouping)!.heading,
        canManageKeys: staffOf(request).roles.has('force_admin'),
      }
      let period: Period
      try {
        period = reporting.parsePeriod(c.from, c.to)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          reply.render('reports/messages.njk', { ...page, errors }),
        )
      }
      const report = await reporting.messageReport(forceId, period, c.grouping)
      return reply.render('reports/messages.njk', {
        ...page,
        report: {
          ...report,
          perHour: report.perHour.map((r) => ({
            ...r,
            label: `${hourText(r.hour)}:00 to ${hourText(r.hour)}:59`,
          })),
        },
        query: linkQuery(forceId, period, c.grouping, !!forceItems),
        periodText: periodText(period),
      })
    },
  )

  http.get<{ Params: { report: string }; Querystring: Query }>(
    '/console/reports/download/:report',
    { config: { access: { staff: readers, product } } },
    async (request, reply) => {
      const { forceId } = await forceFor(request, request.query)
      const name = request.params.report
      const c = criteria(
        request.query,
        name === 'victims-code' ? reporting.defaultVcopPeriod() : reporting.defaultPeriod(),
      )
      const period = reporting.parsePeriod(c.from, c.to)
      const heading = groupings.find((g) => g.value === c.grouping)!.heading
      let body: ReturnType<typeof csvStream>
      if (name === 'messages-sent') {
        const { outcomes } = await reporting.messageReport(forceId, period, c.grouping)
        body = csvStream(
          [
            heading,
            'SMS sent',
            'Emails sent',
            'Total sent',
            'Delivered',
            'Awaiting receipt',
            'Permanent failure',
            'Temporary failure',
            'Technical failure',
          ],
          outcomes,
          (r) => [
            r.group,
            r.sms,
            r.email,
            r.sent,
            r.delivered,
            r.awaitingReceipt,
            r.permanentFailure,
            r.temporaryFailure,
            r.technicalFailure,
          ],
        )
      } else if (name === 'not-sent') {
        const { notSent } = await reporting.messageReport(forceId, period, c.grouping)
        body = csvStream([heading, 'Status', 'Reason', 'Messages'], notSent, (r) => [
          r.group,
          r.status,
          r.reason,
          r.count,
        ])
      } else if (name === 'per-day') {
        const { perDay } = await reporting.messageReport(forceId, period, c.grouping)
        body = csvStream(['Date', heading, 'SMS', 'Email', 'Total'], perDay, (r) => [
          r.day,
          r.group,
          r.sms,
          r.email,
          r.total,
        ])
      } else if (name === 'per-hour') {
        const { perHour } = await reporting.messageReport(forceId, period, c.grouping)
        body = csvStream(['Hour (UK time)', 'SMS', 'Email', 'Total'], perHour, (r) => [
          `${hourText(r.hour)}:00`,
          r.sms,
          r.email,
          r.total,
        ])
      } else if (name === 'send-times') {
        const sent = await reporting.sentMessages(forceId, period, c.grouping)
        body = csvStream(['Sent at (UK time)', 'Channel', heading, 'Status'], sent, (r) => [
          DateTime.fromJSDate(new Date(r.sentAt), { zone: ukZone }).toFormat('yyyy-LL-dd HH:mm:ss'),
          r.channel,
          r.group,
          r.status,
        ])
      } else if (name === 'victims-code') {
        const rows = await reporting.vcopReport(forceId, period)
        body = csvStream(
          [
            'Case reference',
            'Crime or incident type',
            'Victims’ Code category',
            'Deadline (UTC)',
            'Handed to the provider (UTC)',
            'Delivered (UTC)',
            'Outcome (met: handed to the provider by the deadline)',
            'Delivered by the deadline',
            'First message',
          ],
          rows,
          (r) => [
            r.reference,
            r.caseType,
            r.category,
            r.dueAt,
            r.handedAt,
            r.deliveredAt,
            r.outcome,
            r.deliveredInTime ? 'yes' : 'no',
            r.firstContact,
          ],
        )
      } else {
        throw new DomainError('not-found', 'There is no report with that name', { status: 404 })
      }
      await reporting.recordReportAccess('report.exported', forceId, name, period, actorOf(request))
      return sendCsv(reply, `waypoint-${forceId}-${name}.csv`, body)
    },
  )

  http.get<{ Querystring: Query }>(
    '/console/reports/victims-code',
    { config: { access: { staff: readers, product } } },
    async (request, reply) => {
      const { forceId, forceItems } = await forceFor(request, request.query)
      const c = criteria(request.query, reporting.defaultVcopPeriod())
      const page = {
        title: 'Victims’ Code timeliness',
        forceItems,
        values: c.values,
        forceName: (await forces.get(forceId)).name,
      }
      let period: Period
      try {
        period = reporting.parsePeriod(c.from, c.to)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          reply.render('reports/victims-code.njk', { ...page, errors }),
        )
      }
      const found = await reporting.vcopPage(forceId, period, pageNumber(request.query.page), rowsPerPage)
      // The report lists victims' cases by reference: looking at it is recorded like a view of them.
      await reporting.recordReportAccess('report.viewed', forceId, 'victims-code', period, actorOf(request))
      const query = linkQuery(forceId, period, 'template', !!forceItems)
      return reply.render('reports/victims-code.njk', {
        ...page,
        rows: found.rows,
        paging: {
          page: found.page,
          pageSize: rowsPerPage,
          total: found.total,
          href: `/console/reports/victims-code?${query}&page={page}`,
        },
        counts: found.counts,
        query,
        periodText: periodText(period),
      })
    },
  )

  // The Victims' Code deadlines of the signed-in member of staff's force, for the people who
  // look after its cases: the last 30 days and the next 14, with each victim's name and case.
  http.get<{ Querystring: Query }>(
    '/console/journeys/victims-code',
    { config: { access: { staff: deadlineReaders, product } } },
    async (request, reply) => {
      const forceId = request.staff?.forceId
      if (!forceId) throw new ForbiddenError('Journeys belong to a force: sign in as a member of a force')
      const fallback = reporting.defaultVcopPeriod()
      const period = reporting.parsePeriod(fallback.from, fallback.to)
      const found = await reporting.vcopPage(forceId, period, pageNumber(request.query.page), rowsPerPage)
      await reporting.recordReportAccess(
        'report.viewed',
        forceId,
        'victims-code-deadlines',
        period,
        actorOf(request),
      )
      return reply.render('reports/deadlines.njk', {
        title: 'Victims’ Code deadlines',
        rows: found.rows,
        paging: {
          page: found.page,
          pageSize: rowsPerPage,
          total: found.total,
          href: '/console/journeys/victims-code?page={page}',
        },
        counts: found.counts,
        periodText: periodText(period),
      })
    },
  )

  http.get(
    '/console/reports/api-keys',
    { config: { access: { staff: keyManagers, product } } },
    async (request, reply) =>
      reply.render('reports/api-keys.njk', {
        title: 'Power BI API keys',
        keys: await reporting.apiKeys(staffOf(request).forceId!),
        feedUrl: `${request.protocol}://${request.host}/api/v1/odata/`,
        values: {},
      }),
  )

  http.post<{ Body: { name?: string } }>(
    '/console/reports/api-keys',
    { config: { access: { staff: keyManagers, product } } },
    async (request, reply) => {
      const forceId = staffOf(request).forceId!
      const page = {
        title: 'Power BI API keys',
        feedUrl: `${request.protocol}://${request.host}/api/v1/odata/`,
        values: { name: request.body?.name ?? '' },
      }
      try {
        const { key, row } = await reporting.createApiKey(forceId, request.body?.name ?? '', actorOf(request))
        // The key is shown on this response only; it is never stored or shown again.
        reply.header('cache-control', 'no-store')
        return reply.render('reports/api-keys.njk', {
          ...page,
          values: {},
          created: { key, name: row.name },
          keys: await reporting.apiKeys(forceId),
        })
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          reply.render('reports/api-keys.njk', {
            ...page,
            errors,
            keys: await reporting.apiKeys(forceId),
          }),
        )
      }
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/reports/api-keys/:id/revoke',
    { config: { access: { staff: keyManagers, product } } },
    async (request, reply) => {
      if (!/^[0-9a-f-]{36}$/i.test(request.params.id))
        throw new DomainError('not-found', 'A live API key with that id was not found', { status: 404 })
      await reporting.revokeApiKey(staffOf(request).forceId!, request.params.id, actorOf(request))
      return reply.redirect('/console/reports/api-keys', 303)
    },
  )
}

function actorOf(request: FastifyRequest) {
  return {
    id: request.staff?.id ?? null,
    name: request.staff?.displayName ?? null,
    ip: request.ip,
    correlationId: request.id,
  }
}

/** Deadlines shown on one page of a report; a force's month can hold thousands. */
const rowsPerPage = 100

/** The page asked for (from 1); anything else is the first. */
function pageNumber(page: string | undefined): number {
  return /^\d{1,6}$/.test(page ?? '') ? Math.max(1, Number(page)) : 1
}

/** One page of rows, with GOV.UK pagination links when there is more than one page. */
export function onePage<T>(rows: T[], page: string | undefined, href: (n: number) => string) {
  const pages = Math.max(1, Math.ceil(rows.length / rowsPerPage))
  const chosen = Math.min(pageNumber(page), pages)
  return {
    rows: rows.slice((chosen - 1) * rowsPerPage, chosen * rowsPerPage),
    pagination: pagination(rows.length, chosen, href),
  }
}

/** GOV.UK pagination links for page `chosen` of `total` rows, or none when one page holds them. */
function pagination(total: number, chosen: number, href: (n: number) => string) {
  const pages = Math.max(1, Math.ceil(total / rowsPerPage))
  if (pages === 1) return undefined
  const near = [...new Set([1, chosen - 1, chosen, chosen + 1, pages])].filter((n) => n >= 1 && n <= pages)
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = []
  for (const [i, n] of near.entries()) {
    if (i > 0 && n - near[i - 1]! > 1) items.push({ ellipsis: true })
    items.push({ number: n, href: href(n), current: n === chosen })
  }
  return {
    ...(chosen > 1 ? { previous: { href: href(chosen - 1) } } : {}),
    ...(chosen < pages ? { next: { href: href(chosen + 1) } } : {}),
    items,
    landmarkLabel: 'Pages of deadlines',
  }
}

const hourText = (hour: number) => String(hour).padStart(2, '0')

function periodText(period: Period): string {
  const format = (d: Date) => DateTime.fromJSDate(d, { zone: ukZone }).toFormat('d LLLL yyyy')
  return `${format(period.from)} to ${format(new Date(period.to.getTime() - 1))}`
}

function sendCsv(reply: FastifyReply, filename: string, body: ReturnType<typeof csvStream>) {
  reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
  return reply.send(body)
}
