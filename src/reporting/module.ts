// Reporting as a module: Journeys reports and their CSV, the OData v4 feed for Power BI, and the
// Victims' Code timeliness report (UJ-13..UJ-16, CP-65), with their navigation entries.
import { countLine } from '../platform/console/dashboard.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Database } from '../platform/db/database.ts'
import type { Module } from '../platform/modules.ts'
import type { ForceService } from '../platform/tenancy/force-service.ts'
import { registerODataRoutes } from './odata-routes.ts'
import { ReportingRepository } from './repository.ts'
import { deadlineReaders, registerReportingRoutes } from './routes.ts'
import { ReportingService } from './service.ts'

export function createReporting(deps: {
  config: Config
  db: Database
  clock: Clock
  audit: AuditService
  forces: ForceService
}): Module<{ reporting: ReportingService }> {
  const reporting = new ReportingService({
    db: deps.db,
    repo: new ReportingRepository(),
    audit: deps.audit,
    clock: deps.clock,
    odataPageSize: deps.config.reporting.odataPageSize,
  })
  const { forces } = deps
  return {
    name: 'reporting',
    services: { reporting },
    routes: (http) => {
      registerReportingRoutes(http, { reporting, forces })
      registerODataRoutes(http, { reporting, forces })
    },
    attention: [
      {
        id: 'victims-code',
        title: 'Victims’ Code deadlines at risk',
        order: 20,
        access: { staff: deadlineReaders, product: 'journeys' },
        lines: async (forceId) => {
          const risk = await reporting.vcopAtRisk(forceId)
          return [
            countLine(
              'Due in the next 2 days, no first contact yet',
              '/console/journeys/victims-code',
              risk.due,
            ),
            countLine('Missed in the last 7 days', '/console/journeys/victims-code', risk.missed),
          ]
        },
      },
    ],
    navigation: [
      {
        text: 'Victims’ Code deadlines',
        href: '/console/journeys/victims-code',
        roles: ['force_admin', 'journey_designer', 'analyst', 'investigating_officer', 'supervisor'],
        group: 'journeys',
      },
      {
        text: 'Reports',
        href: '/console/reports',
        roles: ['analyst', 'force_admin', 'system_admin'],
        group: 'journeys',
      },
    ],
  }
}
