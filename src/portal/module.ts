// The Portal (LOT 2) as a module of product 'portal' (decision 0023): citizen accounts across
// forces, invitations and their reminders, the built-in sign-in, the citizen's dashboard and case
// pages, and the force's side in the console (account status on case and person pages, inviting).
// It builds on cases (read through CaseService), messaging (templates, channels, quiet hours and
// opt-outs through its scheduling service), journeys' conditions and case snapshots, citizen
// sessions and audit; it owns only its own tables.
import type { FastifyRequest } from 'fastify'
import type { CaseService } from '../cases/service.ts'
import type { CaseReader } from '../journeys/snapshot.ts'
import type { ConversationService } from '../messaging/conversations/service.ts'
import type { MessagingServices } from '../messaging/messaging-services.ts'
import type { ApprovalService } from '../platform/approvals/approval-service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { TotpSecretVault } from '../platform/auth/totp-secrets.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import type { CitizenSessions } from '../platform/http/citizen-sessions.ts'
import type { Module } from '../platform/modules.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { JobQueue } from '../platform/jobs.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import type { Locale } from '../platform/i18n/i18n.ts'
import type { Force } from '../platform/tenancy/force-repository.ts'
import type { WritebackService } from '../writeback/service.ts'
import { AccountRepository } from './account-repository.ts'
import { createPortalApi } from './api/portal-api.ts'
import type { OfficerReply, PortalApiService, StaffLookup } from './api/service.ts'
import { type WebhookService, webhookSecretContext } from './api/webhook-service.ts'
import { AccountService } from './account-service.ts'
import { CitizenCaseService } from './case-view-service.ts'
import { registerPortalCitizenRoutes } from './citizen-routes.ts'
import { ContentRepository } from './content-repository.ts'
import { contentEditors, registerPortalContentRoutes, usageReaders } from './content-routes.ts'
import { PortalContentService } from './content-service.ts'
import { InvitationService } from './invitation-service.ts'
import { registerAccountSettingsRoutes } from './account-settings-routes.ts'
import { NotificationRepository } from './notification-repository.ts'
import { registerNotificationSettingsRoutes } from './notification-routes.ts'
import { type CaseNotice, NotificationService } from './notification-service.ts'
import { OneLoginRepository } from './one-login-repository.ts'
import { oneLoginRegistration, registerOneLoginRoutes } from './one-login-routes.ts'
import { OneLoginService, sealContext as oneLoginKeyContext } from './one-login-service.ts'
import { registerPasswordResetRoutes } from './password-reset-routes.ts'
import { portalPageLanguage, registerLanguageRoutes } from './language.ts'
import { type CaseNoteWriter, ProfileService } from './profile-service.ts'
import { MessageSettingsRepository } from './message-repository.ts'
import { PortalMessageService } from './message-service.ts'
import { registerPortalMessageRoutes } from './message-routes.ts'
import { portalChallengeSweepJob, portalReminderJob } from './jobs.ts'
import { PortalRepository } from './repository.ts'
import { portalStandingForPage, registerPortalStaffRoutes } from './staff-routes.ts'
import { installPortalTemplates } from './templates.ts'

export interface PortalServices {
  portal: {
    invitations: InvitationService
    accounts: AccountService
    cases: CitizenCaseService
    profiles: ProfileService
    oneLogin: OneLoginService
    /** The national front-end's API (decision 0029). */
    api: PortalApiService
    /** Portal events to iHub, signed, retried and replayable (CP-163). */
    webhooks: WebhookService
    /** Two-way messages with the investigating officer, the person's side (decision 0028). */
    messages: PortalMessageService
    /** The force's words on its Portal pages, feedback and usage (decision 0035). */
    content: PortalContentService
    /** Which case updates are told, how soon, and what is shown (decision 0036). */
    notifications: NotificationService
    /** Adds the portal's message templates a force does not have yet. */
    installDefaults(forceId: string): Promise<number>
    /** The language of a citizen page, Welsh or English (CP-155, decision 0057). */
    pageLanguage(request: FastifyRequest): Promise<Locale>
  }
}

export function createPortal(deps: {
  config: Config
  db: Database
  clock: Clock
  audit: AuditService
  cases: CaseService
  messaging: MessagingServices
  conversations: ConversationService
  writeback: WritebackService
  /** Case snapshots as journeys read them, so eligibility uses the same facts (journeys). */
  loadCase: CaseReader['loadCase']
  citizenSessions: CitizenSessions
  forceHasPortal: (forceId: string) => Promise<boolean>
  /** A force's name, from the process's cache of forces (forgotten when the force is saved). */
  forceName: (forceId: string) => Promise<string | undefined>
  /** Seals each force's One Login private key and webhook secrets (the credential cipher). */
  cipher: CredentialKeys
  /** Where One Login and iHub's webhooks may be reached (decision 0016). */
  outbound: OutboundPolicy
  /** A note into a case's open CAD log and crime record (write-back; CP-30, CP-31). */
  writeCaseNote: CaseNoteWriter
  jobs: JobQueue
  /** The current API version (CP-177). */
  apiVersion: string
  /** A member of staff by id (the platform's staff service), for replies through the API. */
  staffMember: StaffLookup
  /** The officer console's reply (src/officers, built after the Portal). */
  officerReply: () => OfficerReply
  /** Second-person approval of changes to the Portal's words (CP-186). */
  approvals: ApprovalService
  /** The force in its branding, when it runs the Portal. */
  portalForce: (forceId: string) => Promise<Force | undefined>
}): Module<PortalServices> & { standing: ReturnType<typeof portalStandingForPage> } {
  const repo = new PortalRepository()
  const accountRepo = new AccountRepository()
  const portalApi = createPortalApi({
    db: deps.db,
    clock: deps.clock,
    audit: deps.audit,
    jobs: deps.jobs,
    outbound: deps.outbound,
    cipher: deps.cipher,
    version: deps.apiVersion,
  })
  // Case updates told to accounts as each force chose (decision 0036).
  const notifications = new NotificationService({
    db: deps.db,
    repo: new NotificationRepository(),
    portal: repo,
    clock: deps.clock,
    audit: deps.audit,
    scheduling: deps.messaging.scheduling,
    loadCase: deps.loadCase,
    publicUrl: deps.config.http.publicUrl,
  })
  const notify = (tx: Tx, notice: CaseNotice) => notifications.notify(tx, notice)
  const invitations = new InvitationService({
    events: portalApi.events,
    notify,
    db: deps.db,
    repo,
    clock: deps.clock,
    audit: deps.audit,
    scheduling: deps.messaging.scheduling,
    loadCase: deps.loadCase,
    publicUrl: deps.config.http.publicUrl,
  })
  const profiles = new ProfileService({
    db: deps.db,
    accounts: accountRepo,
    portal: repo,
    clock: deps.clock,
    audit: deps.audit,
    scheduling: deps.messaging.scheduling,
    writeNote: deps.writeCaseNote,
    publicUrl: deps.config.http.publicUrl,
    forgetCitizen: (provider, subject) => deps.citizenSessions.forget(provider, subject),
    endSessions: (provider, subject) => deps.citizenSessions.endSessions(provider, subject),
  })
  const oneLogin = new OneLoginService({
    db: deps.db,
    repo: new OneLoginRepository(),
    cipher: deps.cipher,
    outbound: deps.outbound,
    clock: deps.clock,
    audit: deps.audit,
    publicUrl: deps.config.http.publicUrl,
    allowHttp: deps.config.environment !== 'production',
  })
  const accounts = new AccountService({
    events: portalApi.events,
    db: deps.db,
    accounts: accountRepo,
    portal: repo,
    clock: deps.clock,
    audit: deps.audit,
    scheduling: deps.messaging.scheduling,
    vault: new TotpSecretVault(deps.config.totpSecretKey, deps.config.totpSecretKeyPrevious),
    login: deps.config.login,
    detailsChanged: (tx, account, changes, source) => profiles.detailsChanged(tx, account, changes, source),
    passwordChanged: (tx, account) => profiles.passwordChanged(tx, account),
  })
  // A new case for someone who already has an account is linked to it, with a notification (CP-50a, CP-50b).
  deps.cases.onChange((tx, events) => invitations.onCaseEvents(tx, events))
  // A status change, a closed case or a new officer is told to the accounts linked (CP-62, CP-63).
  deps.cases.onChange((tx, events) => notifications.onCaseEvents(tx, events))
  // Changes a person is shown on their case reach iHub as `case.updated` (CP-163).
  deps.cases.onChange((tx, events) => portalApi.webhooks.onCaseEvents(tx, repo, events))
  const cases = new CitizenCaseService({
    db: deps.db,
    repo,
    cases: deps.cases,
    audit: deps.audit,
    forceName: deps.forceName,
    shownFields: (forceId) => notifications.shownOf(forceId),
  })
  const messages = new PortalMessageService({
    db: deps.db,
    clock: deps.clock,
    audit: deps.audit,
    cases,
    caseService: deps.cases,
    conversations: deps.conversations,
    writeback: deps.writeback,
    settings: new MessageSettingsRepository(),
    portal: repo,
    notify,
  })
  // Messages in both directions reach iHub as webhooks (CP-163): ids only, never their text.
  messages.onCitizenMessage(async (tx, m) => {
    await portalApi.events(tx, {
      type: 'message.received',
      forceId: m.forceId,
      data: { caseId: m.caseId, conversationId: m.conversationId, messageId: m.messageId },
    })
  })
  messages.onReply((tx, r) =>
    portalApi.events(tx, {
      type: 'message.replied',
      forceId: r.forceId,
      data: { caseId: r.caseId, personId: r.personId },
    }),
  )
  const { api, routes: apiRoutes } = portalApi.build({
    portal: repo,
    accountRows: accountRepo,
    accounts,
    invitations,
    cases,
    messages,
    staff: deps.staffMember,
    officerReply: deps.officerReply,
  })
  const content = new PortalContentService({
    db: deps.db,
    repo: new ContentRepository(),
    clock: deps.clock,
    audit: deps.audit,
    approvals: deps.approvals,
    force: async (forceId) => {
      const force = await deps.portalForce(forceId)
      if (!force) return undefined
      const settings = (force.settings ?? {}) as { contactPhone?: string; replyToEmail?: string }
      return {
        name: force.branding.displayName ?? force.name,
        phone: settings.contactPhone,
        email: settings.replyToEmail,
      }
    },
  })
  deps.approvals.defineKind({
    kind: 'portal-content',
    noun: 'Portal page',
    approvers: contentEditors,
    href: (key) => `/console/portal/content/${key}`,
    apply: (tx, request, approver) => content.applyApproved(tx, request, approver),
  })
  const pageLanguage = portalPageLanguage({ accounts, content })
  const installDefaults = (forceId: string) =>
    deps.db.withForce(forceId, (tx) => installPortalTemplates(tx, deps.messaging.templates, forceId))
  return {
    name: 'portal',
    // After a change of TOTP_ENCRYPTION_KEY, citizens' authenticator secrets are sealed under the
    // new key before anyone signs in, as staff's are (decision 0049).
    start: async () => {
      await accounts.sealTotpSecretsUnderCurrentKey()
    },
    // One Login private keys and webhook secrets, sealed again when the credential key changes.
    sealedCredentials: [
      {
        kind: 'one-login-key',
        keys: deps.cipher,
        table: 'portal_one_login_settings',
        column: 'private_key_sealed',
        id: 'force_id',
        context: (row) => oneLoginKeyContext(row.forceId),
      },
      {
        kind: 'portal-webhook-secret',
        keys: deps.cipher,
        table: 'portal_webhooks',
        column: 'secret_sealed',
        id: 'id',
        context: (row) => webhookSecretContext(row.id),
      },
    ],
    services: {
      portal: {
        invitations,
        accounts,
        cases,
        profiles,
        oneLogin,
        api,
        webhooks: portalApi.webhooks,
        messages,
        content,
        notifications,
        installDefaults,
        pageLanguage,
      },
    },
    standing: portalStandingForPage({ invitations, forceHasPortal: deps.forceHasPortal }),
    jobs: [
      portalApi.job,
      portalReminderJob(invitations),
      portalChallengeSweepJob(() =>
        deps.db.asSystem((tx) => accountRepo.removeExpiredChallenges(tx, deps.clock.now())),
      ),
    ],
    routes: (http) => {
      apiRoutes(http)
      const oneLoginRoutes = {
        oneLogin,
        accounts,
        invitations,
        citizenSessions: deps.citizenSessions,
        secureCookie: deps.config.session.secureCookie,
        publicUrl: deps.config.http.publicUrl,
      }
      registerPortalStaffRoutes(http, { invitations, repo, db: deps.db })
      registerPortalMessageRoutes(http, { accounts, messages })
      registerPortalCitizenRoutes(http, {
        oneLoginRegistration: oneLoginRegistration(oneLoginRoutes),
        accounts,
        invitations,
        cases,
        content,
        citizenSessions: deps.citizenSessions,
        secureCookie: deps.config.session.secureCookie,
        clock: deps.clock,
        pageLanguage,
      })
      registerNotificationSettingsRoutes(http, { notifications })
      registerPortalContentRoutes(http, {
        content,
        portalForce: deps.portalForce,
        pageLanguage,
        clock: deps.clock,
      })
      registerOneLoginRoutes(http, oneLoginRoutes)
      registerAccountSettingsRoutes(http, {
        accounts,
        profiles,
        citizenSessions: deps.citizenSessions,
        secureCookie: deps.config.session.secureCookie,
      })
      registerPasswordResetRoutes(http, { accounts, secureCookie: deps.config.session.secureCookie })
      registerLanguageRoutes(http, { accounts, profiles, secureCookie: deps.config.session.secureCookie })
    },
    navigation: [
      {
        text: 'Portal pages',
        href: '/console/portal/content',
        roles: [...contentEditors],
        group: 'portal',
        forceOnly: true,
      },
      {
        text: 'Portal usage and satisfaction',
        href: '/console/portal/usage',
        roles: [...usageReaders],
        group: 'portal',
        forceOnly: true,
      },
      {
        text: 'Case notifications',
        href: '/console/portal/notifications',
        roles: ['force_admin'],
        group: 'portal',
        forceOnly: true,
      },
      {
        text: 'GOV.UK One Login',
        href: '/console/portal/one-login',
        roles: ['force_admin'],
        group: 'portal',
      },
      {
        text: 'Webhooks',
        href: '/console/portal/webhooks',
        roles: ['force_admin'],
        group: 'portal',
        forceOnly: true,
      },
      {
        text: 'Invitations',
        href: '/console/portal/invitations',
        roles: ['investigating_officer', 'supervisor', 'contact_handler', 'force_admin'],
        group: 'portal',
      },
    ],
  }
}
