// Contact's reports in the console (CRM-13, CRM-26, CRM-30): for contact supervisors, analysts
// and force administrators of a force with Contact. Each report is a page and a CSV of the same
// figures; the figures are counts, naming no person.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { DateTime } from 'luxon'
import { csvStream } from '../platform/audit/csv-export.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { ukZone } from '../platform/calendar.ts'
import { contactChannelNames } from './channels.ts'
import type { DutiesService } from './duties.ts'
import { type ContactMi, periodChoices } from './mi.ts'
import { type OutcomesReport, weekChoices } from './outcomes.ts'
import { formatWait } from './wallboard.ts'
import { forceOf } from './single-view-routes.ts'
import type { TeamsService } from './teams.ts'
import { chosenTeam, teamQuery } from './teams-routes.ts'

/** Who reads Contact's reports. */
export const contactReaders: readonly StaffRole[] = ['contact_supervisor', 'analyst', 'force_admin']

const weeksQuery = Type.Object({ weeks: Type.Optional(Type.String({ maxLength: 3 })) })

export function sendCsv(reply: FastifyReply, filename: string, body: ReturnType<typeof csvStream>) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .send(body)
}

const weekText = (iso: string) => DateTime.fromISO(iso, { zone: ukZone }).toFormat('d LLL yyyy')
const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((1000 * part) / whole) / 10)
const per1000 = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((10000 * part) / whole) / 10

const channelNames: Record<string, string> = contactChannelNames
const reasonNames: Record<string, string> = {
  break: 'Break',
  lunch: 'Lunch',
  training: 'Training',
  meeting: 'Meeting',
  admin: 'Admin work',
  coaching: 'Coaching',
}
const standardReports = ['volumes', 'channels', 'outcomes', 'not-ready', 'tags', 'roster'] as const
const hourText = (h: number) => `${String(h).padStart(2, '0')}:00 to ${String(h).padStart(2, '0')}:59`
const daysQuery = Type.Object({
  days: Type.Optional(Type.String({ maxLength: 3 })),
  report: Type.Optional(Type.String({ maxLength: 20 })),
  team: teamQuery,
})

export function registerMiRoutes(
  http: FastifyInstance,
  deps: { outcomes: OutcomesReport; mi: ContactMi; duties?: DutiesService; teams: TeamsService },
): void {
  const access = { staff: contactReaders, product: 'contact' as const }
  const weeksOf = (value: string | undefined) =>
    weekChoices.find((w) => String(w) === value) ?? (12 as (typeof weekChoices)[number])

  const daysOf = (value: string | undefined) =>
    periodChoices.find((d) => String(d) === value) ?? (7 as (typeof periodChoices)[number])

  /** Rostered and ready hours per day of the period (CRM-35), once any roster was imported. */
  const rosterHours = async (forceId: string, days: number) =>
    deps.duties && (await deps.duties.recent(forceId, 1)).length > 0
      ? (await deps.duties.hours(forceId, days)).map((h) => ({
          ...h,
          readyShare: h.readyPercent === null ? '–' : `${h.readyPercent}%`,
        }))
      : []

  http.get<{ Querystring: { days?: string; team?: string } }>(
    '/console/contact/reports',
    { config: { access }, schema: { querystring: daysQuery } },
    async (request, reply) => {
      const days = daysOf(request.query.days)
      const teams = await chosenTeam(deps.teams, forceOf(request), request.query.team, null, false)
      const report = await deps.mi.standard(forceOf(request), days, teams.teamId)
      const dayText = (d: Date) => DateTime.fromJSDate(d, { zone: ukZone }).toFormat('d LLL yyyy')
      return reply.render('contact/reports.njk', {
        title: 'Contact reports',
        ...teams,
        days,
        dayItems: periodChoices.map((d) => ({
          value: String(d),
          text: d === 1 ? 'Today' : `${d} days`,
          selected: d === days,
        })),
        periodText: `${dayText(report.period.from)} to ${dayText(new Date(report.period.to.getTime() - 1))}`,
        report,
        rosterHours: await rosterHours(forceOf(request), days),
        channelNames,
        reasonNames,
        hourText,
        wait: formatWait,
        percent,
        channels: Object.keys(channelNames),
      })
    },
  )

  http.get<{ Querystring: { days?: string; report?: string; team?: string } }>(
    '/console/contact/reports/standard.csv',
    { config: { access }, schema: { querystring: daysQuery } },
    async (request, reply) => {
      const days = daysOf(request.query.days)
      const which = standardReports.find((r) => r === request.query.report) ?? 'volumes'
      const { teamId } = await chosenTeam(deps.teams, forceOf(request), request.query.team, null, false)
      const report = await deps.mi.standard(forceOf(request), days, teamId)
      const name = `contact-${which}-${days}-days.csv`
      if (which === 'volumes')
        return sendCsv(
          reply,
          name,
          csvStream(['Hour (UK time)', ...Object.values(channelNames), 'Total'], report.volumes, (r) => [
            hourText(r.hour),
            ...Object.keys(channelNames).map((c) => r.counts[c] ?? 0),
            r.total,
          ]),
        )
      if (which === 'channels')
        return sendCsv(
          reply,
          name,
          csvStream(
            [
              'Channel',
              'Arrived',
              'Reached a handler',
              'Average wait (seconds)',
              'Within target',
              'Outside target',
              'Closed',
              'Average handling (seconds)',
            ],
            report.channels,
            (r) => [
              channelNames[r.channel],
              r.arrived,
              r.answered,
              r.averageWaitSeconds,
              r.answeredInTarget,
              r.outsideTarget,
              r.closed,
              r.averageHandlingSeconds,
            ],
          ),
        )
      if (which === 'outcomes')
        return sendCsv(
          reply,
          name,
          csvStream(['Outcome', 'Failure demand', 'Contacts'], report.outcomes, (r) => [
            r.text,
            r.failureDemand ? 'Yes' : 'No',
            r.count,
          ]),
        )
      if (which === 'roster')
        return sendCsv(
          reply,
          name,
          csvStream(
            ['Day', 'Rostered hours', 'Ready hours', 'Ready of rostered (%)'],
            await rosterHours(forceOf(request), days),
            (r) => [r.day, r.rosteredHours, r.readyHours, r.readyPercent],
          ),
        )
      if (which === 'tags')
        return sendCsv(
          reply,
          name,
          csvStream(['Tag', 'Contacts'], report.tags, (r) => [r.tag, r.count]),
        )
      return sendCsv(
        reply,
        name,
        csvStream(['Reason', 'Minutes not ready'], report.notReady, (r) => [
          reasonNames[r.reason] ?? r.reason,
          Math.round(r.seconds / 60),
        ]),
      )
    },
  )

  http.get<{ Querystring: { weeks?: string } }>(
    '/console/contact/reports/failure-demand',
    { config: { access }, schema: { querystring: weeksQuery } },
    async (request, reply) => {
      const weeks = weeksOf(request.query.weeks)
      const rows = (await deps.outcomes.weeks(forceOf(request), weeks)).map((r) => ({
        ...r,
        label: weekText(r.weekStarting),
        updateShare: percent(r.updateRequests, r.contacts),
        failureShare: percent(r.failureDemand, r.contacts),
        updatesPer1000: per1000(r.updateRequests, r.journeyMessagesSent),
      }))
      const total = rows.reduce(
        (t, r) => ({
          contacts: t.contacts + r.contacts,
          updateRequests: t.updateRequests + r.updateRequests,
          failureDemand: t.failureDemand + r.failureDemand,
          journeyMessagesSent: t.journeyMessagesSent + r.journeyMessagesSent,
        }),
        { contacts: 0, updateRequests: 0, failureDemand: 0, journeyMessagesSent: 0 },
      )
      // The KPI compares the first and the last four weeks of the period.
      const firstFour = rows.slice(0, 4).reduce((n, r) => n + r.updateRequests, 0)
      const lastFour = rows.slice(-4).reduce((n, r) => n + r.updateRequests, 0)
      return reply.render('contact/failure-demand.njk', {
        title: 'Update requests and failure demand',
        weeks,
        weekItems: weekChoices.map((w) => ({ value: String(w), text: `${w} weeks`, selected: w === weeks })),
        rows,
        total: { ...total, updateShare: percent(total.updateRequests, total.contacts) },
        change: weeks >= 8 && firstFour > 0 ? Math.round((100 * (lastFour - firstFour)) / firstFour) : null,
      })
    },
  )

  http.get<{ Querystring: { weeks?: string } }>(
    '/console/contact/reports/failure-demand.csv',
    { config: { access }, schema: { querystring: weeksQuery } },
    async (request, reply) => {
      const weeks = weeksOf(request.query.weeks)
      const rows = await deps.outcomes.weeks(forceOf(request), weeks)
      return sendCsv(
        reply,
        `failure-demand-${weeks}-weeks.csv`,
        csvStream(
          [
            'Week starting',
            'Contacts closed',
            'Update requests',
            'Failure demand',
            'Journey messages sent',
            'Update requests per 1,000 messages',
          ],
          rows,
          (r) => [
            r.weekStarting,
            r.contacts,
            r.updateRequests,
            r.failureDemand,
            r.journeyMessagesSent,
            per1000(r.updateRequests, r.journeyMessagesSent),
          ],
        ),
      )
    },
  )
}
