// The chatbot's knowledge base (CRM-7): what people ask a force about that is not an emergency,
// as intents a force administrator edits without code — a name, example phrases the classifier
// learns from, the answer the bot gives, the queue priority and skill a conversation gets when it
// is handed over, and whether the bot hands over at once. Waypoint ships a default set
// (intents.json) that a force starts from.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Skill, skills } from '../contact/queue-repository.ts'
import { ValidationError } from '../platform/errors.ts'
import { IntentClassifier } from './classifier.ts'

export interface Intent {
  /** A short, unique name: lower-case letters, digits and hyphens. */
  name: string
  title: string
  phrases: string[]
  answer: string
  /** The queue priority on hand-over: 1 urgent, 2 high, 3 normal, 4 low. */
  priority: number
  skill: Skill
  /** Whether the bot hands the chat to a person as soon as it recognises this intent. */
  handOver: boolean
}

export const intentLimits = {
  name: 40,
  title: 100,
  phrase: 200,
  phrases: 40,
  answer: 1000,
  intents: 60,
} as const

export function defaultIntents(): Intent[] {
  const file = JSON.parse(readFileSync(join(import.meta.dirname, 'intents.json'), 'utf8')) as {
    intents: Intent[]
  }
  return file.intents
}

/** A classifier trained on the knowledge base's example phrases. */
export function trainOn(intents: Intent[]): IntentClassifier {
  return new IntentClassifier(intents.flatMap((i) => i.phrases.map((text) => ({ intent: i.name, text }))))
}

/**
 * An intent as a force administrator wrote it in the form (phrases one a line), checked field by
 * field; refused with each field's error.
 */
export function parseIntent(
  input: {
    name?: string
    title?: string
    phrases?: string
    answer?: string
    priority?: string
    skill?: string
    handOver?: string
  },
  others: Intent[],
): Intent {
  const errors: { field: string; message: string }[] = []
  const name = (input.name ?? '').trim().toLowerCase()
  if (!name) errors.push({ field: 'name', message: 'Enter a short name for the intent' })
  else if (name.length > intentLimits.name)
    errors.push({ field: 'name', message: `The name must be ${intentLimits.name} characters or fewer` })
  else if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name))
    errors.push({
      field: 'name',
      message: 'The name must be lower-case letters, numbers and hyphens, like lost-property',
    })
  else if (others.some((o) => o.name === name))
    errors.push({ field: 'name', message: 'Another intent already has this name' })
  const title = (input.title ?? '').trim()
  if (!title) errors.push({ field: 'title', message: 'Enter a title' })
  else if (title.length > intentLimits.title)
    errors.push({ field: 'title', message: `The title must be ${intentLimits.title} characters or fewer` })
  const phrases = [
    ...new Set(
      (input.phrases ?? '')
        .split(/\r?\n/)
        .map((p) => p.trim().replace(/\s+/g, ' '))
        .filter(Boolean),
    ),
  ]
  if (phrases.length < 3)
    errors.push({ field: 'phrases', message: 'Enter at least 3 example phrases, one on each line' })
  else if (phrases.length > intentLimits.phrases)
    errors.push({ field: 'phrases', message: `Enter at most ${intentLimits.phrases} example phrases` })
  else if (phrases.some((p) => p.length > intentLimits.phrase))
    errors.push({
      field: 'phrases',
      message: `Each example phrase must be ${intentLimits.phrase} characters or fewer`,
    })
  const answer = (input.answer ?? '').replace(/\r\n?/g, '\n').trim()
  if (!answer) errors.push({ field: 'answer', message: 'Enter the answer the assistant gives' })
  else if (answer.length > intentLimits.answer)
    errors.push({ field: 'answer', message: `The answer must be ${intentLimits.answer} characters or fewer` })
  const priority = Number(input.priority)
  if (!Number.isInteger(priority) || priority < 1 || priority > 4)
    errors.push({ field: 'priority', message: 'Choose the priority in the queue' })
  const skill = skills.find((s) => s === input.skill)
  if (!skill) errors.push({ field: 'skill', message: 'Choose the skill a handler needs' })
  if (errors.length) throw new ValidationError(errors)
  return {
    name,
    title,
    phrases,
    answer,
    priority,
    skill: skill as Skill,
    handOver: input.handOver === 'yes',
  }
}
