// The Journeys capability as a module: repository, services, the case-event listener, jobs, the
// default journeys (with their message templates) for each force, the console pages (journeys,
// the no-code designer, the safe-contact policy) and their navigation entries.
import type { CaseService } from '../cases/service.ts'
import type { MessagingServices } from '../messaging/messaging-services.ts'
import type { ApprovalService } from '../platform/approvals/approval-service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import type { JobQueue } from '../platform/jobs.ts'
import type { Module } from '../platform/modules.ts'
import { CaseServiceReader } from './case-reader.ts'
import { CaseMessages } from './case-messages.ts'
import { registerCaseMessageRoutes } from './case-messages-routes.ts'
import { registerContactPolicyRoutes } from './contact-policy-routes.ts'
import { defaultTemplates } from './default-journeys.ts'
import { registerDesignerPublishRoutes } from './designer-publish-routes.ts'
import { registerDesignerRoutes } from './designer-routes.ts'
import { DesignerService } from './designer-service.ts'
import { EnrolmentService } from './enrolment-service.ts'
import { personalisationFor } from './message-fields.ts'
import { MessagingScheduler } from './messaging-adapter.ts'
import { OfficerChangeNotices } from './officer-change.ts'
import { JourneyRepository } from './repository.ts'
import { registerJourneyRoutes } from './routes.ts'
import type { PortalInviter } from './ports.ts'
import { JourneyService } from './service.ts'
import type { CaseReader } from './snapshot.ts'

export interface JourneyDependencies {
  db: Database
  clock: Clock
  audit: AuditService
  jobs: JobQueue
  cases: CaseService
  messaging: MessagingServices
  publicUrl: string
  /** The Portal (built after this module): portal-invitation steps invite through it. */
  portal?: () => PortalInviter | undefined
  approvals: ApprovalService
  /** The crime types the force's mapping profiles translate source codes to (from Sources). */
  mappedCrimeTypes?: (forceId: string) => Promise<string[]>
}

export function createJourneys(d: JourneyDependencies): Module<{
  journeys: JourneyService
  enrolments: EnrolmentService
}> & {
  designer: DesignerService
  caseMessages: CaseMessages
  /** Case snapshots as the engine reads them, for rules written in the conditions language. */
  caseReader: CaseReader
} {
  const repo = new JourneyRepository(d.db)
  const scheduler = new MessagingScheduler(d.messaging)
  const service = new JourneyService(d.db, repo, d.clock, d.audit, (tx, forceId) =>
    scheduler.installTemplates(tx, forceId, defaultTemplates),
  )
  const caseReader = new CaseServiceReader(d.cases, repo, () => scheduler)
  const enrolments = new EnrolmentService({
    db: d.db,
    repo,
    clock: d.clock,
    audit: d.audit,
    journeys: service,
    cases: caseReader,
    queue: d.jobs,
    messages: () => scheduler,
    publicUrl: d.publicUrl,
    portal: d.portal,
    // Issue 5 item 5: another investigating officer means new officer details, never stale ones.
    officerChanges: new OfficerChangeNotices({
      repo,
      messaging: d.messaging,
      audit: d.audit,
      clock: d.clock,
      personalisation: (snapshot) => personalisationFor(snapshot, d.publicUrl),
    }),
  })
  d.cases.onChange((tx, events) => enrolments.onCaseEvents(tx, events))

  // The no-code designer (UJ-18): its dry run lists and reads cases through the case service.
  const designer = new DesignerService({
    db: d.db,
    journeys: service,
    messaging: d.messaging,
    audit: d.audit,
    clock: d.clock,
    cases: caseReader,
    caseListing: d.cases,
    publicUrl: d.publicUrl,
    approvals: d.approvals,
    mappedCrimeTypes: d.mappedCrimeTypes,
  })
  // Second-person approval of journey changes (issue 13 §7): what an approved change publishes.
  d.approvals.defineKind({
    kind: 'journey',
    noun: 'journey',
    approvers: ['journey_designer', 'force_admin'],
    href: (id) => `/console/journeys/designer/${id}`,
    apply: (tx, request, approver) =>
      designer.applyApproved(tx, request, { id: approver.id, ip: approver.ip }),
  })

  // From a case to its messages: what each person was sent, and the decision behind it.
  const caseMessages = new CaseMessages(d.db, repo, d.messaging)

  return {
    name: 'journeys',
    services: { journeys: service, enrolments },
    designer,
    caseMessages,
    caseReader,
    jobs: enrolments.jobs.all,
    routes: (http) => {
      registerJourneyRoutes(http, service, d.cases)
      // The no-code journey designer (UJ-18) and each force's safe-contact policy.
      registerDesignerRoutes(http, designer)
      registerDesignerPublishRoutes(http, designer)
      registerContactPolicyRoutes(http, service)
      registerCaseMessageRoutes(http, { caseMessages, cases: d.cases, audit: d.audit })
    },
    navigation: [
      {
        text: 'Journey definitions',
        href: '/console/journeys/definitions',
        roles: ['force_admin', 'journey_designer', 'analyst'],
        group: 'journeys',
      },
      {
        text: 'Inclusion rules',
        href: '/console/journeys/rules',
        roles: ['force_admin', 'journey_designer', 'analyst'],
        group: 'journeys',
      },
      {
        text: 'Journey designer',
        href: '/console/journeys/designer',
        roles: ['journey_designer', 'force_admin'],
        group: 'journeys',
      },
      {
        text: 'Safe-contact policy',
        href: '/console/journeys/contact-policy',
        roles: ['force_admin'],
        group: 'journeys',
      },
    ],
  }
}
