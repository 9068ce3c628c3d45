// The voice IVR's decision (CRM-6; decision 0041): what a caller said before their call is queued,
// transcribed offline, decides the call's priority and skill, by the same rules as the web chat's
// chatbot (chatbot.ts): danger words (danger.ts) first, always, then the force's chatbot knowledge
// base through the same classifier; a reason the classifier is not sure of leaves the call as the
// IVR queued it. Each decision says why, in words the handler reads on the contact.
import type { Skill } from '../contact/queue-repository.ts'
import { handOverBelow } from './chatbot.ts'
import type { IntentClassifier } from './classifier.ts'
import { dangerIn } from './danger.ts'
import type { Intent } from './knowledge.ts'

/** Spoken danger, so the recogniser's language model has the words danger.ts looks for. */
export const spokenDangerPhrases: readonly string[] = [
  'he has got a knife',
  'there is a man with a gun outside',
  'she has a knife and is going to stab me',
  'I am being attacked',
  'someone is attacking my mum',
  'he is hitting me',
  'they are beating him up',
  'he said he is going to kill me',
  'he threatened to kill her',
  'my ex is threatening to hurt me',
  'someone is breaking in right now',
  'there is someone in my house',
  'a man is inside my flat',
  'my husband is not breathing',
  'she has collapsed and is unconscious',
  'I want to kill myself',
  'I do not want to live any more',
  'my friend says she is suicidal',
  'the house is on fire',
  'please help me now',
  'I am in danger',
  'it is an emergency',
  'a fight is happening now',
  'my son has been stabbed',
  'there is lots of blood',
  'he has been kidnapped',
]

export interface SpokenReasonDecision {
  /** danger: red-flag words; intent: the classifier is sure; unsure: it is not; silent: no words. */
  basis: 'danger' | 'intent' | 'unsure' | 'silent'
  intent: string | null
  intentTitle: string | null
  confidence: number
  signs: string[]
  /** The queue priority (1 urgent … 4 low) and skill the call should have. */
  priority: number
  skill: Skill
  /** Hand straight to a person: priority 1 for handlers with the vulnerability skill. */
  urgent: boolean
  /** Whether the call's place in the queue should change (not when unsure or silent). */
  changesQueue: boolean
  /** Why, for the handler. */
  explanation: string
}

/** What the transcript of a caller's spoken reason decides. */
export function decideSpokenReason(
  transcript: string,
  knowledge: { intents: Intent[]; classifier: IntentClassifier },
): SpokenReasonDecision {
  const base = { intent: null, intentTitle: null, confidence: 0, signs: [] as string[] }
  if (!transcript.trim())
    return {
      ...base,
      basis: 'silent',
      priority: 3,
      skill: 'phone',
      urgent: false,
      changesQueue: false,
      explanation: 'No words were recognised, so the call keeps its place in the queue.',
    }
  const signs = dangerIn(transcript)
  if (signs.length)
    return {
      ...base,
      signs,
      basis: 'danger',
      priority: 1,
      skill: 'vulnerability',
      urgent: true,
      changesQueue: true,
      explanation: `Danger words were heard (${signs.join(', ')}), so the call is urgent, for a handler with the vulnerable callers skill.`,
    }
  const result = knowledge.classifier.classify(transcript)
  const intent = knowledge.intents.find((i) => i.name === result.intent)
  const confidence = Math.round(result.confidence * 100) / 100
  if (!intent || result.confidence < handOverBelow)
    return {
      ...base,
      intent: result.intent,
      intentTitle: intent?.title ?? null,
      confidence,
      basis: 'unsure',
      priority: 3,
      skill: 'phone',
      urgent: false,
      changesQueue: false,
      explanation: `The reason was not recognised with enough confidence (${Math.round(confidence * 100)}%, below ${handOverBelow * 100}%), so the call keeps its place in the queue.`,
    }
  // A phone call needs a handler who takes calls, unless the intent needs the vulnerability skill.
  const skill: Skill = intent.skill === 'vulnerability' ? 'vulnerability' : 'phone'
  const urgent = intent.priority === 1 && skill === 'vulnerability'
  return {
    basis: 'intent',
    intent: intent.name,
    intentTitle: intent.title,
    confidence,
    signs: [],
    priority: intent.priority,
    skill,
    urgent,
    changesQueue: true,
    explanation: `The caller asked about “${intent.title}” (${Math.round(confidence * 100)}% sure), which the knowledge base gives priority ${intent.priority} for ${skill === 'vulnerability' ? 'a handler with the vulnerable callers skill' : 'phone handlers'}.`,
  }
}
