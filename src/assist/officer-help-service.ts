// Assist's help for the investigating officer on portal messages (CP-89, CP-93, CP-121; decision
// 0043): the force's switch (off until its administrator turns it on; audited), the suggested
// replies and actions shown beside a conversation's reply form (each recorded and audited with what
// became of it), and questions about the case answered only from its records, each answer audited.
// It is the officer console's `OfficerHelp` port; the console's own checks (force, role, the
// conversation being a portal conversation about a crime) come first, through `conversation`.
import { sql } from 'drizzle-orm'
import type { CrimeCase } from '../cases/service.ts'
import type { CaseMessageEntry } from '../journeys/case-messages.ts'
import type { OfficerHelp } from '../officers/help.ts'
import type { Acting, OfficerConversation } from '../officers/service.ts'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { type CaseAnswer, answerQuestion, questionMaxLength } from './case-questions.ts'
import { type ReplyTemplate, type SuggestedReply, sameText, similarity, suggest } from './officer-help.ts'
import type { ProviderService } from './provider-service.ts'
import type { SummaryItem } from './summary.ts'

export interface OfficerHelpSetting {
  enabled: boolean
  updatedAt: Date | null
}

interface SuggestionRow {
  id: string
  kind: 'reply' | 'action'
  key: string
  text: string
  reason: string | null
  urgent: boolean
  messageKind: string | null
  outcome: string | null
  similarity: number | null
}

/** What the conversation page shows (assist/_officer-help.njk). */
export interface OfficerHelpView {
  conversationId: string
  /** The person's message the suggestions answer; null when they have not written. */
  messageId: string | null
  intentTitle: string | null
  confidence: number
  danger: string[]
  replies: { id: string; title: string; text: string; source: string; outcome: string | null }[]
  actions: { id: string; title: string; reason: string; urgent: boolean; outcome: string | null }[]
  /** The force's model provider, when it drafts a reply (decision 0048): its name, and whether it failed. */
  provider: { name: string; fellBack: boolean } | null
}

/** The key of the reply a force's model provider drafted. */
export const providerReplyKey = 'provider-reply'
const providerReplyMax = 2000

const roleWords: Record<string, string> = { parent_guardian: 'parent or guardian' }
const day = (d: Date | string) =>
  new Date(d).toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/London' })

export class OfficerHelpService implements OfficerHelp {
  readonly #db: Database
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #templates: readonly ReplyTemplate[]
  readonly #conversation: (forceId: string, id: string, acting: Acting) => Promise<OfficerConversation>
  readonly #caseRecords: (
    forceId: string,
    crimeId: string,
  ) => Promise<{ crime: CrimeCase; messages: CaseMessageEntry[] }>
  readonly #provider: ProviderService | undefined

  constructor(deps: {
    db: Database
    audit: AuditService
    clock: Clock
    /** The force's model provider, asked for a drafted reply when the force chooses (decision 0048). */
    provider?: ProviderService
    templates: readonly ReplyTemplate[]
    conversation: (forceId: string, id: string, acting: Acting) => Promise<OfficerConversation>
    caseRecords: (
      forceId: string,
      crimeId: string,
    ) => Promise<{ crime: CrimeCase; messages: CaseMessageEntry[] }>
  }) {
    this.#db = deps.db
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#templates = deps.templates
    this.#conversation = deps.conversation
    this.#caseRecords = deps.caseRecords
    this.#provider = deps.provider
  }

  /**
   * A reply drafted by the force's model provider, once per message and officer (a page shown
   * again reuses the first); undefined when the force does not use one for officer replies. Words
   * of danger keep Waypoint's own safety reply first.
   */
  async #drafted(
    forceId: string,
    conversation: OfficerConversation,
    latest: { id: string; body: string },
    staffId: string,
  ): Promise<{ reply: SuggestedReply | null; name: string; fellBack: boolean } | undefined> {
    const provider = this.#provider
    if (!provider || !(await provider.uses(forceId, 'officer-replies'))) return undefined
    const settings = await provider.settings(forceId)
    const name = settings?.name ?? 'Provider'
    const source = `Automated: ${name}` as const
    const [kept] = await this.#db.withForce(forceId, (tx) =>
      rows<{ text: string; reason: string | null }>(
        tx,
        sql`select text, reason from assist_officer_suggestions where message_id = ${latest.id}
              and staff_id = ${staffId} and kind = 'reply' and key = ${providerReplyKey}`,
      ),
    )
    const reply = (text: string, label: SuggestedReply['source']): SuggestedReply => ({
      key: providerReplyKey,
      title: 'Drafted reply',
      kind: 'message',
      text,
      source: label,
    })
    if (kept) return { reply: reply(kept.text, source), name, fellBack: false }
    const answer = await provider.ask(
      forceId,
      'officer-replies',
      {
        system: [
          'You draft a reply from a police investigating officer to a person’s message on the force’s victim portal about their crime.',
          'Write only the reply, in plain British English, kind and under 120 words. Do not promise outcomes or dates.',
          'If the message suggests anyone is in danger, tell them to call 999.',
        ].join(' '),
        user: [
          `Crime: ${conversation.crimeType ?? 'not recorded'}, reference ${conversation.crimeRef}.`,
          `Person: ${conversation.personName ?? 'not recorded'}. Officer: ${conversation.officerName ?? 'not recorded'}.`,
          '',
          'Their latest message:',
          latest.body,
        ].join('\n'),
        known: [conversation.personName, conversation.officerName],
        maxTokens: 300,
      },
      conversation.conversationId,
    )
    if (!answer) return undefined
    if (!answer.ok) return { reply: null, name, fellBack: true }
    return { reply: reply(answer.text.slice(0, providerReplyMax), source), name, fellBack: false }
  }

  /** The force's switch: off until its administrator turns it on. */
  async setting(forceId: string): Promise<OfficerHelpSetting> {
    const [row] = await this.#db.withForce(forceId, (tx) =>
      rows<{ enabled: boolean; updatedAt: Date }>(
        tx,
        sql`select enabled, updated_at as "updatedAt" from assist_officer_help_settings where force_id = ${forceId}`,
      ),
    )
    return { enabled: row?.enabled ?? false, updatedAt: row?.updatedAt ?? null }
  }

  /** Turns officer help on or off, audited with who did it and the choice. */
  async setEnabled(
    forceId: string,
    choice: string | undefined,
    acting: Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'> & { staffId: string },
  ): Promise<void> {
    if (choice !== 'yes' && choice !== 'no')
      throw new ValidationError([{ field: 'enabled', message: 'Select whether to offer officers help' }])
    const enabled = choice === 'yes'
    await this.#db.withForce(forceId, async (tx) => {
      await tx.execute(
        sql`insert into assist_officer_help_settings (force_id, enabled, updated_by, updated_at)
            values (${forceId}, ${enabled}, ${acting.staffId}, ${this.#clock.now()})
            on conflict (force_id) do update set enabled = excluded.enabled, updated_by = excluded.updated_by,
              updated_at = excluded.updated_at`,
      )
      await this.#audit.record(
        {
          action: 'assist.officer-help-switched',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'assist-officer-help-settings',
          recordId: forceId,
          detail: { enabled },
        },
        tx,
      )
    })
  }

  async #on(forceId: string): Promise<void> {
    if (!(await this.setting(forceId)).enabled)
      throw new ForbiddenError('Officer help is switched off for your force')
  }

  /**
   * The suggestions for the person's latest message (CP-89, CP-93), or null when switched off.
   * The first time this officer is shown them, each is recorded and the showing audited.
   */
  async forConversation(
    forceId: string,
    conversation: OfficerConversation,
    acting: Acting,
  ): Promise<OfficerHelpView | null> {
    if (!(await this.setting(forceId)).enabled) return null
    const latest = conversation.messages.filter((m) => m.direction === 'inbound' && !m.recalledAt).at(-1)
    const view: OfficerHelpView = {
      conversationId: conversation.conversationId,
      messageId: latest?.id ?? null,
      intentTitle: null,
      confidence: 0,
      danger: [],
      replies: [],
      actions: [],
      provider: null,
    }
    if (!latest) return view
    const started = performance.now()
    const made = suggest(
      latest.body,
      {
        name: conversation.personName,
        crimeRef: conversation.crimeRef,
        crimeType: conversation.crimeType,
        officer: conversation.officerName,
      },
      this.#templates,
    )
    const ms = Math.round((performance.now() - started) * 100) / 100
    const drafted = await this.#drafted(forceId, conversation, latest, acting.staffId)
    if (drafted?.reply) {
      // Waypoint's own safety reply stays first when the message has words of danger.
      const at = made.danger.length ? 1 : 0
      made.replies = [
        ...made.replies.slice(0, at),
        drafted.reply,
        ...made.replies.slice(at).filter((r) => r.key !== providerReplyKey),
      ].slice(0, 3)
    }
    const shown = await this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      const insert = (s: {
        kind: 'reply' | 'action'
        key: string
        text: string
        reason: string | null
        urgent: boolean
        messageKind: string | null
      }) =>
        rows<{ id: string }>(
          tx,
          sql`insert into assist_officer_suggestions (force_id, conversation_id, message_id, staff_id, kind, key,
                intent, confidence, urgent, text, message_kind, reason, shown_at)
              values (${forceId}, ${conversation.conversationId}, ${latest.id}, ${acting.staffId}, ${s.kind}, ${s.key},
                ${made.intent}, ${made.confidence}, ${s.urgent}, ${s.text}, ${s.messageKind}, ${s.reason}, ${now})
              on conflict (message_id, staff_id, kind, key) do nothing returning id`,
        )
      const added: string[] = []
      for (const r of made.replies)
        added.push(
          ...(
            await insert({
              kind: 'reply',
              key: r.key,
              text: r.text,
              reason: r.source,
              urgent: false,
              messageKind: r.kind,
            })
          ).map((x) => x.id),
        )
      for (const a of made.actions)
        added.push(
          ...(
            await insert({
              kind: 'action',
              key: a.key,
              text: a.title,
              reason: a.reason,
              urgent: a.urgent,
              messageKind: null,
            })
          ).map((x) => x.id),
        )
      if (added.length)
        await this.#audit.record(
          {
            action: 'assist.suggestions-shown',
            forceId,
            ...acting.audited,
            recordType: 'conversation',
            recordId: conversation.conversationId,
            detail: {
              message: latest.id,
              intent: made.intent,
              confidence: made.confidence,
              danger: made.danger,
              replies: made.replies.map((r) => r.key),
              actions: made.actions.map((a) => ({ key: a.key, urgent: a.urgent })),
              suggestions: added,
              ms,
              ...(drafted ? { provider: drafted.name, providerAnswered: !drafted.fellBack } : {}),
            },
          },
          tx,
        )
      return this.#shown(tx, conversation.conversationId, latest.id, acting.staffId)
    })
    const keys = made.replies.map((r) => r.key)
    return {
      ...view,
      intentTitle: made.intentTitle,
      confidence: made.confidence,
      danger: made.danger,
      provider: drafted ? { name: drafted.name, fellBack: drafted.fellBack } : null,
      replies: shown
        .filter((s) => s.kind === 'reply' && keys.includes(s.key))
        .sort((a, b) => keys.indexOf(a.key) - keys.indexOf(b.key))
        .map((s) => ({
          id: s.id,
          title: made.replies.find((r) => r.key === s.key)!.title,
          text: s.text,
          source: s.reason ?? 'Waypoint',
          outcome: s.outcome,
        })),
      actions: made.actions.flatMap((a) => {
        const s = shown.find((x) => x.kind === 'action' && x.key === a.key)
        return s ? [{ id: s.id, title: a.title, reason: a.reason, urgent: a.urgent, outcome: s.outcome }] : []
      }),
    }
  }

  #shown(tx: Tx, conversationId: string, messageId: string, staffId: string): Promise<SuggestionRow[]> {
    return rows<SuggestionRow>(
      tx,
      sql`select id, kind, key, text, reason, urgent, message_kind as "messageKind", outcome, similarity
          from assist_officer_suggestions
          where conversation_id = ${conversationId} and message_id = ${messageId} and staff_id = ${staffId}`,
    )
  }

  /** A reply suggested to this officer on this conversation, to pre-fill the form; null if not theirs. */
  async suggestion(
    forceId: string,
    conversationId: string,
    suggestionId: string,
    acting: Acting,
  ): Promise<{ id: string; text: string; kind: string } | null> {
    if (!(await this.setting(forceId)).enabled) return null
    const [row] = await this.#db.withForce(forceId, (tx) =>
      rows<{ id: string; text: string; kind: string }>(
        tx,
        sql`select id, text, coalesce(message_kind, 'message') as kind from assist_officer_suggestions
            where id = ${suggestionId} and conversation_id = ${conversationId} and staff_id = ${acting.staffId}
              and kind = 'reply'`,
      ),
    )
    return row ?? null
  }

  /**
   * After the officer sends a reply: each suggested reply they were shown and had not yet decided
   * is used as it was, edited (with how like the sent text it stayed), or ignored; each audited.
   */
  async replied(
    forceId: string,
    conversationId: string,
    sent: { suggestionId: string | null; text: string; messageId: string },
    acting: Acting,
  ): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const open = await rows<{ id: string; key: string; text: string }>(
        tx,
        sql`select id, key, text from assist_officer_suggestions
            where conversation_id = ${conversationId} and staff_id = ${acting.staffId} and kind = 'reply'
              and outcome is null`,
      )
      const now = this.#clock.now()
      for (const s of open) {
        const like = similarity(s.text, sent.text)
        const outcome =
          s.id === sent.suggestionId ? (sameText(s.text, sent.text) ? 'used-as-is' : 'edited') : 'ignored'
        await tx.execute(
          sql`update assist_officer_suggestions set outcome = ${outcome}, similarity = ${like},
                sent_message_id = ${sent.messageId}, decided_at = ${now} where id = ${s.id}`,
        )
        await this.#audit.record(
          {
            action: 'assist.suggestion-decided',
            forceId,
            ...acting.audited,
            recordType: 'conversation',
            recordId: conversationId,
            detail: { suggestion: s.id, key: s.key, outcome, similarity: like, sentMessage: sent.messageId },
          },
          tx,
        )
      }
    })
  }

  /** The officer marks a suggested action done or not needed (CP-93), audited. */
  async decideAction(
    forceId: string,
    conversationId: string,
    suggestionId: string,
    outcome: string | undefined,
    acting: Acting,
  ): Promise<void> {
    await this.#on(forceId)
    if (outcome !== 'done' && outcome !== 'not-needed')
      throw new ValidationError([{ field: 'outcome', message: 'Choose done or not needed' }])
    await this.#db.withForce(forceId, async (tx) => {
      const [row] = await rows<{ key: string }>(
        tx,
        sql`update assist_officer_suggestions set outcome = ${outcome}, decided_at = ${this.#clock.now()}
            where id = ${suggestionId} and conversation_id = ${conversationId} and staff_id = ${acting.staffId}
              and kind = 'action' returning key`,
      )
      if (!row) throw new NotFoundError('The suggested action')
      await this.#audit.record(
        {
          action: 'assist.suggestion-decided',
          forceId,
          ...acting.audited,
          recordType: 'conversation',
          recordId: conversationId,
          detail: { suggestion: suggestionId, key: row.key, outcome },
        },
        tx,
      )
    })
  }

  /** The case a question page is about: the conversation as the console opens it (its checks and audit). */
  async caseOf(forceId: string, conversationId: string, acting: Acting): Promise<OfficerConversation> {
    await this.#on(forceId)
    return this.#conversation(forceId, conversationId, acting)
  }

  /**
   * Answers an officer's question about the case (CP-121) only from its records: the crime, its
   * incidents and people, its timeline, the journeys' messages and the portal messages. Refused
   * when nothing scores above the threshold. The question and the answer are audited.
   */
  async ask(
    forceId: string,
    conversationId: string,
    question: string | undefined,
    acting: Acting,
  ): Promise<{ conversation: OfficerConversation; answer: CaseAnswer; ms: number }> {
    const asked = (question ?? '').replace(/\s+/g, ' ').trim()
    if (!asked)
      throw new ValidationError([{ field: 'question', message: 'Enter your question about the case' }])
    if (asked.length > questionMaxLength)
      throw new ValidationError([
        { field: 'question', message: `Your question must be ${questionMaxLength} characters or fewer` },
      ])
    const conversation = await this.caseOf(forceId, conversationId, acting)
    const records = await this.#caseRecords(forceId, conversation.crimeId)
    const started = performance.now()
    const answer = answerQuestion(asked, caseItems(conversation, records))
    const ms = Math.round((performance.now() - started) * 100) / 100
    await this.#audit.record({
      action: 'assist.case-question-asked',
      forceId,
      ...acting.audited,
      recordType: 'crime',
      recordId: conversation.crimeId,
      detail: {
        conversation: conversationId,
        question: asked,
        answered: answer.answered,
        answer: answer.sentences.map((s) => ({ text: s.text, record: s.item.id })),
        ms,
      },
    })
    return { conversation, answer, ms }
  }
}

/** The case's records as items a question is answered from, each linked to where it is shown. */
export function caseItems(
  conversation: OfficerConversation,
  records: { crime: CrimeCase; messages: CaseMessageEntry[] },
): SummaryItem[] {
  const { crime, incidents, parties, timeline } = records.crime
  const crimeHref = `/console/cases/crimes/${crime.id}`
  const items: SummaryItem[] = []
  const officer = crime.officerName
    ? ` The investigating officer is ${crime.officerName}${crime.officerCollar ? ` (${crime.officerCollar})` : ''}.`
    : ''
  items.push({
    id: `crime:${crime.id}`,
    kind: 'Crime record',
    at: new Date(crime.recordedAt ?? crime.updatedAt).toISOString(),
    title: crime.crimeRef,
    body:
      `Crime ${crime.crimeRef} is a ${crime.crimeType ?? 'crime'}${crime.recordedAt ? ` recorded on ${day(crime.recordedAt)}` : ''}. ` +
      `Its status is ${crime.status}${crime.outcome ? `, outcome ${crime.outcome}` : ''}.${officer}` +
      `${crime.vcopCategory ? ` Victims’ Code category: ${crime.vcopCategory}.` : ''}`,
    href: crimeHref,
  })
  for (const p of parties)
    items.push({
      id: `party:${p.id}`,
      kind: 'Person on the case',
      at: new Date(p.addedAt).toISOString(),
      title: p.displayName ?? 'A person',
      body: `${p.displayName ?? 'A person whose name is not recorded'} is the ${roleWords[p.role] ?? p.role.replace(/_/g, ' ')} on this case.`,
      href: p.personId ? `/console/people/${p.personId}` : crimeHref,
    })
  for (const i of incidents)
    items.push({
      id: `incident:${i.id}`,
      kind: 'CAD log',
      at: new Date(i.openedAt ?? i.updatedAt).toISOString(),
      title: i.cadRef,
      body: `Incident ${i.cadRef}${i.incidentType ? ` (${i.incidentType})` : ''}${i.grading ? `, graded ${i.grading}` : ''}${i.openedAt ? `, opened ${day(i.openedAt)}` : ''}${i.location ? ` at ${i.location}` : ''}.`,
      href: `/console/cases/incidents/${i.id}`,
    })
  for (const t of timeline)
    items.push({
      id: `timeline:${t.id}`,
      kind: t.sourceSystem === 'storm' ? 'CAD' : t.sourceSystem === 'athena' ? 'RMS' : 'Case record',
      at: new Date(t.occurredAt).toISOString(),
      title: t.eventType,
      body: `${t.summary}.`,
      href: `${crimeHref}#event-${t.id}`,
    })
  for (const m of records.messages)
    items.push({
      id: `journey:${m.messageId ?? `${m.personId}:${new Date(m.at).toISOString()}`}`,
      kind: m.channel === 'sms' ? 'Text message' : m.channel === 'email' ? 'Email' : 'Journey message',
      at: new Date(m.at).toISOString(),
      title: m.templateName ?? m.journeyName,
      body: `${m.channel === 'sms' ? 'Text message' : m.channel === 'email' ? 'Email' : 'Message'} “${m.templateName ?? m.journeyName}” to the person: ${m.stateText.toLowerCase()} (${m.atLabel.toLowerCase()} ${day(m.at)}).`,
      href: m.messageId ? `/console/cases/messages/${m.messageId}` : crimeHref,
    })
  for (const m of conversation.messages) {
    if (m.recalledAt) continue
    const who =
      m.direction === 'inbound'
        ? `${conversation.personName ?? 'The person'} wrote to the officer in the Portal on ${day(m.sentAt)}.`
        : `${m.author ?? 'The force'} contacted the person by portal message on ${day(m.sentAt)}.`
    items.push({
      id: `portal:${m.id}`,
      kind: 'Portal message',
      at: new Date(m.sentAt).toISOString(),
      title: m.direction === 'inbound' ? 'From the person' : `From ${m.author ?? 'the force'}`,
      body: `${who} ${m.body}`,
      href: `/console/officers/conversations/${conversation.conversationId}#message-${m.id}`,
    })
  }
  return items
}
