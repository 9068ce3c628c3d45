// What a case's people were sent, and why: for the crime, incident and person pages, every message
// a journey sent, scheduled, held back, failed to deliver or did not send because the person had
// opted out, each with the journey decision that caused it; and one message as an officer sees it
// through the case it belongs to. Everything is read under the viewer's row-level security, so a
// case another force shares (by agreement) shows as far as that agreement allows.
import type { MessageRow } from '../messaging/message-repository.ts'
import type { MessagingServices } from '../messaging/messaging-services.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { NotFoundError } from '../platform/errors.ts'
import type { DecisionRow, EnrolmentRow, JourneyRepository, StepRow } from './repository.ts'

/** How a message on a case ended up, in the words the case pages use. */
export type CaseMessageState =
  | 'scheduled'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'held-back'
  | 'opted-out'
  | 'failed'
  | 'cancelled'
  | 'not-sent'

export const caseMessageStates: Record<CaseMessageState, { text: string; tag: string }> = {
  scheduled: { text: 'Scheduled', tag: 'govuk-tag--blue' },
  sending: { text: 'Sending', tag: 'govuk-tag--blue' },
  sent: { text: 'Sent', tag: 'govuk-tag--turquoise' },
  delivered: { text: 'Delivered', tag: 'govuk-tag--green' },
  'held-back': { text: 'Held back', tag: 'govuk-tag--orange' },
  'opted-out': { text: 'Opted out', tag: 'govuk-tag--purple' },
  failed: { text: 'Failed', tag: 'govuk-tag--red' },
  cancelled: { text: 'Cancelled', tag: 'govuk-tag--grey' },
  'not-sent': { text: 'Not sent', tag: 'govuk-tag--grey' },
}

export interface CaseDecision {
  id: number
  journeyName: string
  reasons: string[]
  decidedAt: Date
  /** The incident or crime whose "Journeys on this case" page lists the decision. */
  caseId: string | null
}

export interface CaseMessageEntry {
  /** When it went (or failed), or when it is or was due. */
  at: Date
  /** What `at` is: "Sent", "Due" or "Recorded". */
  atLabel: 'Sent' | 'Due' | 'Recorded'
  messageId: string | null
  personId: string
  journeyName: string
  /** The template's plain name, e.g. "Crime reference". */
  templateName: string | null
  channel: 'sms' | 'email' | null
  recipient: string | null
  state: CaseMessageState
  stateText: string
  tagClass: string
  /** Why it was held back, not sent, cancelled or not delivered; null when it simply went. */
  reason: string | null
  decision: CaseDecision | null
}

export interface CaseMessageDetail {
  message: MessageRow
  events: { at: Date; fromStatus: string | null; toStatus: string; detail: string | null }[]
  entry: CaseMessageEntry
  /** The incident or crime the message is about: the page links back to it. */
  caseId: string
}

/** Which cases (or person) to list: an incident with its crimes, a crime with its incidents. */
export type CaseMessagesKey = { incidentIds: string[]; crimeIds: string[] } | { personId: string }

export class CaseMessages {
  readonly #db: Database
  readonly #repo: JourneyRepository
  readonly #messaging: Pick<MessagingServices, 'scheduling' | 'templates'>

  constructor(
    db: Database,
    repo: JourneyRepository,
    messaging: Pick<MessagingServices, 'scheduling' | 'templates'>,
  ) {
    this.#db = db
    this.#repo = repo
    this.#messaging = messaging
  }

  /** Every journey message on these cases (or to this person), newest first. */
  async list(forceId: string, key: CaseMessagesKey): Promise<CaseMessageEntry[]> {
    return this.#db.withForce(forceId, async (tx) => {
      const enrolled = await this.#enrolments(tx, key)
      if (enrolled.length === 0) return []
      const names = await this.#journeyNames(tx, forceId)
      const titles = await this.#templateTitles(tx, forceId)
      const steps = await this.#repo.steps(
        tx,
        enrolled.map((e) => e.id),
      )
      const decisions = await this.#repo.enrolledDecisionsOf(tx, [
        ...new Set(enrolled.map((e) => e.personId)),
      ])
      const entries: CaseMessageEntry[] = []
      // One query at a time: a transaction is one connection.
      for (const step of steps) {
        if (!step.template) continue
        if (!['send', 'suppressed', 'skipped'].includes(step.outcome)) continue
        const enrolment = enrolled.find((e) => e.id === step.enrolmentId)!
        const message = step.messageId ? await this.#messageOrNone(tx, step.messageId) : undefined
        entries.push(entryOf(step, enrolment, message, names, titles, decisionOf(enrolment, decisions)))
      }
      return entries.sort((a, b) => b.at.getTime() - a.at.getTime())
    })
  }

  /**
   * One message reached through its case: found only when the viewer may read both the message
   * and the journey step that sent it about a case (their own force's, or one shared with them).
   */
  async detail(forceId: string, messageId: string): Promise<CaseMessageDetail> {
    return this.#db.withForce(forceId, async (tx) => {
      const found = await this.#messageOrNone(tx, messageId)
      if (!found || found.message.isTest || !found.message.caseId) throw new NotFoundError('The message')
      const [step] = await this.#repo.stepsOfMessage(tx, messageId)
      const enrolment = step ? await this.#repo.enrolmentToRead(tx, step.enrolmentId) : undefined
      if (!step || !enrolment) throw new NotFoundError('The message')
      const names = await this.#journeyNames(tx, forceId)
      const titles = await this.#templateTitles(tx, forceId)
      const decisions = await this.#repo.enrolledDecisionsOf(tx, [enrolment.personId])
      return {
        message: found.message,
        events: found.events,
        entry: entryOf(step, enrolment, found, names, titles, decisionOf(enrolment, decisions)),
        caseId: enrolment.crimeId ?? enrolment.incidentId ?? enrolment.caseId,
      }
    })
  }

  async #enrolments(tx: Tx, key: CaseMessagesKey): Promise<EnrolmentRow[]> {
    if ('personId' in key) return this.#repo.enrolmentsOfPerson(tx, key.personId, false)
    const found = new Map<string, EnrolmentRow>()
    const lookups = [
      { incidentIds: key.incidentIds },
      ...key.crimeIds.map((crimeId) => ({ incidentIds: [] as string[], crimeId })),
    ]
    for (const lookup of lookups) {
      if (lookup.incidentIds.length === 0 && !('crimeId' in lookup)) continue
      for (const e of await this.#repo.enrolmentsOnCase(tx, lookup)) found.set(e.id, e)
    }
    return [...found.values()]
  }

  async #journeyNames(tx: Tx, forceId: string): Promise<Map<string, string>> {
    return new Map((await this.#repo.journeysWithCounts(tx, forceId)).map((j) => [j.id, j.name]))
  }

  /** Each template's title by key, as the force named it ("Crime reference number"). */
  async #templateTitles(tx: Tx, forceId: string): Promise<Map<string, string>> {
    return new Map((await this.#messaging.templates.templates(tx, forceId)).map((t) => [t.key, t.title]))
  }

  async #messageOrNone(tx: Tx, id: string) {
    try {
      return await this.#messaging.scheduling.message(tx, id)
    } catch (error) {
      if (error instanceof NotFoundError) return undefined
      throw error
    }
  }
}

/** The decision that enrolled the person on this journey: the last one at or before enrolment. */
function decisionOf(enrolment: EnrolmentRow, decisions: DecisionRow[]): DecisionRow | undefined {
  const candidates = decisions.filter(
    (d) =>
      d.journeyId === enrolment.journeyId &&
      d.personId === enrolment.personId &&
      ((d.incidentId && d.incidentId === enrolment.incidentId) ||
        (d.crimeId && d.crimeId === enrolment.crimeId) ||
        d.incidentId === enrolment.caseId ||
        d.crimeId === enrolment.caseId),
  )
  const before = candidates.filter((d) => d.decidedAt.getTime() <= enrolment.enrolledAt.getTime())
  return before.at(-1) ?? candidates[0]
}

function entryOf(
  step: StepRow,
  enrolment: EnrolmentRow,
  found: { message: MessageRow } | undefined,
  names: Map<string, string>,
  titles: Map<string, string>,
  decision: DecisionRow | undefined,
): CaseMessageEntry {
  const journeyName = names.get(enrolment.journeyId) ?? 'A journey'
  const message = found?.message
  const { state, reason } = stateOf(step, message)
  return {
    at: message ? (message.sentAt ?? message.completedAt ?? message.sendAfter) : step.recordedAt,
    atLabel: ['sent', 'delivered', 'failed'].includes(state)
      ? 'Sent'
      : ['scheduled', 'sending'].includes(state)
        ? 'Due'
        : 'Recorded',
    messageId: message?.id ?? null,
    personId: message?.personId ?? step.recipientPersonId ?? enrolment.personId,
    journeyName,
    templateName: templateName(message?.templateKey ?? step.template, titles),
    channel: (message?.channel ?? step.channel ?? null) as 'sms' | 'email' | null,
    recipient: message?.recipient || null,
    state,
    stateText: caseMessageStates[state].text,
    tagClass: caseMessageStates[state].tag,
    reason,
    decision: decision
      ? {
          id: decision.id,
          journeyName: names.get(decision.journeyId) ?? journeyName,
          reasons: decision.reasons,
          decidedAt: decision.decidedAt,
          caseId: decision.crimeId ?? decision.incidentId,
        }
      : null,
  }
}

function stateOf(
  step: StepRow,
  message: MessageRow | undefined,
): { state: CaseMessageState; reason: string | null } {
  if (!message) {
    if (step.outcome === 'skipped') return { state: 'not-sent', reason: step.detail || null }
    if (step.outcome === 'suppressed') return { state: 'held-back', reason: step.detail || null }
    return { state: 'not-sent', reason: step.detail || 'The message was removed' }
  }
  const why = message.statusReason
  const optedOut = why?.startsWith('Opted out') ?? false
  switch (message.status) {
    case 'scheduled':
      return { state: 'scheduled', reason: null }
    case 'sending':
      return { state: 'sending', reason: null }
    case 'sent':
      return { state: 'sent', reason: null }
    case 'delivered':
      return { state: 'delivered', reason: null }
    case 'suppressed':
      return optedOut
        ? { state: 'opted-out', reason: plainOptOutReason(why) }
        : { state: 'held-back', reason: why ?? step.detail ?? null }
    case 'cancelled':
      return optedOut
        ? { state: 'opted-out', reason: plainOptOutReason(why) }
        : { state: 'cancelled', reason: why ?? null }
    case 'permanent-failure':
      return { state: 'failed', reason: 'The number or address does not work' }
    case 'temporary-failure':
      return { state: 'failed', reason: 'The phone or inbox was unavailable' }
    case 'technical-failure':
      return { state: 'failed', reason: 'A technical failure at the provider' }
  }
}

const optOutSources: Record<string, string> = {
  'sms-stop': 'The person replied STOP to a text message',
  'email-link': 'The person used the link in an email to stop emails',
  staff: 'The person asked staff to stop messages',
}

/** "Opted out (sms-stop)" as the person did it. */
export function plainOptOutReason(reason: string | null): string {
  const source = /^Opted out \(([^)]+)\)/.exec(reason ?? '')?.[1]
  return (source && optOutSources[source]) ?? 'The person had opted out of these messages'
}

/** The force's title for the template; else its key in words (`crime-reference` → "Crime reference"). */
export function templateName(key: string | null | undefined, titles: Map<string, string>): string | null {
  if (!key) return null
  const title = titles.get(key)
  if (title) return title
  const words = key.replace(/[-_]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}
