// The composition root (STYLE.md rule 1): repositories → services → routes, wired explicitly.
// Tests call the same factory with a test configuration and get a whole Waypoint.
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { registerApiPlatform } from './platform/api/api-platform.ts'
import { ApiClientRepository } from './platform/api/client-repository.ts'
import { ApiClientService } from './platform/api/client-service.ts'
import { ProvisioningRepository } from './platform/api/provisioning-repository.ts'
import { ProvisioningService } from './platform/api/provisioning-service.ts'
import { registerApiRoutes } from './platform/api/routes.ts'
import { readApiVersion } from './platform/api/version.ts'
import { AuditRepository } from './platform/audit/audit-repository.ts'
import { AuditService } from './platform/audit/audit-service.ts'
import { createForwardingService } from './platform/audit/forwarding-service.ts'
import { auditForwardJob } from './platform/audit/jobs.ts'
import { registerAuditRoutes } from './platform/audit/routes.ts'
import { StaffRepository } from './platform/auth/staff-repository.ts'
import { StaffService } from './platform/auth/staff-service.ts'
import { registerSignInRoutes } from './platform/auth/sign-in-routes.ts'
import { StaffSignInService } from './platform/auth/sign-in-service.ts'
import { StaffSsoService } from './platform/auth/sso-service.ts'
import { TotpSecretVault } from './platform/auth/totp-secrets.ts'
import { StaffAdministration } from './platform/auth/staff-administration.ts'
import { registerUserAdminRoutes } from './platform/auth/users-routes.ts'
import { type Clock, systemClock } from './platform/clock.ts'
import type { Config } from './platform/config.ts'
import { navigationFor } from './platform/console/navigation.ts'
import { registerProductRoutes } from './platform/console/product-routes.ts'
import { PersonRepository } from './cases/person-repository.ts'
import { caseEventDeliveryJobs } from './cases/jobs.ts'
import { CaseRepository } from './cases/repository.ts'
import { registerCaseRoutes } from './cases/routes.ts'
import { CaseService } from './cases/service.ts'
import { registerConsoleRoutes } from './platform/console/routes.ts'
import { createJourneys } from './journeys/module.ts'
import { registerJourneyRoutes } from './journeys/routes.ts'
import { caseMessagesProvider, registerCaseMessageRoutes } from './journeys/case-messages-routes.ts'
import { registerContactPolicyRoutes } from './journeys/contact-policy-routes.ts'
import { registerDesignerPublishRoutes } from './journeys/designer-publish-routes.ts'
import { registerDesignerRoutes } from './journeys/designer-routes.ts'
import { journeyPlaceholders } from './journeys/designer-review.ts'
import { sampleCase } from './journeys/designer-service.ts'
import { createConversations } from './messaging/conversations/module.ts'
import type { InboundEmailListener } from './messaging/conversations/inbound-email.ts'
import { createMessaging } from './messaging/module.ts'
import { registerMessagingRoutes } from './messaging/routes.ts'
import { type Database, openDatabase, rows } from './platform/db/database.ts'
import { OutboundPolicy, type OwnDatabase, SYSTEM_IDENTIFIER_SQL } from './platform/outbound.ts'
import { migrate } from './platform/db/migrate.ts'
import { createHttpServer } from './platform/http/server.ts'
import { SessionRepository } from './platform/http/session-repository.ts'
import { SessionService } from './platform/http/session-service.ts'
import { CitizenSessions } from './platform/http/citizen-sessions.ts'
import { registerCitizenAccountRoutes } from './platform/auth/citizen-routes.ts'
import { PushService } from './platform/push/push-service.ts'
import { registerPushRoutes } from './platform/push/routes.ts'
import type { SentMessageListener } from './messaging/dispatch.ts'
import { ServiceIncidentRepository } from './platform/service-status/service-incident-repository.ts'
import { ServiceIncidentService } from './platform/service-status/service-incident-service.ts'
import { registerServiceStatusRoutes } from './platform/service-status/routes.ts'
import { JobQueue } from './platform/jobs.ts'
import { createLogger, type Logger } from './platform/logger.ts'
import { registerStatementRoutes } from './platform/pages/routes.ts'
import {
  createMetricsRegistry,
  type ReadinessCheck,
  registerHealthRoutes,
} from './platform/observability/health-routes.ts'
import { ForceRepository } from './platform/tenancy/force-repository.ts'
import { registerForceRoutes } from './platform/tenancy/force-routes.ts'
import { ForceService } from './platform/tenancy/force-service.ts'
import { WritebackEndpointSettings } from './writeback/endpoint-settings.ts'
import { OfficerRmsUpdates } from './writeback/officer-update.ts'
import { WritebackRepository } from './writeback/repository.ts'
import { registerWritebackRoutes } from './writeback/routes.ts'
import { WritebackService } from './writeback/service.ts'
import { writeBackSentMessages } from './writeback/sent-messages.ts'
import { writeBackOptOuts } from './writeback/opt-outs.ts'
import { registerSourceApiRoutes } from './sources/api-routes.ts'
import { IngestBatcher } from './sources/ingest-batcher.ts'
import { registerSourceConsoleRoutes } from './sources/console-routes.ts'
import { SourceRepository } from './sources/repository.ts'
import { SourceService } from './sources/service.ts'
import { WarehousePoller } from './sources/warehouse.ts'
import { WarehouseRepository } from './sources/warehouse-repository.ts'
import { registerWarehouseRoutes } from './sources/warehouse-routes.ts'
import { WarehouseSettings } from './sources/warehouse-settings.ts'
import { registerSharingRoutes } from './platform/tenancy/sharing-routes.ts'
import { registerODataRoutes } from './reporting/odata-routes.ts'
import { ReportingRepository } from './reporting/repository.ts'
import { registerReportingRoutes } from './reporting/routes.ts'
import { ReportingService } from './reporting/service.ts'
import { RetentionAdministration } from './retention/administration.ts'
import { retentionSweepJob } from './retention/jobs.ts'
import { RetentionRepository } from './retention/repository.ts'
import { registerRetentionRoutes } from './retention/routes.ts'
import { RetentionService } from './retention/service.ts'
import type { Services } from './services.ts'

export interface AppOptions {
  clock?: Clock
  /** An already-open database (tests share one per process). */
  db?: Database
  log?: Logger
  /**
   * Routes a test adds before the server is sealed (e.g. signing a citizen in through the same
   * `CitizenSessions.signIn` an identity provider uses).
   */
  testRoutes?(http: FastifyInstance, seams: { citizenSessions: CitizenSessions; push: PushService }): void
}

export interface App {
  config: Config
  log: Logger
  clock: Clock
  db: Database
  jobs: JobQueue
  http: FastifyInstance
  metrics: Registry
  services: Services
  /** Where Waypoint may connect out to: warehouses, write-back endpoints (decision 0016). */
  outbound: OutboundPolicy
  /** What /health/ready checks; a capability pushes a check for each external peer it needs. */
  readiness: ReadinessCheck[]
  /** The inbound email SMTP listener, started by `waypoint all`/`web` when a port is configured. */
  inboundEmail: InboundEmailListener
  /** Starts the job workers (role `worker` or `all`). */
  startWorkers(): void
  /** Stops taking work, lets requests and jobs in hand finish, closes the database. */
  stop(): Promise<void>
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel)
  const clock = options.clock ?? systemClock
  const ownsDb = !options.db
  const db =
    options.db ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      tenantUrl: config.databaseTenantUrl,
      systemUrl: config.databaseSystemUrl,
      dataDir: config.dataDir,
    }))
  await migrate(db, (line) => log.info(line))

  const outbound = new OutboundPolicy({
    rules: config.outbound,
    ownDatabase: () => readOwnDatabase(db, config, log),
  })
  const forces = new ForceService(new ForceRepository(db), clock)
  const staff = new StaffService(new StaffRepository(db), clock)
  const sessions = new SessionService(new SessionRepository(db), config.session, config.sessionSecret, clock)
  const citizenSessions = new CitizenSessions({
    db,
    sessions,
    clock,
    secureCookie: config.session.secureCookie,
  })
  const push = new PushService(db, log.child({ component: 'push' }))
  // A citizen follows their own account only.
  push.defineTopic({ name: 'account', citizen: (citizen, key) => key === citizen.id })
  // CP-175, CP-176: every audit event is queued for the SIEMs in its own transaction.
  const auditForwarding = createForwardingService(config, db, clock, log.child({ component: 'siem' }))
  const auditForwardingJob = auditForwardJob(auditForwarding)
  const audit = new AuditService(new AuditRepository(db, auditForwarding.destinations), db, clock, {
    queueForwarding: (tx) => jobs.send(auditForwardingJob, {}, { tx }),
  })
  const apiClients = new ApiClientService(new ApiClientRepository(db), clock, config.api.tokenTtlSeconds)
  const jobs = new JobQueue(db, log.child({ component: 'jobs' }), config.jobs.schema)
  const writebackRepository = new WritebackRepository(db)
  const writeback = new WritebackService(writebackRepository, {
    db,
    jobs,
    audit,
    clock,
    log: log.child({ component: 'writeback' }),
    config: config.writeback,
    outbound,
  })
  jobs.register(writeback.deliveryJob)
  const cases = new CaseService(
    db,
    new CaseRepository(),
    new PersonRepository(),
    clock,
    log.child({ component: 'cases' }),
  )
  const sourceRepository = new SourceRepository()
  const sources = new SourceService(db, sourceRepository, cases, clock, log.child({ component: 'sources' }))
  const caseEventJobs = caseEventDeliveryJobs(cases, () => jobs)
  jobs.register(caseEventJobs.deliver, caseEventJobs.sweep)
  // Case events left waiting on the timeline (a large batch, or a listener that refused) reach
  // Journeys by job; the source API writes concurrent requests together.
  cases.onPending((forceId) => {
    caseEventJobs
      .queue(forceId)
      .catch((error) => log.error({ err: error, forceId }, 'case event delivery was not queued'))
  })
  const ingest = new IngestBatcher(sources)
  await sources.seedDefaultProfiles((await forces.list()).map((f) => f.id))
  const warehouseRepository = new WarehouseRepository()
  const warehouse = new WarehousePoller({
    db,
    repo: warehouseRepository,
    sources,
    clock,
    log: log.child({ component: 'warehouse' }),
    // Warehouse connection strings are sealed with the same key as write-back credentials.
    cipher: writeback.cipher,
    limits: { outbound, ...config.warehouse },
  })
  jobs.register(warehouse.job)
  const serviceIncidents = new ServiceIncidentService(new ServiceIncidentRepository(db), audit, forces, clock)
  // Templates, quiet hours, channels and dispatch (UJ-6, UJ-8, UJ-11, UJ-12, UJ-19).
  const messaging = createMessaging({
    config,
    db,
    clock,
    log: log.child({ component: 'messaging' }),
    jobs,
    onSent: publishSent(writeBackSentMessages(cases, writeback), push),
    onOptedOut: writeBackOptOuts(cases, writeback),
  })
  // Conversations: inbound SMS and email land in them, beside the journeys' messages (CP-76).
  const conversations = createConversations({
    config,
    db,
    clock,
    audit,
    log,
    smtp: messaging.smtp,
    forceIds: async () => (await forces.list()).map((f) => f.id),
  })
  // Journeys: definitions, eligibility, enrolment on case events, timed steps (UJ-4, UJ-7, UJ-8, CP-61, CP-65).
  const journeys = createJourneys({
    db,
    clock,
    audit,
    jobs,
    cases,
    messaging: messaging.service,
    publicUrl: config.http.publicUrl,
  })
  const retentionRepository = new RetentionRepository()
  const services: Services = {
    apiClients,
    audit,
    serviceIncidents,
    forces,
    staff,
    sessions,
    citizenSessions,
    push,
    writeback,
    cases,
    sources,
    warehouse,
    messaging: messaging.service,
    conversations: conversations.service,
    journeys: journeys.service,
    enrolments: journeys.enrolments,
    // Journeys reports, the Power BI feed and the Victims' Code report (UJ-13..UJ-16, CP-65).
    reporting: new ReportingService({
      db,
      repo: new ReportingRepository(),
      audit,
      clock,
      odataPageSize: config.reporting.odataPageSize,
    }),
    // Review, retention and deletion under the PIRM Code (UJ-3, CP-4, CRM-4).
    retention: new RetentionService({
      db,
      repo: retentionRepository,
      clock,
      audit,
      cases,
      messaging: messaging.service,
      journeys: journeys.service,
      writeback,
      sources,
    }),
  }
  jobs.register(auditForwardingJob)
  jobs.register(retentionSweepJob(services.retention, async () => (await forces.list()).map((f) => f.id)))

  const http = await createHttpServer({
    config,
    log,
    sessions,
    loadStaff: (session) => staff.loadPrincipal(session),
    forceHasProduct: (forceId, product) => forces.hasProduct(forceId, product),
    pageGlobals: async (request) => {
      const userForce = request.staff?.forceId ? await forces.get(request.staff.forceId) : undefined
      return {
        serviceName: 'Waypoint',
        userForce,
        navigation: navigationFor(request.staff, request.url.split('?')[0], userForce?.products),
      }
    },
  })

  // Before any /api route, so bearer tokens, formats, rate limits and OpenAPI apply to all.
  await registerApiPlatform(http, { config, clients: apiClients, version: readApiVersion() })

  const metrics = createMetricsRegistry()
  metrics.registerMetric(messaging.dispatcher.rateLimitedCounter)
  const readiness: ReadinessCheck[] = [
    {
      name: 'database',
      check: async () => {
        await db.asSystem((tx) => tx.execute(sql`select 1`))
        return { engine: db.kind }
      },
    },
    { name: 'jobs', check: async () => ({ backlog: await jobs.backlog() }) },
    { name: 'writeback', check: async () => ({ backlog: await writeback.backlog() }) },
    { name: 'siem', check: async () => ({ backlog: await auditForwarding.backlog() }) },
  ]
  registerHealthRoutes(http, readiness, metrics, { metricsToken: config.metricsToken })
  // Staff sign-in: local accounts with TOTP, and single sign-on (CRM-29, CP-47). Authenticator
  // secrets still stored in clear, or under TOTP_ENCRYPTION_KEY_PREVIOUS, are sealed under
  // TOTP_ENCRYPTION_KEY before sign-in opens (decision 0009).
  const signIn = new StaffSignInService(staff.repository, clock, config.login, {
    secrets: new TotpSecretVault(config.totpSecretKey, config.totpSecretKeyPrevious),
    log,
  })
  await signIn.sealClearSecrets()
  registerSignInRoutes(http, {
    config,
    sessions,
    audit,
    signIn,
    sso: new StaffSsoService(config, { staff, repository: staff.repository, audit, clock }),
  })
  // User administration (CP-44, CP-45, CP-46, CP-152).
  registerUserAdminRoutes(http, {
    forces,
    administration: new StaffAdministration({
      staff,
      audit,
      sessions,
      clock,
      forceExists: async (id) => (await forces.list()).some((f) => f.id === id),
    }),
  })
  registerConsoleRoutes(http, services)
  await registerPushRoutes(http, push)
  registerCitizenAccountRoutes(http, citizenSessions)
  options.testRoutes?.(http, { citizenSessions, push })
  registerJourneyRoutes(http, journeys.service, cases)
  // The no-code journey designer (UJ-18) and each force's safe-contact policy.
  registerDesignerRoutes(http, journeys.designer)
  registerDesignerPublishRoutes(http, journeys.designer)
  registerContactPolicyRoutes(http, journeys.service)
  registerMessagingRoutes(http, {
    config,
    db,
    messaging: messaging.service,
    outbox: messaging.outbox,
    dispatcher: messaging.dispatcher,
    links: messaging.links,
    notify: messaging.notify,
    conversations: conversations.service,
    forceExists: async (id) => (await forces.list()).some((f) => f.id === id),
    audit,
    push,
    editing: { placeholders: journeyPlaceholders, sample: sampleCase('', config.http.publicUrl) },
  })
  await registerSourceApiRoutes(http, ingest)
  registerCaseRoutes(http, {
    cases,
    audit,
    personMessages: conversations.personMessages,
    caseMessages: caseMessagesProvider(journeys.caseMessages),
  })
  registerCaseMessageRoutes(http, { caseMessages: journeys.caseMessages, cases, audit })
  conversations.registerRoutes(http)
  registerSourceConsoleRoutes(http, { sources, audit })
  registerWarehouseRoutes(http, {
    settings: new WarehouseSettings({
      db,
      repo: warehouseRepository,
      poller: warehouse,
      sources,
      audit,
      clock,
      cipher: writeback.cipher,
      allowEmbedded: config.environment !== 'production',
    }),
  })
  registerProductRoutes(http)
  registerForceRoutes(http, services)
  registerSharingRoutes(http, services)
  registerStatementRoutes(http, services)
  registerAuditRoutes(http, services)
  registerServiceStatusRoutes(http, services)
  registerWritebackRoutes(http, {
    writeback,
    endpoints: new WritebackEndpointSettings(writebackRepository, {
      db,
      audit,
      clock,
      cipher: writeback.cipher,
      allowHttp: config.environment !== 'production',
      outbound,
    }),
    officerUpdates: new OfficerRmsUpdates(writeback, { db, audit, clock }),
  })
  const provisioning = new ProvisioningService(new ProvisioningRepository(db), {
    staff,
    sessions,
    audit,
    clock,
  })
  registerApiRoutes(http, { apiClients, provisioning, forces, audit })
  registerReportingRoutes(http, { reporting: services.reporting, forces })
  registerODataRoutes(http, { reporting: services.reporting, forces })
  registerRetentionRoutes(http, {
    retention: services.retention,
    administration: new RetentionAdministration({ db, repo: retentionRepository, audit, cases, clock }),
  })

  await jobs.start()
  await push.start()
  await http.ready()

  let stopping: Promise<void> | undefined
  return {
    config,
    log,
    clock,
    db,
    jobs,
    http,
    metrics,
    services,
    outbound,
    readiness,
    inboundEmail: conversations.inboundEmail,
    startWorkers: () => jobs.startWorking(),
    stop: () => {
      stopping ??= (async () => {
        await conversations.inboundEmail.close()
        await http.close()
        await push.stop()
        await jobs.stop()
        messaging.close()
        if (ownsDb) await db.close()
      })()
      return stopping
    },
  }
}

/** What identifies Waypoint's own database, so no outbound connection can reach it. */
async function readOwnDatabase(db: Database, config: Config, log: Logger): Promise<OwnDatabase> {
  const [seen] = await db.asSystem((tx) =>
    rows<{ database: string; address: string | null; port: number | null }>(
      tx,
      sql`select current_database() as database, host(inet_server_addr()) as address, inet_server_port() as port`,
    ),
  )
  // pg_control_system() is for the owner (the system login may not run it).
  const system = await db
    .execAsOwner(SYSTEM_IDENTIFIER_SQL)
    .then((r) => (r[0]?.system_identifier as string | undefined) ?? null)
    .catch((error) => {
      // Not allowed here (a managed database): the name and address still identify it.
      log.warn({ err: error }, 'the database’s system identifier could not be read')
      return null
    })
  const url = config.databaseUrl ? new URL(config.databaseUrl) : undefined
  return {
    host: url?.hostname || undefined,
    port: url ? Number(url.port || 5432) : undefined,
    database: seen?.database ?? '',
    systemIdentifier: system,
    serverAddress: seen?.address ?? null,
    serverPort: seen?.port ?? null,
    dataDir: db.kind === 'pglite' ? config.dataDir : undefined,
  }
}

/** After a message is sent (in the same transaction), its force's outbox pages hear of it. */
function publishSent(then: SentMessageListener, push: PushService): SentMessageListener {
  return async (tx, message, sentAt) => {
    await then(tx, message, sentAt)
    await push.publish({ forceId: message.forceId, topic: 'outbox', ids: { message: message.id } }, tx)
  }
}
