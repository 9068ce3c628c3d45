// Sources as a module: the STORM/Athena source API, the mapping profiles' console, and the
// warehouse poller with its settings, its job, and the navigation entry for the profiles.
import { attentionCap, countLine } from '../platform/console/dashboard.ts'
import type { CaseService } from '../cases/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Database } from '../platform/db/database.ts'
import type { Logger } from '../platform/logger.ts'
import type { Module } from '../platform/modules.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import { registerSourceApiRoutes } from './api-routes.ts'
import { registerSourceConsoleRoutes, sourceConsoleRoles } from './console-routes.ts'
import { IngestBatcher } from './ingest-batcher.ts'
import { SourceRepository } from './repository.ts'
import { SourceService } from './service.ts'
import { WarehousePoller } from './warehouse.ts'
import { WarehouseRepository } from './warehouse-repository.ts'
import { registerWarehouseRoutes } from './warehouse-routes.ts'
import { WarehouseSettings } from './warehouse-settings.ts'

const sourceNames: Record<string, string> = { storm: 'STORM', athena: 'Athena', warehouse: 'Warehouse' }

const londonTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/London',
})

export async function createSources(deps: {
  config: Config
  db: Database
  clock: Clock
  log: Logger
  audit: AuditService
  cases: CaseService
  /** Seals warehouse connection strings: the installation's credential keys (the platform's). */
  cipher: CredentialKeys
  outbound: OutboundPolicy
  forceIds: () => Promise<string[]>
}): Promise<Module<{ sources: SourceService; warehouse: WarehousePoller }>> {
  const { config, db, clock, log, audit, cipher } = deps
  const sources = new SourceService(
    db,
    new SourceRepository(),
    deps.cases,
    clock,
    log.child({ component: 'sources' }),
  )
  const ingest = new IngestBatcher(sources)
  await sources.seedDefaultProfiles(await deps.forceIds())
  const warehouseRepository = new WarehouseRepository()
  const warehouse = new WarehousePoller({
    db,
    repo: warehouseRepository,
    sources,
    clock,
    log: log.child({ component: 'warehouse' }),
    cipher,
    limits: { outbound: deps.outbound, ...config.warehouse },
  })
  return {
    name: 'sources',
    services: { sources, warehouse },
    jobs: [warehouse.job],
    // Warehouse connection strings, sealed again when the credential key changes.
    sealedCredentials: [
      {
        kind: 'warehouse-connection',
        keys: cipher,
        table: 'warehouse_sources',
        column: 'connection_url_encrypted',
        id: 'force_id',
      },
    ],
    routes: async (http) => {
      await registerSourceApiRoutes(http, ingest)
      registerSourceConsoleRoutes(http, { sources, audit })
      registerWarehouseRoutes(http, {
        settings: new WarehouseSettings({
          db,
          repo: warehouseRepository,
          poller: warehouse,
          sources,
          audit,
          clock,
          cipher,
          allowEmbedded: config.environment !== 'production',
        }),
      })
    },
    attention: [
      {
        id: 'source-events',
        title: 'Quarantined source events',
        order: 30,
        access: { staff: sourceConsoleRoles },
        lines: async (forceId) => {
          const found = await sources.needsAttention(forceId, attentionCap)
          return [
            countLine('Waiting to be corrected and replayed', '/console/sources', found.quarantined),
            countLine('Of them, received in the last 24 hours', '/console/sources', found.quarantinedLastDay),
          ]
        },
      },
      {
        id: 'integration-health',
        title: 'Integration health',
        order: 50,
        access: { staff: sourceConsoleRoles },
        lines: async (forceId) =>
          (await sources.needsAttention(forceId, attentionCap)).lastApplied.map((s) => ({
            text: `${sourceNames[s.sourceSystem] ?? s.sourceSystem}: last event applied`,
            href: '/console/sources',
            value: s.at ? `${londonTime.format(s.at)}${s.quiet ? ', over a day ago' : ''}` : 'None yet',
            attention: s.quiet,
          })),
      },
    ],
    navigation: [{ text: 'Sources', href: '/console/sources', roles: ['force_admin'], group: 'settings' }],
  }
}
