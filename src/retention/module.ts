// Retention as a module: PIRM review, retention and deletion rules, legal holds, the daily sweep
// (UJ-3, CP-4, CRM-4) and its report, with their navigation entries.
import type { CaseService } from '../cases/service.ts'
import type { JourneyService } from '../journeys/service.ts'
import type { MessagingServices } from '../messaging/messaging-services.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import type { Module } from '../platform/modules.ts'
import type { SourceService } from '../sources/service.ts'
import type { WritebackService } from '../writeback/service.ts'
import { RetentionAdministration } from './administration.ts'
import { retentionSweepJob } from './jobs.ts'
import { RetentionRepository } from './repository.ts'
import { registerRetentionRoutes } from './routes.ts'
import { RetentionService } from './service.ts'

export function createRetention(deps: {
  db: Database
  clock: Clock
  audit: AuditService
  cases: CaseService
  messaging: MessagingServices
  journeys: JourneyService
  writeback: WritebackService
  sources: SourceService
  forceIds: () => Promise<string[]>
}): Module<{ retention: RetentionService }> {
  const { db, clock, audit, cases } = deps
  const repo = new RetentionRepository()
  const retention = new RetentionService({
    db,
    repo,
    clock,
    audit,
    cases,
    messaging: deps.messaging,
    journeys: deps.journeys,
    writeback: deps.writeback,
    sources: deps.sources,
  })
  return {
    name: 'retention',
    services: { retention },
    jobs: [retentionSweepJob(retention, deps.forceIds)],
    routes: (http) =>
      registerRetentionRoutes(http, {
        retention,
        administration: new RetentionAdministration({ db, repo, audit, cases, clock }),
      }),
    navigation: [
      { text: 'Retention', href: '/console/retention/rules', roles: ['force_admin'], group: 'settings' },
      {
        text: 'Retention report',
        href: '/console/retention/report',
        roles: ['auditor'],
        group: 'admin',
        forceOnly: true,
      },
    ],
  }
}
