// Contact (LOT 3) as a module of product 'contact': the contact-centre overlay on the force's CAD
// and RMS. It builds on cases (people with provenance, read through CaseService), conversations
// (every contact is one), the write-back outbox (corrections go back to the sources), push and
// audit; it owns only its own tables (src/contact/migrations).
import type { CaseService } from '../cases/service.ts'
import type { ConversationService } from '../messaging/conversations/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import type { StaffMail } from '../platform/auth/staff-mail.ts'
import type { Logger } from '../platform/logger.ts'
import type { Module, NavigationEntry } from '../platform/modules.ts'
import type { PushService } from '../platform/push/push-service.ts'
import type { WritebackService } from '../writeback/service.ts'
import type { DirectMessageService } from '../messaging/direct-message-service.ts'
import { ChatService, type FirstResponderFor } from './chat.ts'
import { ChatRepository } from './chat-repository.ts'
import { ChatStartLimit } from './chat-start-limit.ts'
import { type ChatForce, registerChatRoutes } from './chat-routes.ts'
import { QueueService, queueTopic } from './queue.ts'
import { QueueRepository } from './queue-repository.ts'
import { registerQueueRoutes } from './queue-routes.ts'
import { ContactRepository } from './repository.ts'
import { ThriveService } from './thrive.ts'
import { SingleViewService } from './single-view.ts'
import { contactStaff, registerSingleViewRoutes } from './single-view-routes.ts'
import { contactReaders, registerMiRoutes } from './mi-routes.ts'
import { ContactMi } from './mi.ts'
import { OutcomesReport } from './outcomes.ts'
import { ScriptService } from './scripts.ts'
import { registerScriptRoutes, scriptDesigners } from './scripts-routes.ts'
import { suggestByRules, ThriveRules } from './thrive-rules.ts'
import { registerThriveRuleRoutes } from './thrive-rules-routes.ts'
import { WallboardService } from './wallboard.ts'
import { registerWallboardRoutes } from './wallboard-routes.ts'
import { ContactRecordService } from './contact-record.ts'
import { AgentToolsService, CannedResponsesService, ContactLabelsService } from './agent-tools.ts'
import { registerAgentToolsRoutes } from './agent-tools-routes.ts'
import { DutiesService } from './duties.ts'
import { DutiesRepository } from './duties-repository.ts'
import { dutiesReaders, registerDutiesRoutes } from './duties-routes.ts'
import { QaService, qaSampleJob } from './qa.ts'
import { QaRepository } from './qa-repository.ts'
import { qaEditors, qaReviewers, registerQaRoutes } from './qa-routes.ts'
import { TeamsService } from './teams.ts'
import { registerTeamRoutes, teamEditors } from './teams-routes.ts'
import { ReportBuilder, reportBuilders, reportScheduleJob, SavedReports } from './report-builder.ts'
import { registerReportBuilderRoutes } from './report-builder-routes.ts'

export interface ContactServices {
  contact: {
    singleView: SingleViewService
    queue: QueueService
    thrive: ThriveService
    wallboard: WallboardService
    outcomes: OutcomesReport
    chat: ChatService
    scripts: ScriptService
    thriveRules: ThriveRules
    mi: ContactMi
    tools: AgentToolsService
    canned: CannedResponsesService
    labels: ContactLabelsService
    qa: QaService
    /** Teams of handlers (decision 0047). */
    teams: TeamsService
    /** Bespoke reports and the force's saved, scheduled reports (decision 0054). */
    reportBuilder: ReportBuilder
    savedReports: SavedReports
    duties: DutiesService
    /** A contact as a form prepared from it reads it (Assist's standard forms, CRM-20). */
    record: ContactRecordService
  }
}

export function createContact(deps: {
  db: Database
  clock: Clock
  audit: AuditService
  cases: CaseService
  writeback: WritebackService
  /** Every message a person sends puts their conversation in the queue. */
  conversations: ConversationService
  push?: PushService
  /** The forces, for the hourly choice of contacts to review (none by default). */
  forceIds?: () => Promise<string[]>
  /** Web chat: the forces (name, products), email for transcripts, and a first responder (none by default). */
  chat: {
    force(id: string): Promise<ChatForce | undefined>
    direct?: () => DirectMessageService | undefined
    firstResponder?: FirstResponderFor
    production: boolean
  }
  /** A person's automated summary on the single view (Assist, built after this module; CRM-11). */
  personSummary?: (forceId: string, personId: string) => Promise<unknown>
  /** The standard forms a handler may prepare from a contact, as links (Assist, built after; CRM-20). */
  contactForms?: (forceId: string, itemId: string) => Promise<{ text: string; href: string }[]>
  /** The automated transcripts of a contact's call recordings (Assist, built after this module; CRM-22). */
  callSpeech?: (forceId: string, itemId: string) => Promise<unknown[]>
  /** Scheduled reports (decision 0054): email to staff, the address links point at, and whether a force has Contact. */
  reports?: {
    mail: StaffMail
    publicUrl: string
    hasContact: (forceId: string) => Promise<boolean>
    log?: Logger
  }
}): Module<ContactServices> {
  const repo = new ContactRepository()
  const singleView = new SingleViewService({
    db: deps.db,
    repo,
    cases: deps.cases,
    audit: deps.audit,
    clock: deps.clock,
    writeback: deps.writeback,
  })
  deps.push?.defineTopic({ name: queueTopic, staff: contactStaff })
  const queueRepo = new QueueRepository()
  const dutiesRepo = new DutiesRepository()
  const onDuty = (tx: Tx, at: Date) => dutiesRepo.onDuty(tx, at)
  const queue = new QueueService({
    db: deps.db,
    repo: queueRepo,
    clock: deps.clock,
    audit: deps.audit,
    ...(deps.push ? { push: deps.push } : {}),
    onDuty,
  })
  const duties = new DutiesService({ db: deps.db, repo: dutiesRepo, clock: deps.clock, audit: deps.audit })
  const thriveRules = new ThriveRules({ db: deps.db, clock: deps.clock, audit: deps.audit })
  const thrive = new ThriveService({
    suggest: async (tx, ratings, markers) => {
      const set = await thriveRules.currentIn(tx)
      return set.version ? suggestByRules(set, ratings, markers) : undefined
    },
    db: deps.db,
    repo: queueRepo,
    clock: deps.clock,
    audit: deps.audit,
    ...(deps.push ? { push: deps.push } : {}),
  })
  const wallboard = new WallboardService({ db: deps.db, clock: deps.clock, onDuty })
  const outcomes = new OutcomesReport({ db: deps.db, clock: deps.clock })
  const chat = new ChatService({
    db: deps.db,
    repo: new ChatRepository(),
    clock: deps.clock,
    audit: deps.audit,
    conversations: deps.conversations,
    queue,
    ...(deps.chat.direct ? { direct: deps.chat.direct } : {}),
    ...(deps.chat.firstResponder ? { firstResponder: deps.chat.firstResponder } : {}),
    allowHttpOrigins: !deps.chat.production,
  })
  const mi = new ContactMi({ db: deps.db, clock: deps.clock })
  const scripts = new ScriptService({ db: deps.db, clock: deps.clock, audit: deps.audit })
  const tools = new AgentToolsService({ db: deps.db, clock: deps.clock, audit: deps.audit })
  const canned = new CannedResponsesService({ db: deps.db, clock: deps.clock, audit: deps.audit })
  const labels = new ContactLabelsService({ db: deps.db, clock: deps.clock, audit: deps.audit })
  const qa = new QaService({
    db: deps.db,
    repo: new QaRepository(),
    queueRepo,
    clock: deps.clock,
    audit: deps.audit,
  })
  const teams = new TeamsService({ db: deps.db, clock: deps.clock, audit: deps.audit })
  const reportBuilder = new ReportBuilder({ db: deps.db, clock: deps.clock })
  const savedReports = new SavedReports({
    db: deps.db,
    clock: deps.clock,
    audit: deps.audit,
    builder: reportBuilder,
    ...(deps.reports
      ? {
          mail: deps.reports.mail,
          publicUrl: deps.reports.publicUrl,
          hasContact: deps.reports.hasContact,
          ...(deps.reports.log ? { log: deps.reports.log } : {}),
        }
      : {}),
  })
  deps.conversations.onReceived(async (tx, event) => {
    // A social media message is written and answered as a web chat is: handlers with the chat
    // skill take it (CRM-8).
    await queue.enqueue(tx, event.channel === 'social' ? { ...event, skill: 'chat' } : event)
  })
  return {
    name: 'contact',
    services: {
      contact: {
        singleView,
        queue,
        thrive,
        wallboard,
        outcomes,
        chat,
        scripts,
        thriveRules,
        mi,
        tools,
        canned,
        labels,
        qa,
        teams,
        reportBuilder,
        savedReports,
        duties,
        record: new ContactRecordService({ db: deps.db }),
      },
    },
    // CRM-23: each hour, this week's and last week's contacts are chosen for review.
    jobs: [
      qaSampleJob(async () => {
        for (const forceId of (await deps.forceIds?.()) ?? []) await qa.sample(forceId)
      }),
      // CRM-30: each minute, the saved reports whose time has come are emailed, once per slot.
      reportScheduleJob(() => savedReports.sendDue()),
    ],
    routes: async (http) => {
      registerSingleViewRoutes(http, {
        singleView,
        cases: deps.cases,
        audit: deps.audit,
        ...(deps.personSummary ? { summary: deps.personSummary } : {}),
      })
      registerQueueRoutes(http, {
        queue,
        thrive,
        audit: deps.audit,
        now: () => deps.clock.now(),
        notices: (forceId, staffId) => tools.notices(forceId, staffId),
        labels,
        teamOf: (forceId) => teams.teamOf(forceId),
        ...(deps.contactForms ? { forms: deps.contactForms } : {}),
        ...(deps.callSpeech ? { speech: deps.callSpeech } : {}),
      })
      registerAgentToolsRoutes(http, { tools, canned, labels, queue, audit: deps.audit })
      registerWallboardRoutes(http, { wallboard, teams, ...(deps.push ? { push: deps.push } : {}) })
      registerMiRoutes(http, { outcomes, mi, duties, teams })
      registerScriptRoutes(http, { scripts, audit: deps.audit })
      registerThriveRuleRoutes(http, { thriveRules })
      registerQaRoutes(http, { qa, labels, audit: deps.audit, teams })
      registerTeamRoutes(http, { teams })
      registerReportBuilderRoutes(http, { builder: reportBuilder, saved: savedReports, teams })
      await registerDutiesRoutes(http, { duties, queue })
      await registerChatRoutes(http, {
        chat,
        conversations: deps.conversations,
        audit: deps.audit,
        ...(deps.push ? { push: deps.push } : {}),
        force: deps.chat.force,
        production: deps.chat.production,
        startLimit: new ChatStartLimit({ db: deps.db, clock: deps.clock }),
      })
    },
    navigation: [
      {
        text: 'Queue',
        href: '/console/contact/queue',
        roles: contactStaff,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Wallboard',
        href: '/console/contact/wallboard',
        roles: contactStaff,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Teams',
        href: '/console/contact/teams',
        roles: teamEditors,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Duty rosters',
        href: '/console/contact/duties',
        roles: dutiesReaders,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Scripts',
        href: '/console/contact/scripts',
        roles: scriptDesigners,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'THRIVE rules',
        href: '/console/contact/thrive-rules',
        roles: scriptDesigners,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Contact reports',
        href: '/console/contact/reports',
        roles: contactReaders,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Report builder',
        href: '/console/contact/reports/builder',
        roles: reportBuilders,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Find a person',
        href: '/console/contact/people',
        roles: contactStaff,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Discrepancies',
        href: '/console/contact/discrepancies',
        roles: contactStaff,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Quality reviews',
        href: '/console/contact/qa/reviews',
        roles: qaReviewers,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Quality scorecard',
        href: '/console/contact/qa/scorecard',
        roles: qaEditors,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Quality report',
        href: '/console/contact/qa/report',
        roles: contactReaders,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'My quality reviews',
        href: '/console/contact/qa/mine',
        roles: ['contact_handler'] as const,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Contact labels',
        href: '/console/contact/labels',
        roles: ['contact_supervisor'] as const,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Canned responses',
        href: '/console/contact/canned-responses',
        roles: ['contact_supervisor'] as const,
        group: 'contact',
        forceOnly: true,
      },
      ...chatNavigation,
    ],
  }
}

const chatNavigation: NavigationEntry[] = [
  {
    text: 'Web chat report',
    href: '/console/contact/chat/report',
    roles: ['contact_supervisor', 'force_admin'] as const,
    group: 'contact',
    forceOnly: true,
  },
  {
    text: 'Web chat settings',
    href: '/console/contact/chat/settings',
    roles: ['force_admin'] as const,
    group: 'contact',
    forceOnly: true,
  },
]
