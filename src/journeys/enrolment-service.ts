import { personalisationFor } from './message-fields.ts'
import type { CaseEvent } from '../cases/events.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import type { JobQueue } from '../platform/jobs.ts'
import { addWorkingDays, ukDate, workingDayTime } from '../platform/calendar.ts'
import { describeCondition, evaluateCondition } from './conditions.ts'
import { VictimContactPolicy } from './contact-policy.ts'
import type { JourneyDefinition } from './definition.ts'
import { decideEligibility } from './eligibility.ts'
import { advanceEnrolment, type EngineContext, type StepOutcome, stoppingGuard } from './engine.ts'
import { defineJourneyJobs } from './jobs.ts'
import type { OfficerChangeNotices } from './officer-change.ts'
import type { MessageScheduler, PortalInviter } from './ports.ts'
import type { EnrolmentRow, JourneyRepository, JourneyRow, VersionRow } from './repository.ts'
import type { JourneyService } from './service.ts'
import type { CaseKey, CaseReader, CaseSnapshot, PersonSnapshot } from './snapshot.ts'

const runningStatuses = new Set(['active', 'waiting-event'])

export interface EnrolmentDependencies {
  db: Database
  repo: JourneyRepository
  clock: Clock
  audit: AuditService
  journeys: JourneyService
  cases: CaseReader
  queue: JobQueue
  /** Messaging, once wired; without it steps are recorded but no message is created. */
  messages: () => MessageScheduler | undefined
  /** For links in messages (the Portal invitation). */
  publicUrl: string
  /** Replaces messages naming an investigating officer who no longer has the crime. */
  officerChanges?: OfficerChangeNotices
  /** The Portal, once wired: a portal-invitation step invites through it (CP-6). */
  portal?: () => PortalInviter | undefined
}

export class EnrolmentService {
  readonly #d: EnrolmentDependencies
  readonly jobs = defineJourneyJobs(this)

  constructor(dependencies: EnrolmentDependencies) {
    this.#d = dependencies
  }

  /**
   * The case-event listener (register with `cases.onChange`). The events were all applied before
   * it is called, so each case is read once for all of them.
   */
  async onCaseEvents(tx: Tx, events: CaseEvent[]): Promise<void> {
    const cases = new CaseReadings(this.#d.cases, tx)
    for (const event of events) await this.#onCaseEvent(tx, event, cases)
  }

  async #onCaseEvent(tx: Tx, event: CaseEvent, cases: CaseReadings): Promise<void> {
    const { repo } = this.#d
    const forceId = event.forceId
    // A marker or contact change concerns every case the person is on, not only this one.
    if (event.personId && event.type.startsWith('person.')) {
      for (const enrolment of await repo.enrolmentsOfPerson(tx, event.personId)) {
        const snapshot = await cases.of(enrolment)
        if (snapshot) await this.#recheck(tx, enrolment, snapshot, event)
      }
    }
    if (!event.incidentId && !event.crimeId) return
    // Reading the case is the costly part: skip it in a force with no journeys and nothing running.
    const published = await repo.publishedJourneys(tx, forceId)
    if (published.length === 0) {
      const direct = { incidentIds: event.incidentId ? [event.incidentId] : [], crimeId: event.crimeId }
      if ((await repo.enrolmentsOnCase(tx, direct, true)).length === 0) return
    }
    const snapshot = await cases.load({ forceId, incidentId: event.incidentId, crimeId: event.crimeId })
    if (!snapshot) return
    const incidentIds = [
      ...new Set([event.incidentId, snapshot.incident?.id].filter((x): x is string => !!x)),
    ]
    const crimeId = event.crimeId ?? snapshot.crime?.id
    if (crimeId) await repo.linkCrime(tx, incidentIds, crimeId)
    if (cases.firstJoin(snapshot)) await this.#joinOccurrence(tx, snapshot, cases)
    for (const enrolment of await repo.enrolmentsOnCase(tx, { incidentIds, crimeId }, true)) {
      await this.#recheck(tx, enrolment, snapshot, event)
    }
    if (crimeId && event.type === 'crime.officer-assigned')
      await this.#d.officerChanges?.onReassigned(tx, event, snapshot, { incidentIds, crimeId })
    await this.#enrolEligible(tx, event, snapshot, published, incidentIds, cases, crimeId)
  }

  /**
   * Makes the enrolments of the case's occurrence one set. A link that arrived late (a crime
   * naming a CAD log, after each had enrolled the person) merged two occurrences: the later of two
   * enrolments in one journey for one person is merged into the earlier and ends, its messages not
   * yet sent cancelled, and the rest move to the occurrence. Once there is a crime, an enrolment
   * made on the incident takes the Victims' Code deadline.
   */
  async #joinOccurrence(tx: Tx, snapshot: CaseSnapshot, cases: CaseReadings): Promise<void> {
    const { repo, clock } = this.#d
    const occurrence = snapshot.occurrence
    const all = await repo.enrolmentsOfOccurrence(tx, occurrence.id, [
      ...occurrence.incidentIds,
      ...occurrence.crimeIds,
    ])
    const live = all.filter((e) => !e.mergedInto)
    const now = clock.now()
    const first = new Map<string, EnrolmentRow>()
    for (const e of live) {
      const key = `${e.journeyId}|${e.personId}`
      const earlier = first.get(key)
      if (!earlier) {
        first.set(key, e)
        continue
      }
      const reason = 'the same journey was already running for this person on the linked incident or crime'
      await repo.updateEnrolment(tx, e.id, {
        occurrenceId: occurrence.id,
        mergedInto: earlier.id,
        ...(runningStatuses.has(e.status)
          ? { status: 'cancelled', endReason: reason, dueAt: null, waitingFor: null }
          : {}),
        updatedAt: now,
      })
      await repo.addSteps(tx, [
        { forceId: e.forceId, enrolmentId: e.id, outcome: 'merged', detail: reason, recordedAt: now },
      ])
      await this.#cancelMessagesOf(tx, e, reason)
    }
    // Precedence across the occurrence: an enhanced journey that replaces the standard one does so
    // however late it learns of it.
    for (const e of first.values()) {
      if (!runningStatuses.has(e.status)) continue
      const definition = await this.#definition(tx, e.versionId)
      if (definition.precedence !== 'standard') continue
      let replacing: EnrolmentRow | undefined
      for (const o of first.values()) {
        if (o.personId !== e.personId || o.status === 'cancelled' || o.journeyId === e.journeyId) continue
        if ((await this.#definition(tx, o.versionId)).precedence === 'replace') replacing = o
      }
      if (!replacing) continue
      const journey = await repo.journey(tx, replacing.journeyId)
      await this.#end(tx, e, 'cancelled', `replaced by the enhanced journey ${journey?.name ?? ''}`.trim())
    }
    const crime = await cases.crimeOf(snapshot)
    for (const e of first.values()) {
      const fields: Partial<EnrolmentRow> = {}
      if (e.occurrenceId !== occurrence.id) fields.occurrenceId = occurrence.id
      if (crime && !e.vcopDueAt) {
        const journey = await repo.journey(tx, e.journeyId)
        fields.crimeId = e.crimeId ?? crime.id
        fields.vcopDueAt = victimsCodeDeadline(crime, journey?.kind === 'enhanced', now)
      }
      if (Object.keys(fields).length > 0) await repo.updateEnrolment(tx, e.id, { ...fields, updatedAt: now })
    }
  }

  /** Cancels the messages of one enrolment still waiting to go (by their ids, nobody else's). */
  async #cancelMessagesOf(tx: Tx, enrolment: EnrolmentRow, reason: string): Promise<void> {
    const messages = this.#d.messages()
    if (!messages) return
    const ids = (await this.#d.repo.steps(tx, [enrolment.id]))
      .map((s) => s.messageId)
      .filter((id): id is string => !!id)
    if (ids.length > 0) await messages.cancelMessages(tx, enrolment.forceId, ids, reason)
  }

  /** Runs an enrolment's due steps up to its next wait (job `journeys.run-enrolment`). */
  async runEnrolment(forceId: string, enrolmentId: string): Promise<void> {
    const { db, repo, clock } = this.#d
    await db.withForce(forceId, async (tx) => {
      const enrolment = await repo.enrolment(tx, enrolmentId)
      const now = clock.now()
      if (!enrolment || !runningStatuses.has(enrolment.status)) return
      if (!enrolment.dueAt || enrolment.dueAt > now) return
      await this.#advance(tx, enrolment, await this.#snapshotOf(tx, enrolment), now)
    })
  }

  /** Takes the enrolment's due steps, up to its next wait, in the caller's transaction. */
  async #advance(tx: Tx, enrolment: EnrolmentRow, snapshot: CaseSnapshot | undefined, now: Date) {
    const { repo } = this.#d
    const { forceId, id: enrolmentId } = enrolment
    const person = snapshot?.people.find((p) => p.id === enrolment.personId)
    if (!snapshot || !person)
      return this.#end(tx, enrolment, 'stopped', 'the person is no longer on the case')
    const definition = (await repo.version(tx, enrolment.versionId))!.definition
    const context = await this.#engineContext(tx, snapshot, person, now)
    const result = advanceEnrolment(definition, enrolment.stepIndex, context)
    const steps: Parameters<JourneyRepository['addSteps']>[1] = []
    const alreadySent = await this.#sentOnOccurrence(tx, enrolment, result.outcomes)
    for (const planned of result.outcomes) {
      let messageId: string | null = null
      let detail = ''
      let sendAfter: Date | null = null
      // A step another enrolment of the occurrence already took for this person is not repeated.
      const outcome =
        planned.kind === 'send' && alreadySent.has(`${planned.recipientId}|${planned.template}`)
          ? {
              stepIndex: planned.stepIndex,
              kind: 'skipped' as const,
              template: planned.template,
              reason: `“${planned.template}” was already sent to this person about this incident or crime`,
            }
          : planned
      const portal = this.#d.portal?.()
      let recorded: StepOutcome['kind'] = outcome.kind
      if (outcome.kind === 'send' && outcome.template === 'portal-invitation' && portal) {
        const invited = await portal.invite(tx, {
          forceId,
          personId: outcome.recipientId,
          caseKind: snapshot.crime?.id === enrolment.caseId ? 'crime' : 'incident',
          caseId: enrolment.caseId,
          enrolmentId,
        })
        messageId = invited.messageId
        detail = [outcome.note, invited.detail].filter(Boolean).join('; ')
        sendAfter = invited.sendAfter ?? outcome.dueAt
        if (!invited.sent) recorded = 'skipped'
      } else if (outcome.kind === 'send') {
        const scheduled = await this.#d.messages()?.schedule(tx, {
          forceId,
          personId: outcome.recipientId,
          caseId: enrolment.caseId,
          channel: outcome.channel,
          recipient: outcome.address,
          templateKey: outcome.template,
          language: person.language ?? 'en',
          personalisation: personalisationFor(snapshot, this.#d.publicUrl),
          dueAt: outcome.dueAt,
          urgent: outcome.urgent,
        })
        messageId = scheduled?.messageId ?? null
        detail = [outcome.note, scheduled?.reason].filter(Boolean).join('; ')
        sendAfter = scheduled?.sendAfter ?? outcome.dueAt
      } else if (outcome.kind === 'suppressed') {
        // Held back by the contact policy: recorded as a suppressed message, so the outbox, the
        // reports and the feed show it with its reason, not only this step.
        const held = await this.#d.messages()?.recordHeldBack(tx, {
          forceId,
          personId: person.id,
          caseId: enrolment.caseId,
          channel: outcome.channel ?? (person.preferredChannel === 'email' ? 'email' : 'sms'),
          recipient: outcome.address ?? '',
          templateKey: outcome.template,
          language: person.language ?? 'en',
          dueAt: now,
          reason: outcome.reason,
        })
        messageId = held?.messageId ?? null
        detail = outcome.reason
      } else if (outcome.kind === 'skipped' || outcome.kind === 'branched') {
        detail = outcome.reason
      } else detail = outcome.event ? `waiting for ${outcome.event}` : ''
      steps.push({
        forceId,
        enrolmentId,
        stepIndex: outcome.stepIndex,
        outcome: recorded,
        template: 'template' in outcome ? outcome.template : null,
        channel: outcome.kind === 'send' ? outcome.channel : null,
        recipientPersonId: outcome.kind === 'send' ? outcome.recipientId : null,
        sendAfter:
          outcome.kind === 'send' ? sendAfter : outcome.kind === 'waiting' ? (outcome.until ?? null) : null,
        messageId,
        detail,
        recordedAt: now,
      })
    }
    await repo.addSteps(tx, steps)
    const p = result.position
    if (p.status === 'completed' || p.status === 'stopped') {
      return this.#end(tx, enrolment, p.status, p.status === 'stopped' ? p.reason : 'every step is done')
    }
    await repo.updateEnrolment(tx, enrolmentId, {
      status: p.status,
      stepIndex: p.stepIndex,
      dueAt: p.dueAt,
      waitingFor: p.status === 'waiting-event' ? p.event : null,
      updatedAt: now,
    })
  }

  /** `recipient|template` of what other enrolments of the occurrence sent, or are to send. */
  async #sentOnOccurrence(tx: Tx, enrolment: EnrolmentRow, outcomes: StepOutcome[]): Promise<Set<string>> {
    const sent = new Set<string>()
    const sends = outcomes.filter((o) => o.kind === 'send')
    for (const recipient of new Set(sends.map((o) => o.recipientId))) {
      const theirs = await this.#d.repo.sendsOnOccurrence(tx, enrolment.occurrenceId, recipient, enrolment.id)
      const wanted = theirs.filter((t) =>
        sends.some((o) => o.recipientId === recipient && o.template === t.template),
      )
      if (wanted.length === 0) continue
      const statuses =
        (await this.#d.messages()?.messageStatuses(
          tx,
          enrolment.forceId,
          wanted.map((t) => t.messageId),
        )) ?? new Map<string, string>()
      for (const t of wanted) {
        const status = statuses.get(t.messageId)
        if (status && !notTaken.has(status)) sent.add(`${recipient}|${t.template}`)
      }
    }
    return sent
  }

  /** Runs every enrolment whose wait has ended, across forces (job `journeys.run-due-steps`). */
  async runDueEnrolments(limit = 500): Promise<number> {
    const due = await this.#d.db.asSystem((tx) => this.#d.repo.dueEnrolments(tx, this.#d.clock.now(), limit))
    for (const e of due) await this.runEnrolment(e.forceId, e.id)
    return due.length
  }

  async #enrolEligible(
    tx: Tx,
    event: CaseEvent,
    snapshot: CaseSnapshot,
    published: { journey: JourneyRow; version: VersionRow }[],
    incidentIds: string[],
    cases: CaseReadings,
    crimeId?: string,
  ) {
    const { repo, clock } = this.#d
    const forceId = event.forceId
    const triggered = published.filter((j) => j.version.definition.trigger.events.includes(event.type))
    if (triggered.length === 0) return
    const order = { replace: 0, add: 1, standard: 2 } as const
    triggered.sort((a, b) => order[a.version.definition.precedence] - order[b.version.definition.precedence])
    const { eligibility } = await this.#d.journeys.rules(forceId, tx)
    const now = clock.now()
    const caseId = (event.crimeId ?? event.incidentId)!
    const occurrenceId = snapshot.occurrence.id
    // Read only when someone is not enrolled yet (a later event on the case usually finds them enrolled).
    let decided: Awaited<ReturnType<JourneyRepository['decisions']>> | undefined
    const people = snapshot.people.filter(
      (p) =>
        p.role === 'victim' || eligibility.includedRoles.includes(p.role as never) || p.role === 'witness',
    )
    for (const person of people) {
      for (const { journey, version } of triggered) {
        const definition = version.definition
        if (!evaluateCondition(definition.trigger.when, { snapshot, person, now })) continue
        // One enrolment per person, journey and occurrence, whether the incident or the crime enrolled them.
        if (await repo.enrolmentFor(tx, journey.id, occurrenceId, person.id)) continue
        const trigger = describeCondition(definition.trigger.when)
        const decision = decideEligibility(eligibility, snapshot, person, now)
        const blocked = decision.eligible
          ? await this.#precedenceBlock(tx, journey, person, occurrenceId)
          : undefined
        let outcome: 'enrolled' | 'not-enrolled' | 'already-enrolled' =
          decision.eligible && !blocked ? 'enrolled' : 'not-enrolled'
        let reasons = decision.eligible
          ? blocked
            ? [blocked]
            : [trigger, ...decision.reasons]
          : decision.reasons
        if (outcome === 'enrolled') {
          if (definition.precedence === 'replace')
            await this.#replaceStandard(tx, journey, person.id, occurrenceId)
          const enrolled = await this.#enrol(tx, {
            journey,
            version,
            snapshot,
            person,
            caseId,
            incidentIds,
            crimeId,
            crime: await cases.crimeOf(snapshot),
            now,
          })
          if (!enrolled) {
            // Another transaction enrolled them on this occurrence first (the unique index decided).
            outcome = 'already-enrolled'
            reasons = ['already enrolled in this journey for this incident or crime']
          }
        }
        decided ??= await repo.decisions(tx, { incidentIds, crimeId })
        const last = decided.filter((d) => d.journeyId === journey.id && d.personId === person.id).at(-1)
        const repeat =
          last && last.outcome === outcome && JSON.stringify(last.reasons) === JSON.stringify(reasons)
        if (!repeat) {
          await repo.addDecision(tx, {
            forceId,
            journeyId: journey.id,
            versionId: version.id,
            incidentId: incidentIds[0] ?? null,
            crimeId: crimeId ?? null,
            personId: person.id,
            eventType: event.type,
            outcome,
            reasons,
            decidedAt: now,
          })
        }
      }
    }
  }

  /** Enrols the person and takes the first steps; false when they were already enrolled. */
  async #enrol(
    tx: Tx,
    a: {
      journey: JourneyRow
      version: VersionRow
      snapshot: CaseSnapshot
      person: PersonSnapshot
      caseId: string
      incidentIds: string[]
      crimeId?: string
      /** The occurrence's crime, if one is recorded: the Victims' Code deadline counts from it. */
      crime: CaseSnapshot['crime']
      now: Date
    },
  ): Promise<boolean> {
    const forceId = a.journey.forceId
    const vcopDueAt = a.crime ? victimsCodeDeadline(a.crime, a.journey.kind === 'enhanced', a.now) : null
    const created = await this.#d.repo.insertEnrolment(tx, {
      forceId,
      journeyId: a.journey.id,
      versionId: a.version.id,
      caseId: a.caseId,
      occurrenceId: a.snapshot.occurrence.id,
      incidentId: a.incidentIds[0] ?? null,
      crimeId: a.crimeId ?? a.crime?.id ?? null,
      personId: a.person.id,
      status: 'active',
      stepIndex: 0,
      dueAt: a.now,
      vcopDueAt,
      enrolledAt: a.now,
      updatedAt: a.now,
    })
    if (!created) return false
    await this.#d.audit.record(
      {
        action: 'journey.enrolled',
        forceId,
        actor: { kind: 'system' },
        recordType: 'enrolment',
        recordId: created.id,
        detail: { journeyId: a.journey.id, version: a.version.version },
      },
      tx,
    )
    // The first steps are taken at once, in this transaction, with the case as read for it: the
    // first message is scheduled in the same commit as the enrolment (no job in between).
    await this.#advance(tx, created, a.snapshot, a.now)
    return true
  }

  /** The person's enrolments of the occurrence still in force (not merged into another). */
  async #theirs(tx: Tx, personId: string, occurrenceId: string): Promise<EnrolmentRow[]> {
    return (await this.#d.repo.enrolmentsOfOccurrence(tx, occurrenceId, [])).filter(
      (e) => e.personId === personId && !e.mergedInto,
    )
  }

  async #precedenceBlock(tx: Tx, journey: JourneyRow, person: PersonSnapshot, occurrenceId: string) {
    if (journey.kind !== 'standard') return undefined
    for (const e of await this.#theirs(tx, person.id, occurrenceId)) {
      const definition = await this.#definition(tx, e.versionId)
      if (definition.precedence === 'replace' && e.status !== 'cancelled')
        return 'an enhanced journey on this case replaces the standard journey'
      if (definition.precedence === 'standard' && e.journeyId !== journey.id)
        return 'the victim already has a standard journey on this case'
    }
    return undefined
  }

  async #replaceStandard(tx: Tx, journey: JourneyRow, personId: string, occurrenceId: string) {
    for (const e of await this.#theirs(tx, personId, occurrenceId)) {
      if (!runningStatuses.has(e.status)) continue
      if ((await this.#definition(tx, e.versionId)).precedence !== 'standard') continue
      await this.#end(tx, e, 'cancelled', `replaced by the enhanced journey ${journey.name}`)
    }
  }

  /** After a change: resume an enrolment waiting for this event, or stop one a guard now stops. */
  async #recheck(tx: Tx, enrolment: EnrolmentRow, snapshot: CaseSnapshot, event: CaseEvent): Promise<void> {
    const person = snapshot.people.find((p) => p.id === enrolment.personId)
    if (!person) return
    const now = this.#d.clock.now()
    const context = await this.#engineContext(tx, snapshot, person, now)
    const definition = await this.#definition(tx, enrolment.versionId)
    const marker = person.markers.find((m) => ['do_not_contact', 'deceased'].includes(m))
    const reason = marker
      ? `the person has a ${marker.replaceAll('_', ' ')} marker`
      : stoppingGuard(definition, enrolment.stepIndex, context)
    if (reason) return this.#end(tx, enrolment, 'stopped', reason)
    if (enrolment.status === 'waiting-event' && enrolment.waitingFor === event.type) {
      await this.#d.repo.updateEnrolment(tx, enrolment.id, {
        status: 'active',
        dueAt: now,
        waitingFor: null,
        updatedAt: now,
      })
      await this.#d.queue.send(
        this.jobs.runEnrolment,
        { forceId: enrolment.forceId, enrolmentId: enrolment.id },
        { tx },
      )
    }
  }

  /** Ends an enrolment and cancels its messages not yet sent. */
  async #end(
    tx: Tx,
    enrolment: EnrolmentRow,
    status: 'completed' | 'stopped' | 'cancelled',
    reason: string,
  ): Promise<void> {
    const now = this.#d.clock.now()
    await this.#d.repo.updateEnrolment(tx, enrolment.id, {
      status,
      endReason: reason,
      dueAt: null,
      waitingFor: null,
      updatedAt: now,
    })
    await this.#d.repo.addSteps(tx, [
      {
        forceId: enrolment.forceId,
        enrolmentId: enrolment.id,
        outcome: status,
        detail: reason,
        recordedAt: now,
      },
    ])
    if (status !== 'completed') {
      // Its messages carry the case it was enrolled on; another enrolment of the occurrence (the
      // enhanced journey replacing this one) keeps its own.
      await this.#d
        .messages()
        ?.cancelPending(
          tx,
          enrolment.forceId,
          { caseIds: [enrolment.caseId], personId: enrolment.personId },
          reason,
        )
    }
  }

  async #engineContext(
    tx: Tx,
    snapshot: CaseSnapshot,
    person: PersonSnapshot,
    now: Date,
  ): Promise<EngineContext> {
    const { contactPolicy } = await this.#d.journeys.rules(snapshot.forceId, tx)
    return { snapshot, person, now, policy: new VictimContactPolicy(contactPolicy) }
  }

  async #snapshotOf(tx: Tx, e: EnrolmentRow): Promise<CaseSnapshot | undefined> {
    return new CaseReadings(this.#d.cases, tx).of(e)
  }

  async #definition(tx: Tx, versionId: string): Promise<JourneyDefinition> {
    return (await this.#d.repo.version(tx, versionId))!.definition
  }
}

/** The cases read for one batch of case events: each read once, however many events name it. */
class CaseReadings {
  readonly #reader: CaseReader
  readonly #tx: Tx
  readonly #read = new Map<string, Promise<CaseSnapshot | undefined>>()
  readonly #joined = new Set<string>()

  constructor(reader: CaseReader, tx: Tx) {
    this.#reader = reader
    this.#tx = tx
  }

  load(key: CaseKey & { forceId: string }): Promise<CaseSnapshot | undefined> {
    const id = key.crimeId ? `crime:${key.crimeId}` : `incident:${key.incidentId}`
    let reading = this.#read.get(id)
    if (!reading) {
      reading = this.#reader.loadCase(this.#tx, key)
      this.#read.set(id, reading)
    }
    return reading
  }

  /** True the first time an occurrence is seen in this round (with or without its crime). */
  firstJoin(snapshot: CaseSnapshot): boolean {
    const key = `${snapshot.occurrence.id}|${snapshot.crime?.id ?? ''}`
    if (this.#joined.has(key)) return false
    this.#joined.add(key)
    return true
  }

  /** The occurrence's crime: the case's own, or the one recorded from its incident. */
  async crimeOf(snapshot: CaseSnapshot): Promise<CaseSnapshot['crime']> {
    if (snapshot.crime) return snapshot.crime
    const crimeId = snapshot.occurrence.crimeIds[0]
    if (!crimeId) return undefined
    return (await this.load({ forceId: snapshot.forceId, crimeId }))?.crime
  }

  /** The case an enrolment belongs to. */
  of(e: EnrolmentRow): Promise<CaseSnapshot | undefined> {
    return this.load({
      forceId: e.forceId,
      ...(e.crimeId ? { crimeId: e.crimeId } : { incidentId: e.incidentId ?? e.caseId }),
    })
  }
}

/**
 * Victims' Code: the first contact is due by the end of the working day 5 working days after the
 * crime was recorded, 1 for victims with enhanced rights, counted in London dates (a crime
 * recorded at 00:30 BST is recorded that day, not the UTC day before).
 */
export function victimsCodeDeadline(
  crime: NonNullable<CaseSnapshot['crime']>,
  enhancedJourney: boolean,
  now: Date,
): Date {
  const enhanced = crime.vcopCategory === 'enhanced' || enhancedJourney
  const recorded = crime.recordedAt && crime.recordedAt < now ? crime.recordedAt : now
  return workingDayTime(
    new Date(`${addWorkingDays(ukDate(recorded), enhanced ? 1 : 5)}T12:00:00Z`),
    0,
    '23:59',
  )
}

// A message in one of these states did not reach the person and is not going to.
const notTaken = new Set(['cancelled', 'suppressed', 'permanent-failure', 'technical-failure'])
