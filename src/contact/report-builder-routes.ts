// The report builder in the console (CRM-30, CRM-26; decision 0054): contact supervisors and
// force administrators choose dimensions, measures, a period and filters with a GET form (so a
// report has an address and works without JavaScript), read a paged preview, download it as CSV,
// and save it for the force with a schedule that emails it to members of the force's staff.
// GOV.UK forms with error summaries; every change and every CSV download is audited.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import { ukZone } from '../platform/calendar.ts'
import { type FieldError, ValidationError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { fieldErrorsOf, refusedForm } from '../platform/http/request.ts'
import { outcomes } from './queue.ts'
import {
  channelNames,
  checkDefinition,
  csvText,
  type DefinitionInput,
  DIMENSIONS_MAX,
  dimensions,
  inputOf,
  measures,
  namesPeople,
  PAGE_SIZE,
  periods,
  queryOf,
  RECIPIENTS_MAX,
  REPORT_NAME_MAX,
  REPORT_ROWS_MAX,
  type ReportBuilder,
  type ReportDefinition,
  type ReportResult,
  reportBuilders,
  type SavedReport,
  type SavedReports,
  type SaveInput,
  weekdays,
} from './report-builder.ts'
import { acting, forceOf } from './single-view-routes.ts'
import type { TeamsService } from './teams.ts'
import { formatWait } from './wallboard.ts'

const many = (max: number) =>
  Type.Optional(
    Type.Union([
      Type.String({ maxLength: 20 }),
      Type.Array(Type.String({ maxLength: 20 }), { maxItems: max }),
    ]),
  )
const definitionFields = {
  dimension: many(12),
  measure: many(12),
  period: formText(10),
  'from-day': formText(10),
  'from-month': formText(10),
  'from-year': formText(10),
  'to-day': formText(10),
  'to-month': formText(10),
  'to-year': formText(10),
  channel: formText(10),
  team: formText(40),
  outcome: formText(30),
}
const builderQuery = Type.Object({ ...definitionFields, page: formText(6) })
const saveBody = Type.Object({
  ...definitionFields,
  name: formText(REPORT_NAME_MAX * 2),
  schedule: formText(10),
  weekday: formText(2),
  time: formText(10),
  recipient: Type.Optional(
    Type.Union([
      Type.String({ maxLength: 40 }),
      Type.Array(Type.String({ maxLength: 40 }), { maxItems: RECIPIENTS_MAX * 2 }),
    ]),
  ),
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
})
const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

type BuilderQuery = DefinitionInput & { page?: string }
type SaveBody = DefinitionInput & SaveInput

/** What a new report shows: contacts by day for the last 7 days. */
const starting: ReportDefinition = {
  dimensions: ['day'],
  measures: ['contacts', 'answered', 'slaMet'],
  period: 'last-7',
}

const asked = (q: DefinitionInput) =>
  q.measure !== undefined || q.dimension !== undefined || q.period !== undefined

const scheduleText = (r: SavedReport) =>
  r.schedule === 'daily'
    ? `Every day at ${r.sendAt}`
    : r.schedule === 'weekly'
      ? `Every ${weekdays[(r.weekday ?? 1) - 1]} at ${r.sendAt}`
      : 'Not emailed'

function shownValue(unit: string | undefined, value: number | null): string {
  if (value === null) return '–'
  if (unit === 'seconds') return value < 60 ? `${value} s` : formatWait(value)
  if (unit === 'percent') return `${value}%`
  return value.toLocaleString('en-GB')
}

export function registerReportBuilderRoutes(
  http: FastifyInstance,
  deps: { builder: ReportBuilder; saved: SavedReports; teams: TeamsService },
): void {
  const access = { staff: reportBuilders, product: 'contact' as const }

  const teamIds = async (forceId: string) => (await deps.teams.list(forceId)).map((t) => t.id)

  interface Page {
    /** Where the builder's form goes: the builder, or the saved report's page. */
    action: string
    values: Record<string, string | string[] | undefined>
    definition: ReportDefinition | null
    pageNumber: number
    errors?: FieldError[] | undefined
    saved?: Awaited<ReturnType<SavedReports['get']>>
    saveValues?: Record<string, string | string[] | undefined>
  }

  const render = async (request: FastifyRequest, reply: FastifyReply, page: Page) => {
    const forceId = forceOf(request)
    const teams = await deps.teams.list(forceId)
    const savedReports = page.saved ? [] : await deps.saved.list(forceId)
    const recipients = await deps.saved.recipients(forceId)
    let result: ReportResult | null = null
    if (page.definition) {
      result = await deps.builder.run(forceId, page.definition, {
        limit: PAGE_SIZE,
        offset: (page.pageNumber - 1) * PAGE_SIZE,
      })
    }
    const v = page.values
    const chosen = (name: string, value: string) => {
      const x = v[name]
      return Array.isArray(x) ? x.includes(value) : x === value
    }
    const query = page.definition ? queryOf(page.definition) : ''
    const s = page.saveValues ?? {}
    const dayText = (iso: string) => DateTime.fromISO(iso, { zone: ukZone }).toFormat('d LLLL yyyy')
    return reply.render('contact/report-builder.njk', {
      title: page.saved ? `Report: ${page.saved.report.name}` : 'Report builder',
      action: page.action,
      errors: page.errors,
      values: v,
      limits: {
        dimensions: DIMENSIONS_MAX,
        name: REPORT_NAME_MAX,
        recipients: RECIPIENTS_MAX,
        rows: REPORT_ROWS_MAX,
      },
      dimensionItems: Object.entries(dimensions).map(([value, d]) => ({
        value,
        text: d.label,
        checked: chosen('dimension', value),
        hint:
          d.facts === 'contacts'
            ? { text: 'Contacts only' }
            : d.facts === 'not-ready'
              ? { text: 'Time not ready only' }
              : undefined,
      })),
      measureItems: Object.entries(measures).map(([value, m]) => ({
        value,
        text: m.label,
        checked: chosen('measure', value),
      })),
      periodItems: Object.entries(periods).map(([value, text]) => ({
        value,
        text,
        checked: (v.period ?? 'last-7') === value,
      })),
      channelItems: [
        { value: '', text: 'All channels' },
        ...Object.entries(channelNames).map(([value, text]) => ({
          value,
          text,
          selected: v.channel === value,
        })),
      ],
      teamItems: [
        { value: '', text: 'All teams' },
        ...teams.map((t) => ({ value: t.id, text: t.name, selected: v.team === t.id })),
      ],
      outcomeItems: [
        { value: '', text: 'All outcomes' },
        ...outcomes.map((o) => ({ value: o.code, text: o.text, selected: v.outcome === o.code })),
      ],
      definition: page.definition,
      result: result && {
        ...result,
        periodText: `${dayText(result.period.firstDay)} to ${dayText(result.period.lastDay)}`,
        shown: result.rows.map((r) => [
          ...r.cells,
          ...r.values.map((x, n) => shownValue(result!.columns[r.cells.length + n]?.unit, x)),
        ]),
      },
      namesPeople: page.definition ? namesPeople(page.definition) : false,
      pageNumber: page.pageNumber,
      pageSize: PAGE_SIZE,
      pageHref: `${page.action}?${query}${query ? '&' : ''}page={page}`,
      csvHref: page.saved
        ? `/console/contact/reports/saved/${page.saved.report.id}/report.csv`
        : `/console/contact/reports/builder.csv?${query}`,
      hidden: page.definition
        ? Object.entries(inputOf(page.definition)).flatMap(([name, x]) =>
            (Array.isArray(x) ? x : [x]).filter((y) => y !== '').map((value) => ({ name, value })),
          )
        : [],
      savedReports: savedReports.map((r) => ({ ...r, scheduleText: scheduleText(r) })),
      saved: page.saved && {
        ...page.saved,
        scheduleText: scheduleText(page.saved.report),
      },
      save: {
        name: s.name,
        time: s.time,
        scheduleItems: [
          { value: 'none', text: 'Do not email it' },
          { value: 'daily', text: 'Every day' },
          { value: 'weekly', text: 'Every week' },
        ].map((i) => ({ ...i, checked: (s.schedule || 'none') === i.value })),
        weekdayItems: [
          { value: '', text: 'Choose a day' },
          ...weekdays.map((text, n) => ({
            value: String(n + 1),
            text,
            selected: s.weekday === String(n + 1),
          })),
        ],
        recipientItems: recipients.map((r) => ({
          value: r.staffId,
          text: r.name,
          checked: Array.isArray(s.recipient) ? s.recipient.includes(r.staffId) : s.recipient === r.staffId,
        })),
      },
    })
  }

  /** The definition asked for in a query or form, or the errors of its fields. */
  const definitionOf = async (
    forceId: string,
    input: DefinitionInput,
  ): Promise<{ definition: ReportDefinition | null; errors?: FieldError[] }> => {
    try {
      return { definition: checkDefinition(input, await teamIds(forceId)) }
    } catch (error) {
      return { definition: null, errors: fieldErrorsOf(error) }
    }
  }

  const pageOf = (value: string | undefined) => {
    const n = Number(value)
    return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1
  }

  http.get<{ Querystring: BuilderQuery }>(
    '/console/contact/reports/builder',
    { config: { access }, schema: { querystring: builderQuery } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const q = request.query
      const { definition, errors } = asked(q)
        ? await definitionOf(forceId, q)
        : { definition: starting, errors: undefined }
      if (errors) reply.code(400)
      return render(request, reply, {
        action: '/console/contact/reports/builder',
        values: asked(q) ? q : inputOf(starting),
        definition,
        pageNumber: pageOf(q.page),
        errors,
        saveValues: {},
      })
    },
  )

  const sendReportCsv = async (
    request: FastifyRequest,
    reply: FastifyReply,
    definition: ReportDefinition,
    reportId: string | null,
    name: string,
  ) => {
    const forceId = forceOf(request)
    const result = await deps.builder.run(forceId, definition, { limit: REPORT_ROWS_MAX + 1, offset: 0 })
    if (result.total > REPORT_ROWS_MAX)
      return reply.code(400).render('contact/report-builder-too-big.njk', {
        title: 'The report is too big to download',
        total: result.total,
        limit: REPORT_ROWS_MAX,
        back: reportId
          ? `/console/contact/reports/saved/${reportId}`
          : `/console/contact/reports/builder?${queryOf(definition)}`,
      })
    await deps.saved.exported(forceId, definition, reportId, result.total, acting(request))
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}-${result.period.lastDay}.csv"`)
      .header('cache-control', 'no-store')
      .send(csvText(definition, result))
  }

  http.get<{ Querystring: BuilderQuery }>(
    '/console/contact/reports/builder.csv',
    { config: { access }, schema: { querystring: builderQuery } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const { definition, errors } = await definitionOf(forceId, request.query)
      if (!definition) {
        reply.code(400)
        return render(request, reply, {
          action: '/console/contact/reports/builder',
          values: request.query,
          definition: null,
          pageNumber: 1,
          errors,
          saveValues: {},
        })
      }
      return sendReportCsv(request, reply, definition, null, 'contact-report')
    },
  )

  http.post<{ Body: SaveBody }>(
    '/console/contact/reports/saved',
    { config: { access }, schema: { body: saveBody } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const { definition, errors } = await definitionOf(forceId, request.body)
      try {
        if (!definition) throw new ValidationError(errors ?? [])
        const id = await deps.saved.create(forceId, definition, request.body, acting(request))
        return reply.redirect(`/console/contact/reports/saved/${id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (fieldErrors) =>
          render(request, reply, {
            action: '/console/contact/reports/builder',
            values: request.body,
            definition,
            pageNumber: 1,
            errors: fieldErrors,
            saveValues: request.body as Record<string, string | string[] | undefined>,
          }),
        )
      }
    },
  )

  const savedValues = (r: SavedReport) => ({
    name: r.name,
    schedule: r.schedule,
    weekday: r.weekday ? String(r.weekday) : '',
    time: r.sendAt ?? '',
    recipient: r.recipients,
  })

  http.get<{ Params: { id: string }; Querystring: BuilderQuery }>(
    '/console/contact/reports/saved/:id',
    { config: { access }, schema: { params: idParams, querystring: builderQuery } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const saved = await deps.saved.get(forceId, request.params.id)
      const q = request.query
      const { definition, errors } = asked(q)
        ? await definitionOf(forceId, q)
        : { definition: saved.report.definition, errors: undefined }
      if (errors) reply.code(400)
      return render(request, reply, {
        action: `/console/contact/reports/saved/${saved.report.id}`,
        values: asked(q) ? q : inputOf(saved.report.definition),
        definition,
        pageNumber: pageOf(q.page),
        errors,
        saved,
        saveValues: savedValues(saved.report),
      })
    },
  )

  http.get<{ Params: { id: string } }>(
    '/console/contact/reports/saved/:id/report.csv',
    { config: { access }, schema: { params: idParams } },
    async (request, reply) => {
      const saved = await deps.saved.get(forceOf(request), request.params.id)
      const name = saved.report.name
        .replace(/[^A-Za-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .toLowerCase()
      return sendReportCsv(request, reply, saved.report.definition, saved.report.id, name || 'contact-report')
    },
  )

  http.post<{ Params: { id: string }; Body: SaveBody }>(
    '/console/contact/reports/saved/:id',
    { config: { access }, schema: { params: idParams, body: saveBody } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const saved = await deps.saved.get(forceId, request.params.id)
      const { definition, errors } = await definitionOf(forceId, request.body)
      try {
        if (!definition) throw new ValidationError(errors ?? [])
        await deps.saved.update(forceId, saved.report.id, definition, request.body, acting(request))
        return reply.redirect(`/console/contact/reports/saved/${saved.report.id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (fieldErrors) =>
          render(request, reply, {
            action: `/console/contact/reports/saved/${saved.report.id}`,
            values: request.body,
            definition,
            pageNumber: 1,
            errors: fieldErrors,
            saved,
            saveValues: request.body as Record<string, string | string[] | undefined>,
          }),
        )
      }
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/contact/reports/saved/:id/delete',
    {
      config: { access },
      schema: {
        params: idParams,
        body: Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) }),
      },
    },
    async (request, reply) => {
      await deps.saved.remove(forceOf(request), request.params.id, acting(request))
      return reply.redirect('/console/contact/reports/builder#saved', 303)
    },
  )
}
