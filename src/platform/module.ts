// The platform's own module: forces and sharing, staff and their sign-in, sessions (staff and
// citizen), live push, the audit trail and its forwarding to the SIEMs, the service-incident log,
// API clients and provisioning, the console's dashboard and the public statements. Capability
// modules are built on its services; it knows none of them.
import { registerApiRoutes } from './api/routes.ts'
import { ApprovalService } from './approvals/approval-service.ts'
import { ChangeRequestRepository } from './approvals/change-request-repository.ts'
import { registerApprovalRoutes } from './approvals/routes.ts'
import { ApiClientRepository } from './api/client-repository.ts'
import { ApiClientService } from './api/client-service.ts'
import { forgetIdempotencyKeysJob } from './api/idempotency.ts'
import { IdempotencyRepository } from './api/idempotency-repository.ts'
import { ProvisioningRepository } from './api/provisioning-repository.ts'
import { ProvisioningService } from './api/provisioning-service.ts'
import { AuditRepository } from './audit/audit-repository.ts'
import { AuditService } from './audit/audit-service.ts'
import { createForwardingService } from './audit/forwarding-service.ts'
import { auditForwardJob } from './audit/jobs.ts'
import { registerAuditRoutes } from './audit/routes.ts'
import { type CitizenSignInOption, registerCitizenAccountRoutes } from './auth/citizen-routes.ts'
import { registerSignInRoutes } from './auth/sign-in-routes.ts'
import { StaffSignInService } from './auth/sign-in-service.ts'
import { StaffSsoService } from './auth/sso-service.ts'
import { StaffAdministration } from './auth/staff-administration.ts'
import { StaffRepository } from './auth/staff-repository.ts'
import { StaffService } from './auth/staff-service.ts'
import { TotpSecretVault } from './auth/totp-secrets.ts'
import { registerUserAdminRoutes } from './auth/users-routes.ts'
import { SetUpLinkRepository } from './auth/set-up-link-repository.ts'
import { SetUpLinkService } from './auth/set-up-link-service.ts'
import { registerSetUpRoutes } from './auth/set-up-routes.ts'
import { createStaffMail } from './auth/staff-mail.ts'
import type { Clock } from './clock.ts'
import type { Config } from './config.ts'
import { type AttentionTile, attentionCap, countLine } from './console/dashboard.ts'
import { credentialKeys } from './credential-keys.ts'
import { registerConsoleRoutes } from './console/routes.ts'
import type { Database } from './db/database.ts'
import { CitizenSessions } from './http/citizen-sessions.ts'
import { SessionRepository } from './http/session-repository.ts'
import { SessionService } from './http/session-service.ts'
import type { JobQueue } from './jobs.ts'
import type { Logger } from './logger.ts'
import type { Module } from './modules.ts'
import { registerStatementRoutes } from './pages/routes.ts'
import { PushService } from './push/push-service.ts'
import { registerPushRoutes } from './push/routes.ts'
import { registerServiceStatusRoutes } from './service-status/routes.ts'
import { ServiceIncidentRepository } from './service-status/service-incident-repository.ts'
import { ServiceIncidentService } from './service-status/service-incident-service.ts'
import type { PlatformServices } from './services.ts'
import { ForceRepository } from './tenancy/force-repository.ts'
import { registerForceRoutes } from './tenancy/force-routes.ts'
import { ForceService } from './tenancy/force-service.ts'
import { registerSharingRoutes } from './tenancy/sharing-routes.ts'

export async function createPlatform(deps: {
  config: Config
  db: Database
  clock: Clock
  log: Logger
  jobs: JobQueue
  /** The capability modules' dashboard tiles, read when a home page is shown. */
  attention?: () => readonly AttentionTile[]
  /** The ways a citizen may sign in, offered by the capabilities (read when the page is shown). */
  citizenSignIn?: () => readonly CitizenSignInOption[] | Promise<readonly CitizenSignInOption[]>
}): Promise<Module<PlatformServices> & { forceIds(): Promise<string[]> }> {
  const { config, db, clock, log, jobs } = deps
  const forces = new ForceService(new ForceRepository(db), clock)
  const forceIds = async () => (await forces.list()).map((f) => f.id)
  const staff = new StaffService(new StaffRepository(db), clock)
  const sessions = new SessionService(
    new SessionRepository(db),
    config.session,
    config.sessionSecret,
    clock,
    config.sessionSecretPrevious,
  )
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
  const apiIdempotency = new IdempotencyRepository(db)
  const serviceIncidents = new ServiceIncidentService(new ServiceIncidentRepository(db), audit, forces, clock)
  // Staff sign-in: local accounts with TOTP, and single sign-on (CRM-29, CP-47). Authenticator
  // secrets still stored in clear, or under TOTP_ENCRYPTION_KEY_PREVIOUS, are sealed under
  // TOTP_ENCRYPTION_KEY before sign-in opens (decision 0009).
  const signIn = new StaffSignInService(staff.repository, clock, config.login, {
    secrets: new TotpSecretVault(config.totpSecretKey, config.totpSecretKeyPrevious),
    log,
  })
  await signIn.sealClearSecrets()
  // Local users' set-up links, emailed with the platform's own SMTP settings (decision 0024).
  const staffMail = createStaffMail(config, log.child({ component: 'staff-mail' }))
  const setUpLinks = new SetUpLinkService({
    links: new SetUpLinkRepository(db),
    staff: staff.repository,
    signIn,
    mail: staffMail,
    audit,
    clock,
    hours: config.login.setUpLinkHours,
    publicUrl: config.http.publicUrl,
  })
  const sso = new StaffSsoService(config, { staff, repository: staff.repository, audit, clock })
  // Second-person approval of journey and template changes: the capabilities declare their kinds.
  const approvals = new ApprovalService({ db, repo: new ChangeRequestRepository(), forces, audit, clock })
  const services: PlatformServices = {
    approvals,
    // The one place the credential keys are built (decision 0049).
    credentials: credentialKeys(config.writeback),
    staffMail,
    apiClients,
    apiIdempotency,
    audit,
    forces,
    serviceIncidents,
    staff,
    sessions,
    citizenSessions,
    push,
  }
  return {
    name: 'platform',
    services,
    forceIds,
    jobs: [auditForwardingJob, forgetIdempotencyKeysJob(apiIdempotency, clock)],
    readiness: [{ name: 'siem', check: async () => ({ backlog: await auditForwarding.backlog() }) }],
    routes: async (http) => {
      registerSignInRoutes(http, {
        config,
        sessions,
        audit,
        signIn,
        sso,
      })
      registerSetUpRoutes(http, { config, links: setUpLinks, sessions, audit })
      // User administration (CP-44, CP-45, CP-46, CP-152).
      registerUserAdminRoutes(http, {
        forces,
        ssoEnabled: sso.enabled,
        administration: new StaffAdministration({
          staff,
          audit,
          sessions,
          clock,
          forceExists: async (id) => (await forceIds()).includes(id),
          setUpLinks,
        }),
      })
      registerConsoleRoutes(http, services, deps.attention)
      registerApprovalRoutes(http, approvals)
      await registerPushRoutes(http, push)
      registerCitizenAccountRoutes(http, citizenSessions, deps.citizenSignIn)
      registerForceRoutes(http, services)
      registerSharingRoutes(http, services)
      registerStatementRoutes(http, services)
      registerAuditRoutes(http, services)
      registerServiceStatusRoutes(http, services)
      const provisioning = new ProvisioningService(new ProvisioningRepository(db), {
        staff,
        sessions,
        audit,
        clock,
      })
      registerApiRoutes(http, { apiClients, provisioning, forces, audit })
    },
    attention: [
      {
        id: 'approvals',
        title: 'Changes waiting for approval',
        order: 5,
        access: { staff: ['force_admin', 'journey_designer'] },
        lines: async (forceId) => [
          countLine(
            'Journey and template changes waiting for a second person',
            '/console/approvals',
            await approvals.pendingCount(forceId, attentionCap),
          ),
        ],
      },
    ],
    navigation: [
      {
        text: 'Approvals',
        href: '/console/approvals',
        roles: ['force_admin', 'journey_designer'],
        group: 'settings',
      },
      { text: 'Users', href: '/console/users', roles: ['system_admin', 'force_admin'], group: 'admin' },
      { text: 'Forces', href: '/console/forces', roles: ['system_admin', 'force_admin'], group: 'admin' },
      { text: 'Sharing', href: '/console/sharing-agreements', roles: ['system_admin'], group: 'admin' },
      {
        text: 'API clients',
        href: '/console/api-clients',
        roles: ['system_admin', 'force_admin'],
        group: 'admin',
      },
      { text: 'Audit', href: '/console/audit', roles: ['system_admin', 'auditor'], group: 'admin' },
      {
        text: 'Service status',
        href: '/console/service-status',
        roles: ['system_admin', 'service_support', 'force_admin'],
        group: 'admin',
      },
    ],
    start: () => push.start(),
    stop: () => push.stop(),
  }
}
