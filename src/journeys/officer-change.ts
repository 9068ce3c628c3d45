// When another investigating officer takes over a crime (issue 5 item 5), no victim is told the
// name of an officer who no longer has their case. Messages waiting to go about the case whose
// template names the officer are cancelled, with a reason staff read on the message and on the
// case's journey page. Where the victim's journey has such a step — one waiting to go, or one
// already sent while the journey still runs — the victim gets the new officer's details instead.
import type { CaseEvent } from '../cases/events.ts'
import type { MessagingServices } from '../messaging/messaging-services.ts'
import { placeholdersIn } from '../messaging/template-rendering.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Tx } from '../platform/db/database.ts'
import type { EnrolmentRow, JourneyRepository, StepRow } from './repository.ts'
import type { CaseSnapshot, Channel } from './snapshot.ts'

/** The personalisation values that carry the investigating officer's details. */
export const officerPlaceholders = ['officer_name']

export const staleOfficerReason =
  'Not sent: the investigating officer changed, and this message named the previous officer'

const runningStatuses = new Set(['active', 'waiting-event'])
// A message the victim has, or is being sent: they were told the previous officer's name.
const reachedVictim = new Set(['sending', 'sent', 'delivered'])

export interface OfficerChangeDependencies {
  repo: JourneyRepository
  messaging: Pick<MessagingServices, 'scheduling' | 'templates'>
  audit: AuditService
  clock: Clock
  /** The values a journey message is rendered with, from the case as it now is. */
  personalisation: (snapshot: CaseSnapshot) => Record<string, string>
}

/** True for `crime.officer-assigned` when an officer already had the crime and another now has. */
export function isOfficerReassignment(event: CaseEvent): boolean {
  const change = event.changes.officerId
  return (
    event.type === 'crime.officer-assigned' &&
    !!change &&
    change.from !== null &&
    change.from !== undefined &&
    change.from !== change.to
  )
}

export class OfficerChangeNotices {
  readonly #d: OfficerChangeDependencies

  constructor(dependencies: OfficerChangeDependencies) {
    this.#d = dependencies
  }

  /** Runs in the transaction that recorded the new officer; `snapshot` already names them. */
  async onReassigned(
    tx: Tx,
    event: CaseEvent,
    snapshot: CaseSnapshot,
    key: { incidentIds: string[]; crimeId: string },
  ): Promise<void> {
    if (!isOfficerReassignment(event)) return
    const { repo, messaging, clock } = this.#d
    const forceId = event.forceId
    const enrolments = await repo.enrolmentsOnCase(tx, key)
    const caseIds = [
      ...new Set(
        [
          key.crimeId,
          ...key.incidentIds,
          ...enrolments.flatMap((e) => [e.caseId, e.incidentId, e.crimeId]),
        ].filter((id): id is string => !!id),
      ),
    ]
    const cancelled = await messaging.scheduling.cancelPendingUsing(tx, {
      forceId,
      caseIds,
      placeholders: officerPlaceholders,
      reason: staleOfficerReason,
    })
    const officerTemplates = new Set(
      (await messaging.templates.templates(tx, forceId))
        .filter((t) => placeholdersIn(t.subject, t.body).some((name) => officerPlaceholders.includes(name)))
        .map((t) => t.key),
    )
    const steps = await repo.steps(
      tx,
      enrolments.map((e) => e.id),
    )
    const now = clock.now()
    for (const enrolment of enrolments) {
      const last = steps
        .filter(
          (s) =>
            s.enrolmentId === enrolment.id &&
            s.outcome === 'send' &&
            !!s.messageId &&
            !!s.template &&
            officerTemplates.has(s.template),
        )
        .at(-1)
      if (!last) continue
      const stopped = cancelled.find((m) => m.id === last.messageId)
      if (!stopped) {
        // Already with the victim: tell them the new officer while their journey still runs.
        if (!runningStatuses.has(enrolment.status)) continue
        const { message } = await messaging.scheduling.message(tx, last.messageId!)
        if (!reachedVictim.has(message.status)) continue
      }
      await this.#sendNewOfficer(tx, enrolment, last, snapshot, now, stopped)
    }
  }

  async #sendNewOfficer(
    tx: Tx,
    enrolment: EnrolmentRow,
    step: StepRow,
    snapshot: CaseSnapshot,
    now: Date,
    stopped?: { id: string; channel: Channel; recipient: string; dueAt: Date; urgent: boolean },
  ): Promise<void> {
    const officer = snapshot.crime?.officerName ?? 'another officer'
    const person = snapshot.people.find((p) => p.id === enrolment.personId)
    const channel = (stopped?.channel ?? step.channel ?? 'sms') as Channel
    const address = stopped?.recipient ?? (channel === 'sms' ? person?.mobiles[0] : person?.emails[0])
    const record = (fields: Partial<StepRow> & { outcome: string; detail: string }) =>
      this.#d.repo.addSteps(tx, [
        {
          forceId: enrolment.forceId,
          enrolmentId: enrolment.id,
          stepIndex: step.stepIndex,
          template: step.template,
          channel,
          recordedAt: now,
          ...fields,
        },
      ])
    if (!person || !address) {
      if (stopped)
        await record({
          outcome: 'suppressed',
          detail: `${staleOfficerReason}; no new message, as the victim is no longer on the case with a ${channel === 'sms' ? 'mobile number' : 'email address'}`,
        })
      return
    }
    const dueAt = stopped && stopped.dueAt > now ? stopped.dueAt : now
    const message = await this.#d.messaging.scheduling.schedule(tx, {
      forceId: enrolment.forceId,
      personId: person.id,
      caseId: enrolment.caseId,
      channel,
      to: address,
      templateKey: step.template!,
      personalisation: this.#d.personalisation(snapshot),
      language: person.language ?? 'en',
      dueAt,
      urgent: false,
    })
    const detail = stopped
      ? `The investigating officer changed to ${officer}: this replaces the message naming the previous officer, which was not sent`
      : `The investigating officer changed to ${officer}: the victim is told who now investigates`
    await record({
      outcome: 'send',
      recipientPersonId: person.id,
      sendAfter: message.sendAfter,
      messageId: message.id,
      detail: message.statusReason ? `${detail}; ${message.statusReason}` : detail,
    })
    await this.#d.audit.record(
      {
        action: 'journey.officer-details-resent',
        forceId: enrolment.forceId,
        actor: { kind: 'system' },
        recordType: 'enrolment',
        recordId: enrolment.id,
        detail: {
          template: step.template,
          cancelledMessageId: stopped?.id ?? null,
          messageId: message.id,
          status: message.status,
        },
      },
      tx,
    )
  }
}
