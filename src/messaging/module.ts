// The messaging capability as a module: templates, settings, channels, the dispatcher and its
// jobs, the wake-up that ties scheduling to dispatch, and conversations (two-way messages:
// inbound SMS and email, with the inbound email listener), with their console pages and
// navigation entries.
import type { ApprovalService } from '../platform/approvals/approval-service.ts'
import { TemplateChanges } from './template-changes.ts'
import type { Force } from '../platform/tenancy/force-repository.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { Database } from '../platform/db/database.ts'
import type { JobQueue } from '../platform/jobs.ts'
import type { Logger } from '../platform/logger.ts'
import { attentionCap, countLine } from '../platform/console/dashboard.ts'
import type { Module } from '../platform/modules.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import type { PushService } from '../platform/push/push-service.ts'
import { NotifyChannel, OutboxChannel, SmtpChannel } from './channels.ts'
import type { InboundEmailListener } from './conversations/inbound-email.ts'
import { createConversations } from './conversations/module.ts'
import type { ConversationService } from './conversations/service.ts'
import { conversationReaders } from './conversations/routes.ts'
import { MessageDispatcher, type SentMessageListener } from './dispatch.ts'
import { messagingJobs, wakeDispatchAt } from './jobs.ts'
import { NotifyKeys } from './notify-keys.ts'
import { outboxReaders, statusLabel } from './outbox-routes.ts'
import {
  createMessagingServices,
  type MessagingServices,
  messagingRepositories,
} from './messaging-services.ts'
import type { OptOutListener } from './opt-out-service.ts'
import { OutboxService } from './outbox-service.ts'
import { registerMessagingRoutes } from './routes.ts'
import { OptOutHistory } from './opt-out-history.ts'
import { personOptOutsPanel, registerOptOutRemovalRoutes } from './opt-out-routes.ts'
import type { TemplateEditing } from './template-service.ts'
import { UnsubscribeLinks } from './unsubscribe-links.ts'

/** What messaging offers the other capabilities: its services and conversations. */
export type MessagingModule = Module<{ messaging: MessagingServices; conversations: ConversationService }>

export function createMessaging(deps: {
  config: Config
  db: Database
  clock: Clock
  log: Logger
  jobs: JobQueue
  audit: AuditService
  push: PushService
  /** Write-back of each sent message to CAD or the RMS (UJ-9, UJ-10), wired by the app. */
  onSent?: SentMessageListener
  /** Write-back of each new opt-out to CAD or the RMS (UJ-6, UJ-9, UJ-10), wired by the app. */
  onOptedOut?: OptOutListener
  /** The placeholders and sample case the template editor previews with (from Journeys). */
  editing: TemplateEditing
  forceIds: () => Promise<string[]>
  /** A force's name and branding, for the public pages a message links to. */
  force?: (forceId: string) => Promise<Force>
  /** Second-person approval of template changes (issue 13 §7). */
  approvals: ApprovalService
  /** Where clamd may be reached, when attachments are also scanned by it. */
  outbound?: OutboundPolicy
  /** The installation's credential keys (the platform's), which seal the forces' Notify keys. */
  credentials: CredentialKeys
}): MessagingModule & {
  personOptOuts: ReturnType<typeof personOptOutsPanel>
  personMessages: ReturnType<typeof createConversations>['personMessages']
  inboundEmail: InboundEmailListener
} {
  const { config, db, clock, jobs } = deps
  const log = deps.log.child({ component: 'messaging' })
  const repositories = messagingRepositories(db)
  const links = new UnsubscribeLinks(
    config.messaging.linkSecret,
    config.http.publicUrl,
    config.messaging.linkSecretPrevious,
  )
  const services = createMessagingServices({
    repositories,
    clock,
    config: config.messaging,
    links,
    onOptedOut: deps.onOptedOut,
  })
  const notifyKeys = new NotifyKeys({
    db,
    repo: repositories.settings,
    keys: deps.credentials,
    configured: config.messaging.notify.apiKeys,
    notify: config.messaging.notify,
  })
  services.settings.useNotifyKeys(notifyKeys)
  const smtp = new SmtpChannel(config.messaging.smtp)
  const devOutbox = new OutboxChannel()
  services.devOutbox = devOutbox
  const notify = new NotifyChannel(config.messaging.notify, (forceId) => notifyKeys.accountFor(forceId))
  const dispatcher = new MessageDispatcher({
    db,
    repos: repositories,
    channels: [devOutbox, notify, smtp],
    clock,
    config: config.messaging,
    links,
    log,
    onSent: deps.onSent,
    wake: (tx, at) => services.scheduling.wakeDispatch(tx, at),
    // A reply's delivery shows on its conversation's open pages at once.
    onChanged: (tx, ids) => conversations.service.deliveryChanged(tx, ids),
  })
  const definitions = messagingJobs(dispatcher, jobs, clock)
  wakeDispatchAt(services.scheduling, db, jobs, definitions, clock, log)
  const outbox = new OutboxService(services, clock, config.messaging)
  // Conversations: inbound SMS and email land in them, beside the journeys' messages (CP-76).
  const conversations = createConversations({
    config,
    db,
    clock,
    audit: deps.audit,
    log: deps.log,
    smtp,
    direct: services.direct,
    optOuts: services.optOuts,
    forceIds: deps.forceIds,
    push: deps.push,
    jobs,
    ...(deps.outbound ? { outbound: deps.outbound } : {}),
  })
  // A person's opt-outs on the person page, and removing one with a reason (UJ-6).
  const optOutHistory = new OptOutHistory({ db, audit: deps.audit, clock })
  // Template saves and rollbacks wait for a second person when the force needs one (issue 13 §7).
  const templateChanges = new TemplateChanges({
    db,
    templates: services.templates,
    approvals: deps.approvals,
    audit: deps.audit,
    editing: deps.editing,
  })
  deps.approvals.defineKind({
    kind: 'template',
    noun: 'message template',
    approvers: ['journey_designer', 'force_admin'],
    href: (key) => `/console/templates/${key}`,
    apply: (tx, request, approver) => templateChanges.applyApproved(tx, request, approver),
  })
  const module: MessagingModule = {
    name: 'messaging',
    services: { messaging: services, conversations: conversations.service },
    // The forces' own Notify API keys, sealed again when the credential key changes.
    sealedCredentials: [
      {
        kind: 'notify-api-key',
        keys: notifyKeys.keys,
        table: 'messaging_settings',
        column: 'notify_api_key_sealed',
        id: 'force_id',
      },
    ],
    jobs: [
      definitions.dispatchDueMessages,
      definitions.dispatchNow,
      definitions.pollMessageReceipts,
      ...conversations.jobs,
    ],
    metrics: [dispatcher.rateLimitedCounter],
    routes: (http) => {
      registerMessagingRoutes(http, {
        config,
        db,
        messaging: services,
        outbox,
        dispatcher,
        links,
        notify,
        conversations: conversations.service,
        forceExists: async (id) => (await deps.forceIds()).includes(id),
        ...(deps.force ? { force: deps.force } : {}),
        audit: deps.audit,
        push: deps.push,
        editing: deps.editing,
        changes: templateChanges,
        approvals: deps.approvals,
      })
      conversations.registerRoutes(http)
      registerOptOutRemovalRoutes(http, { history: optOutHistory })
    },
    attention: [
      {
        id: 'messages',
        title: 'Messages not delivered',
        order: 10,
        access: { staff: outboxReaders },
        lines: async (forceId) =>
          (await services.scheduling.undeliveredCounts(forceId, attentionCap)).map((c) =>
            countLine(statusLabel(c.status), `/console/outbox?status=${c.status}`, c.count),
          ),
      },
      {
        id: 'conversations',
        title: 'Conversations',
        order: 11,
        access: { staff: conversationReaders },
        lines: async (forceId) => [
          countLine(
            'Conversations with unread messages',
            '/console/conversations',
            await conversations.service.unreadCount(forceId, attentionCap),
          ),
        ],
      },
    ],
    navigation: [
      {
        text: 'Outbox',
        href: '/console/outbox',
        roles: ['force_admin', 'journey_designer', 'supervisor', 'service_support'],
        group: 'work',
      },
      {
        text: 'Conversations',
        href: '/console/conversations',
        roles: [
          'investigating_officer',
          'supervisor',
          'contact_handler',
          'contact_supervisor',
          'force_admin',
        ],
        group: 'work',
      },
      {
        text: 'Opt-outs',
        href: '/console/opt-outs',
        roles: [
          'force_admin',
          'contact_handler',
          'contact_supervisor',
          'investigating_officer',
          'supervisor',
        ],
        group: 'work',
      },
      {
        text: 'Message templates',
        href: '/console/templates',
        roles: ['force_admin', 'journey_designer'],
        group: 'settings',
      },
      {
        text: 'Messaging settings',
        href: '/console/messaging-settings',
        roles: ['force_admin'],
        group: 'settings',
      },
    ],
    // The inbound email listener is started by `waypoint all`/`web` and closed first on stop
    // (App.inboundEmail); the SMTP channel's pooled connections close after the jobs stop.
    stop: () => smtp.close(),
  }
  return {
    ...module,
    /** For the person page: each contact detail's opt-out status and the history. */
    personOptOuts: personOptOutsPanel(optOutHistory),
    /** For the person page: the person's messages in both directions, each view audited. */
    personMessages: conversations.personMessages,
    /** The inbound email listener, started by `waypoint all`/`web` and closed first on stop. */
    inboundEmail: conversations.inboundEmail,
  }
}
