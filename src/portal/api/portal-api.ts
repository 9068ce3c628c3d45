// The Portal API's part of the Portal module: its service, webhooks and their delivery job, and
// its routes (decision 0029). Built by createPortal before the invitation and account services,
// which report their events to the webhooks through `events`.
import type { FastifyInstance } from 'fastify'
import type { AuditService } from '../../platform/audit/audit-service.ts'
import type { Clock } from '../../platform/clock.ts'
import type { CredentialKeys } from '../../platform/credential-keys.ts'
import type { Database, Tx } from '../../platform/db/database.ts'
import { defineJob, EmptyPayload, type JobQueue } from '../../platform/jobs.ts'
import type { OutboundPolicy } from '../../platform/outbound.ts'
import type { AccountRepository } from '../account-repository.ts'
import type { AccountService } from '../account-service.ts'
import type { CitizenCaseService } from '../case-view-service.ts'
import type { InvitationService } from '../invitation-service.ts'
import type { PortalMessageService } from '../message-service.ts'
import type { PortalRepository } from '../repository.ts'
import { registerWebhookConsoleRoutes } from './console-routes.ts'
import { registerPortalMessageApiRoutes } from './message-routes.ts'
import { PortalApiRepository } from './repository.ts'
import { registerPortalApiRoutes } from './routes.ts'
import { Invitation } from './schemas.ts'
import { type OfficerReply, PortalApiService, type StaffLookup } from './service.ts'
import { registerWebhookRoutes } from './webhook-routes.ts'
import { type PortalEvent, WebhookService } from './webhook-service.ts'

export interface PortalApiDependencies {
  db: Database
  clock: Clock
  audit: AuditService
  jobs: JobQueue
  outbound: OutboundPolicy
  /** Seals webhook secrets (the installation's credential keys, WRITEBACK_CREDENTIAL_KEY). */
  cipher: CredentialKeys
  /** The current API version (CP-177). */
  version: string
}

export function deliverWebhooksJob(webhooks: () => WebhookService) {
  return defineJob({
    name: 'portal.deliver-webhooks',
    payload: EmptyPayload,
    cron: '* * * * *',
    policy: 'stately',
    retryLimit: 3,
    handle: async () => {
      while ((await webhooks().deliverDue(100)) === 100);
    },
  })
}

export function createPortalApi(deps: PortalApiDependencies) {
  const repo = new PortalApiRepository()
  const job = deliverWebhooksJob(() => webhooks)
  const webhooks: WebhookService = new WebhookService({
    db: deps.db,
    repo,
    clock: deps.clock,
    audit: deps.audit,
    cipher: deps.cipher,
    outbound: deps.outbound,
    wake: (tx: Tx) => deps.jobs.send(job, {}, { tx }),
  })
  return {
    webhooks,
    job,
    events: (tx: Tx, event: PortalEvent) => webhooks.emit(tx, event),
    /** The service, once the Portal's own services exist. */
    build(portal: {
      portal: PortalRepository
      accountRows: AccountRepository
      accounts: AccountService
      invitations: InvitationService
      cases: CitizenCaseService
      messages: PortalMessageService
      staff: StaffLookup
      officerReply: () => OfficerReply
    }) {
      const api = new PortalApiService({ db: deps.db, clock: deps.clock, audit: deps.audit, ...portal })
      return {
        api,
        routes: (http: FastifyInstance) => {
          http.addSchema(Invitation)
          registerPortalApiRoutes(http, { api, version: deps.version, now: () => deps.clock.now() })
          registerPortalMessageApiRoutes(http, { api })
          registerWebhookRoutes(http, { webhooks })
          registerWebhookConsoleRoutes(http, { webhooks })
        },
      }
    },
  }
}
