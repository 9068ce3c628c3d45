// The write-back capability as a module: the outbox to CAD and the RMS that every product writes
// to (sent messages, opt-outs, officer updates), its delivery job, its backlog on /health/ready,
// its console pages and their navigation entries.
import { attentionCap, countLine } from '../platform/console/dashboard.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { Database } from '../platform/db/database.ts'
import type { JobQueue } from '../platform/jobs.ts'
import type { Logger } from '../platform/logger.ts'
import type { Module } from '../platform/modules.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import { WritebackEndpointSettings } from './endpoint-settings.ts'
import { OfficerRmsUpdates } from './officer-update.ts'
import { WritebackRepository } from './repository.ts'
import { OUTBOX_ROLES, registerWritebackRoutes } from './routes.ts'
import { WritebackService } from './service.ts'

export function createWriteback(deps: {
  config: Config
  db: Database
  jobs: JobQueue
  audit: AuditService
  clock: Clock
  log: Logger
  /** Where entries may be delivered (decision 0016). */
  outbound: OutboundPolicy
  /** The installation's credential keys (the platform's), which seal the endpoints' secrets. */
  credentials: CredentialKeys
}): Module<{ writeback: WritebackService }> {
  const { config, db, audit, clock, outbound } = deps
  const repository = new WritebackRepository(db)
  const writeback = new WritebackService(repository, {
    db,
    jobs: deps.jobs,
    audit,
    clock,
    log: deps.log.child({ component: 'writeback' }),
    config: config.writeback,
    credentials: deps.credentials,
    outbound,
  })
  return {
    name: 'writeback',
    services: { writeback },
    jobs: [writeback.deliveryJob],
    // Endpoint secrets (bearer tokens, basic-auth passwords), sealed again when the key changes.
    sealedCredentials: [
      {
        kind: 'writeback-endpoint',
        keys: deps.credentials,
        table: 'writeback_endpoints',
        column: 'auth_secret_encrypted',
        id: 'target',
      },
    ],
    readiness: [{ name: 'writeback', check: async () => ({ backlog: await writeback.backlog() }) }],
    routes: (http) =>
      registerWritebackRoutes(http, {
        writeback,
        endpoints: new WritebackEndpointSettings(repository, {
          db,
          audit,
          clock,
          cipher: writeback.cipher,
          allowHttp: config.environment !== 'production',
          outbound,
        }),
        officerUpdates: new OfficerRmsUpdates(writeback, { db, audit, clock }),
      }),
    attention: [
      {
        id: 'writeback',
        title: 'Write-back dead letters',
        order: 40,
        access: { staff: OUTBOX_ROLES },
        lines: async (forceId) => [
          countLine(
            'Updates to CAD or the RMS that could not be delivered',
            '/console/writeback',
            await writeback.deadCount(forceId, attentionCap),
          ),
        ],
      },
    ],
    navigation: [
      {
        text: 'Write-back',
        href: '/console/writeback',
        roles: ['force_admin', 'service_support'],
        group: 'settings',
      },
      {
        text: 'RMS update',
        href: '/console/rms-updates/new',
        roles: ['investigating_officer', 'supervisor'],
        group: 'work',
      },
    ],
  }
}
