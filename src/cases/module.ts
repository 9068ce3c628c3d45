// The case model as a module: the POLE case service, the delivery of case events left waiting
// on the timeline (by job), the case and person pages and their navigation entry.
import type { FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import type { JobQueue } from '../platform/jobs.ts'
import type { Logger } from '../platform/logger.ts'
import type { Module } from '../platform/modules.ts'
import { caseEventDeliveryJobs } from './jobs.ts'
import { PersonRepository } from './person-repository.ts'
import { CaseRepository } from './repository.ts'
import { registerCaseRoutes } from './routes.ts'
import { CaseService } from './service.ts'

/** A person's messages in both directions, for the person page (a port other capabilities fill). */
type CaseRouteDependencies = Parameters<typeof registerCaseRoutes>[1]

export type PersonMessages = (
  request: FastifyRequest,
  forceId: string,
  personId: string,
) => Promise<unknown[]>

export function createCases(deps: {
  db: Database
  clock: Clock
  log: Logger
  jobs: JobQueue
  audit: AuditService
  /** Read when a person page is shown (conversations, built after this module). */
  personMessages: PersonMessages
  /** What Journeys sent about a case, shown on its pages (Journeys, built after this module). */
  caseMessages?: CaseRouteDependencies['caseMessages']
  /** A person's opt-outs, shown on the person page (messaging, built after this module). */
  personOptOuts?: CaseRouteDependencies['personOptOuts']
  /** Portal accounts and invitations, shown on case and person pages (portal, built after this module). */
  portalStanding?: CaseRouteDependencies['portalStanding']
  /** The case's automated summary, on incident and crime pages (Assist, built after this module). */
  caseSummary?: CaseRouteDependencies['caseSummary']
}): Module<{ cases: CaseService }> {
  const { log, jobs } = deps
  const cases = new CaseService(
    deps.db,
    new CaseRepository(),
    new PersonRepository(),
    deps.clock,
    log.child({ component: 'cases' }),
  )
  const caseEventJobs = caseEventDeliveryJobs(cases, () => jobs)
  // Case events left waiting on the timeline (a large batch, or a listener that refused) reach
  // Journeys by job; the source API writes concurrent requests together.
  cases.onPending((forceId) => {
    caseEventJobs
      .queue(forceId)
      .catch((error) => log.error({ err: error, forceId }, 'case event delivery was not queued'))
  })
  return {
    name: 'cases',
    services: { cases },
    jobs: [caseEventJobs.deliver, caseEventJobs.sweep],
    routes: (http) =>
      registerCaseRoutes(http, {
        cases,
        audit: deps.audit,
        personMessages: deps.personMessages,
        caseMessages: deps.caseMessages,
        personOptOuts: deps.personOptOuts,
        portalStanding: deps.portalStanding,
        caseSummary: deps.caseSummary,
      }),
    navigation: [
      {
        text: 'Cases',
        href: '/console/cases',
        roles: ['investigating_officer', 'supervisor', 'contact_handler', 'force_admin'],
        group: 'work',
      },
    ],
  }
}
