// The officer console as a module (decision 0028): officers' "My cases" with their portal
// conversations, supervisors' team view and escalations, the SLA report, and the job that
// escalates unanswered messages. Product `portal`: a force without the Portal neither sees nor
// serves these pages. It builds on conversations (ConversationService), the Portal's messages
// (PortalMessageService), cases, the write-back outbox and the platform's staff mail.
import type { CaseService } from '../cases/service.ts'
import type { ConversationService } from '../messaging/conversations/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { StaffMail } from '../platform/auth/staff-mail.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Database } from '../platform/db/database.ts'
import type { Logger } from '../platform/logger.ts'
import type { Module } from '../platform/modules.ts'
import type { PushService } from '../platform/push/push-service.ts'
import type { PortalMessageService } from '../portal/message-service.ts'
import type { WritebackService } from '../writeback/service.ts'
import type { OfficerHelp } from './help.ts'
import { escalateOverdueJob } from './jobs.ts'
import { OfficerRepository } from './repository.ts'
import {
  officerCasesTopic,
  officerRoles,
  registerOfficerRoutes,
  settingsEditors,
  slaReaders,
  supervisorRoles,
} from './routes.ts'
import { OfficerConsoleService } from './service.ts'

export interface OfficerServices {
  officers: OfficerConsoleService
}

export function createOfficers(deps: {
  config: Config
  db: Database
  clock: Clock
  audit: AuditService
  log: Logger
  conversations: ConversationService
  messages: PortalMessageService
  cases: CaseService
  writeback: WritebackService
  mail: StaffMail
  forceIds: () => Promise<string[]>
  /** Assist's help on a conversation (CP-89, CP-93, CP-121), built after this module. */
  help?: () => OfficerHelp
  /** Live push: "My cases" follows its officer's conversations (topic `officer-cases`, key: the staff id). */
  push?: PushService
}): Module<OfficerServices> {
  const officers = new OfficerConsoleService({
    db: deps.db,
    repo: new OfficerRepository(),
    clock: deps.clock,
    audit: deps.audit,
    conversations: deps.conversations,
    messages: deps.messages,
    cases: deps.cases,
    writeback: deps.writeback,
    mail: deps.mail,
    publicUrl: deps.config.http.publicUrl,
    log: deps.log.child({ component: 'officers' }),
  })
  // CP-88: the officer hears of each message a person writes in the Portal.
  deps.messages.onCitizenMessage((tx, message) => officers.notifyOfficer(tx, message))
  // "My cases" updates while open: each change of a portal conversation (a message from the
  // person, a message read, answered or changed) is published, after it commits, to the staff
  // whose collar number is the case's officer's, and only they may follow their own key.
  const push = deps.push
  if (push) {
    push.defineTopic({
      name: officerCasesTopic,
      staff: officerRoles,
      staffKey: (staff, key) => key === staff.id,
    })
    deps.conversations.onChanged(async (tx, forceId, conversationId) => {
      for (const staffId of await officers.staffOfConversation(tx, conversationId))
        await push.publish(
          { forceId, topic: officerCasesTopic, key: staffId, ids: { conversation: conversationId } },
          tx,
        )
    })
  }
  return {
    name: 'officers',
    services: { officers },
    jobs: [
      escalateOverdueJob(async () => {
        let raised = 0
        for (const forceId of await deps.forceIds()) raised += await officers.escalateOverdue(forceId)
        return raised
      }),
    ],
    routes: (http) =>
      registerOfficerRoutes(http, {
        officers,
        messages: deps.messages,
        audit: deps.audit,
        clock: deps.clock,
        ...(deps.help ? { help: deps.help } : {}),
      }),
    navigation: [
      { text: 'My cases', href: '/console/officers', roles: officerRoles, group: 'portal', forceOnly: true },
      {
        text: 'Team and escalations',
        href: '/console/officers/team',
        roles: supervisorRoles,
        group: 'portal',
        forceOnly: true,
      },
      {
        text: 'Message response times',
        href: '/console/officers/sla',
        roles: slaReaders,
        group: 'portal',
        forceOnly: true,
      },
      {
        text: 'Message settings',
        href: '/console/officers/settings',
        roles: settingsEditors,
        group: 'portal',
        forceOnly: true,
      },
    ],
  }
}
