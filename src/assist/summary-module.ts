// Assist's automated summaries as a module (issue 16, item 4; CRM-11, CP-120): the summary service
// for the single view and the case pages, and the force administrator's switch. The summaries read
// the person's history through Contact's single view, handed in by the composition root.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TimelineEntry, ThriveEntry } from '../contact/repository.ts'
import { sourceNames } from '../contact/single-view-routes.ts'
import { type AuditService, whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import type { Module } from '../platform/modules.ts'
import type { SummaryItem } from './summary.ts'
import { type PersonHistory, SummaryService } from './summary-service.ts'

/** Who switches the force's summaries on and off. */
export const summarySettingsEditors: readonly StaffRole[] = ['force_admin']

const forceOf = staffForce('Automated summaries are set per force; sign in with a force account')

/** The single view's history as the summariser reads it: each entry and THRIVE assessment an item. */
export function personItems(history: {
  entries: readonly TimelineEntry[]
  thrive: readonly ThriveEntry[]
  markers: PersonHistory['markers']
}): PersonHistory {
  const items: SummaryItem[] = history.entries.map((e) => ({
    id: e.key,
    kind: sourceNames[e.source],
    at: e.at,
    title: e.title,
    body: e.body,
    // A CAD or RMS entry links to its own line on the incident's or crime's timeline.
    href: e.href && e.key.startsWith('c:') ? `${e.href}#event-${Number(e.key.slice(2))}` : e.href,
  }))
  for (const t of history.thrive)
    items.push({
      id: `t:${t.id}`,
      kind: 'THRIVE',
      at: t.at,
      title: `THRIVE graded ${t.grading}${t.vulnerable ? ', vulnerable' : ''}`,
      // The reasons and the handler's note, as the contact's page words them.
      body: `${t.reasons.join('; ')}. ${t.note ?? ''}`.trim(),
      href: `/console/contact/queue/contacts/${t.itemId}`,
    })
  return { items, markers: history.markers }
}

export function createAssistSummary(deps: {
  db: Database
  audit: AuditService
  clock: Clock
  personHistory: (forceId: string, personId: string, limit: number) => Promise<PersonHistory>
}): Module<{ summaries: SummaryService }> {
  const summaries = new SummaryService(deps)
  return {
    name: 'assist-summary',
    services: { summaries },
    routes: (http) => registerSummaryRoutes(http, summaries),
    navigation: [
      {
        text: 'Automated summaries',
        href: '/console/assist/summaries',
        roles: summarySettingsEditors,
        group: 'settings',
        forceOnly: true,
      },
    ],
  }
}

function registerSummaryRoutes(http: FastifyInstance, summaries: SummaryService): void {
  const access = { staff: summarySettingsEditors }
  const render = async (request: FastifyRequest, reply: FastifyReply, extra: object = {}) =>
    reply.render('assist/summary-settings.njk', {
      title: 'Automated summaries',
      enabled: (await summaries.setting(forceOf(request))).enabled,
      ...extra,
    })
  http.get<{ Querystring: { saved?: string } }>(
    '/console/assist/summaries',
    {
      config: { access },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) },
    },
    (request, reply) => render(request, reply, { saved: request.query.saved === '1' }),
  )
  http.post<{ Body: { enabled?: string } }>(
    '/console/assist/summaries',
    {
      config: { access },
      schema: { body: Type.Object({ enabled: formText(3), _csrf: formText(200) }) },
    },
    async (request, reply) => {
      try {
        await summaries.setEnabled(forceOf(request), request.body.enabled, {
          ...whoAndWhere(request),
          staffId: staffOf(request).id,
        })
        return reply.redirect('/console/assist/summaries?saved=1', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => render(request, reply, { errors }))
      }
    },
  )
}
