// Help for the investigating officer answering a person's portal messages (CP-89, CP-93), offline:
// the person's latest message is classified by intent with the chatbot's naive Bayes classifier
// (classifier.ts, trained here on officer-intents.json), and red-flag words are read with the
// chatbot's danger rules (danger.ts), which always win. From these come up to three suggested
// replies (Waypoint's own for the intent, then the force's reply templates), filled with the
// case's fields, and the suggested actions, each with its reason; words of danger make the first
// actions urgent. Nothing here sends anything: the officer edits a reply in the form and sends it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MessageKind } from '../messaging/conversations/schema.ts'
import { IntentClassifier, type TrainingPhrase } from './classifier.ts'
import { dangerIn } from './danger.ts'

export interface OfficerIntent {
  name: string
  title: string
  phrases: string[]
}

const file = JSON.parse(readFileSync(join(import.meta.dirname, 'officer-intents.json'), 'utf8')) as {
  intents: OfficerIntent[]
}
export const officerIntents: readonly OfficerIntent[] = file.intents

let trained: IntentClassifier | undefined
/** The classifier of people's portal messages, trained once (a few milliseconds). */
export function officerClassifier(): IntentClassifier {
  trained ??= new IntentClassifier(
    officerIntents.flatMap((i) => i.phrases.map((text): TrainingPhrase => ({ intent: i.name, text }))),
  )
  return trained
}

/** Below this confidence Waypoint does not name an intent; it offers general replies. */
export const unsureBelow = 0.35

/** The case's fields a suggestion is filled with. */
export interface CaseFields {
  name: string | null
  crimeRef: string
  crimeType: string | null
  officer: string | null
}

export interface ReplyTemplate {
  id: string
  title: string
  kind: MessageKind
  text: string
}

export interface SuggestedReply {
  key: string
  title: string
  kind: MessageKind
  text: string
  /** Waypoint's own, the force's template, or the force's model provider's draft (decision 0048). */
  source: 'Waypoint' | 'Force template' | `Automated: ${string}`
}

export interface SuggestedAction {
  key: string
  title: string
  reason: string
  urgent: boolean
}

export interface Reading {
  intent: string | null
  intentTitle: string | null
  confidence: number
  danger: string[]
}

export interface Suggestions extends Reading {
  replies: SuggestedReply[]
  actions: SuggestedAction[]
}

/** Waypoint's own replies, by intent ('danger' for a message with red-flag words). Fields in braces. */
export const builtInReplies: Record<string, Omit<SuggestedReply, 'source'>[]> = {
  danger: [
    {
      key: 'danger-999',
      title: 'Call 999 if in danger; I will call you',
      kind: 'message',
      text: 'Thank you for telling me, {name}. If you or anyone else is in danger now, call 999. If you cannot speak, call 999 and press 55 when asked. I am going to call you as soon as I can today.',
    },
  ],
  safety: [
    {
      key: 'safety-call-today',
      title: 'I will call you today about your safety',
      kind: 'message',
      text: 'I am sorry you feel unsafe, {name}. I am arranging for your safety to be reviewed and will call you today. Keep a note of anything that happens, with dates and times. If you are in danger at any time, call 999.',
    },
  ],
  update: [
    {
      key: 'update-progress',
      title: 'Where the case stands',
      kind: 'message',
      text: 'Hello {name}, thank you for your message about {crimeRef}. Here is where the investigation into the {crimeType} stands: [what has been done]. The next step is [next step]. I will update you again by [date].',
    },
  ],
  'new-information': [
    {
      key: 'information-added',
      title: 'Thank you; added to your case',
      kind: 'message',
      text: 'Thank you, {name}. I have added what you told me to the record for {crimeRef} and will look into it. If you have photos or video, please keep them safe and do not post them online.',
    },
  ],
  withdraw: [
    {
      key: 'withdraw-talk',
      title: 'Talk before you decide',
      kind: 'message',
      text: 'Thank you for telling me, {name}. Before anything is decided I would like to talk to you about it and about support that may help. Please tell me a good time to call you. Victim Support can also help on 08 08 16 89 111.',
    },
    {
      key: 'withdraw-recorded',
      title: 'Your wish to withdraw is recorded',
      kind: 'message',
      text: 'I have recorded that you do not want to continue with {crimeRef}. If the case is with the Crown Prosecution Service I will tell them. In some cases the police or CPS may still go ahead; I will explain what that would mean for you.',
    },
  ],
  property: [
    {
      key: 'property-checking',
      title: 'I am checking on your property',
      kind: 'message',
      text: 'Hello {name}, thank you for asking about your property on {crimeRef}. I am checking where it is and when it can be returned, and will let you know by [date].',
    },
  ],
  complaint: [
    {
      key: 'complaint-listen',
      title: 'Sorry; tell me what went wrong',
      kind: 'message',
      text: 'I am sorry you are unhappy with how your case has been handled, {name}. Please tell me what has gone wrong so that I can try to put it right. If you would like to make a complaint, you can do so on our website, or I can pass it to my supervisor.',
    },
  ],
  thanks: [
    {
      key: 'thanks-welcome',
      title: 'You are welcome',
      kind: 'message',
      text: 'You are welcome, {name}. I will keep you updated on {crimeRef}.',
    },
  ],
}

/** Which of the force's reply templates (src/officers) suit each intent, best first. */
export const templatesFor: Record<string, string[]> = {
  danger: ['support-services'],
  safety: ['support-services'],
  update: ['update-soon'],
  'new-information': ['received', 'ask-statement-detail'],
  withdraw: ['support-services'],
  property: ['update-soon'],
  complaint: ['received'],
  thanks: ['received'],
  unsure: ['received', 'update-soon', 'ask-statement-detail'],
}

/** The actions suggested for each intent, with why. */
const intentActions: Record<string, SuggestedAction[]> = {
  safety: [
    {
      key: 'review-risk',
      title: 'Review the risk assessment and safeguarding',
      reason: 'The person says they are worried about their safety.',
      urgent: false,
    },
    {
      key: 'call-today',
      title: 'Call the person today',
      reason: 'A person who feels unsafe should hear from you in person, not only in writing.',
      urgent: false,
    },
  ],
  update: [
    {
      key: 'victims-code-update',
      title: 'Give the person an update under the Victims’ Code',
      reason:
        'The person asks for an update: the Victims’ Code entitles them to be told of progress and of key decisions.',
      urgent: false,
    },
  ],
  'new-information': [
    {
      key: 'add-to-crime-record',
      title: 'Add the new information to the crime record',
      reason: 'The message gives new information: record it on the crime and consider new lines of enquiry.',
      urgent: false,
    },
  ],
  withdraw: [
    {
      key: 'record-withdrawal',
      title: 'Record the victim’s withdrawal and tell the CPS',
      reason:
        'The person says they want to withdraw: record it on the crime with any reasons they give, and tell the CPS if the case is with them.',
      urgent: false,
    },
    {
      key: 'check-pressure',
      title: 'Check the person is not being pressured to withdraw',
      reason: 'A wish to withdraw can follow threats or pressure, especially where there is domestic abuse.',
      urgent: false,
    },
  ],
  property: [
    {
      key: 'check-property',
      title: 'Check the property record and when it can be returned',
      reason: 'The person asks about their property.',
      urgent: false,
    },
  ],
  complaint: [
    {
      key: 'tell-supervisor',
      title: 'Tell your supervisor',
      reason:
        'The person is unhappy with the service: a supervisor may resolve it early or record a complaint.',
      urgent: false,
    },
  ],
}

/** Reads a person's message: its intent (when Waypoint is sure enough) and any red-flag words. */
export function readMessage(text: string): Reading {
  const danger = dangerIn(text)
  const result = officerClassifier().classify(text)
  const confidence = Math.round(result.confidence * 100) / 100
  const intent = result.intent && result.confidence >= unsureBelow ? result.intent : null
  return {
    intent,
    intentTitle: officerIntents.find((i) => i.name === intent)?.title ?? null,
    confidence,
    danger,
  }
}

/** Writes the case's fields into a suggestion; a field the case lacks gets plain words. */
export function fill(text: string, fields: CaseFields): string {
  const values: Record<string, string> = {
    name: fields.name?.trim() || 'there',
    crimeRef: fields.crimeRef,
    crimeType: fields.crimeType?.toLowerCase() || 'crime',
    officer: fields.officer || 'your investigating officer',
  }
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole)
}

/** Up to three replies and the actions for the person's latest message. */
export function suggest(
  message: string,
  fields: CaseFields,
  templates: readonly ReplyTemplate[],
): Suggestions {
  const reading = readMessage(message)
  // Words of danger put the safety replies first, whatever the intent.
  const keys = reading.danger.length ? ['danger', reading.intent ?? 'safety'] : [reading.intent ?? 'unsure']
  const replies: SuggestedReply[] = []
  for (const key of keys)
    for (const r of builtInReplies[key] ?? [])
      replies.push({ ...r, text: fill(r.text, fields), source: 'Waypoint' })
  for (const key of keys)
    for (const id of templatesFor[key] ?? []) {
      const t = templates.find((x) => x.id === id)
      if (t && !replies.some((r) => r.key === `template-${t.id}`))
        replies.push({
          key: `template-${t.id}`,
          title: t.title,
          kind: t.kind,
          text: fill(t.text, fields),
          source: 'Force template',
        })
    }
  const actions: SuggestedAction[] = []
  // Red-flag words always escalate, whatever the intent: urgent, and first.
  if (reading.danger.length) {
    const signs = reading.danger.join(', ')
    actions.push(
      {
        key: 'call-now',
        title: 'Call the person now',
        reason: `The message has words of danger (${signs}). If they are in danger now, send officers as an emergency.`,
        urgent: true,
      },
      {
        key: 'refer-safeguarding',
        title: 'Refer to safeguarding',
        reason: `Words of danger (${signs}) always go to safeguarding the same day, whatever else the message asks.`,
        urgent: true,
      },
    )
  }
  for (const a of intentActions[reading.intent ?? ''] ?? [])
    if (!actions.some((x) => x.key === a.key))
      actions.push({
        ...a,
        reason: `${a.reason} (Waypoint read it as “${reading.intentTitle?.toLowerCase()}”, ${Math.round(reading.confidence * 100)}% sure.)`,
      })
  return { ...reading, replies: replies.slice(0, 3), actions }
}

/** How like `final` the suggestion `suggested` is: 1 the same words in order, 0 none shared. */
export function similarity(suggested: string, final: string): number {
  const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []
  const a = words(suggested)
  const b = words(final)
  if (a.length === 0 && b.length === 0) return 1
  // The longest common subsequence of words, one row at a time.
  let previous = new Array<number>(b.length + 1).fill(0)
  for (const x of a) {
    const row = new Array<number>(b.length + 1).fill(0)
    for (let j = 1; j <= b.length; j++)
      row[j] = x === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, row[j - 1]!)
    previous = row
  }
  return Math.round(((2 * previous[b.length]!) / (a.length + b.length)) * 100) / 100
}

/** The same text, whitespace aside. */
export const sameText = (a: string, b: string) =>
  a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim()
