// The chatbot on the web chat (CRM-7): Contact's automated first responder (decision 0032's
// seam), offline. It says it is automated in its first message; red-flag words (danger.ts) come
// before anything else and hand the chat to a person at once, marked urgent, with the advice to
// call 999; a question the force's knowledge base knows gets its answer; a request for a person,
// an intent marked for hand-over or a message it is not sure of hands the chat over, and the
// handler sees everything written so far. The queue priority and skill come from the intent.
// A force may have its model provider read the intent instead (decision 0048): the danger rules
// still run first, the answer is still the knowledge base's, an answer naming no known intent
// falls back to the embedded classifier, and an intent the embedded classifier is sure should be
// handed over is handed over whatever the provider says: a provider never downgrades an escalation.
import type { ChatFirstResponder, FirstResponderAnswer } from '../contact/chat.ts'
import type { IntentClassifier } from './classifier.ts'
import { dangerIn } from './danger.ts'
import type { Intent } from './knowledge.ts'

/** Below this confidence the bot does not guess: it hands the chat to a person. */
export const handOverBelow = 0.5

export const chatbotName = 'Automated assistant'

export const introduction =
  'Hello, I am an automated assistant, not a person. I can answer common questions and pass you to a member of staff at any time: just ask. If you are in danger or a crime is happening now, call 999.'

export const emergencyReply =
  'If you or someone else is in danger now, call 999 straight away. If you cannot speak, call 999 and press 55 when asked. I am passing this chat to a member of staff now, marked urgent.'

export const unsureReply =
  'I am not sure I have understood, so I am passing you to a member of staff. They will see what you have written.'

/**
 * A model provider's reading of a message: the intent it named (or 'none'), or why it gave none.
 * Undefined when the force's chatbot does not use a provider.
 */
export type IntentPicker = (input: {
  chatId: string
  text: string
  intents: Intent[]
}) => Promise<
  { provider: string; intent: string; ms: number } | { provider: string; failure: string } | undefined
>

export class Chatbot implements ChatFirstResponder {
  readonly name = chatbotName
  readonly #knowledge: () => Promise<{ intents: Intent[]; classifier: IntentClassifier }>
  readonly #picker: IntentPicker | undefined

  constructor(
    knowledge: () => Promise<{ intents: Intent[]; classifier: IntentClassifier }>,
    picker?: IntentPicker,
  ) {
    this.#knowledge = knowledge
    this.#picker = picker
  }

  async respond(input: {
    chatId?: string
    text: string
    history: { from: 'citizen' | 'responder' | 'staff'; text: string }[]
  }): Promise<FirstResponderAnswer> {
    const first = !input.history.some((m) => m.from === 'responder')
    const say = (text: string) => (first ? `${introduction}\n\n${text}` : text)
    const signs = dangerIn(input.text)
    if (signs.length)
      return {
        reply: say(emergencyReply),
        handOver: true,
        priority: 1,
        skill: 'vulnerability',
        detail: { reason: 'danger', signs },
      }
    const { intents, classifier } = await this.#knowledge()
    const result = classifier.classify(input.text)
    const embedded = intents.find((i) => i.name === result.intent)
    const confidence = Math.round(result.confidence * 100) / 100
    const picked = this.#picker
      ? await this.#picker({ chatId: input.chatId ?? '', text: input.text, intents })
      : undefined
    if (picked && 'intent' in picked) {
      const automated = { engine: 'provider', provider: picked.provider, providerMs: picked.ms }
      const chosen = intents.find((i) => i.name === picked.intent)
      // The embedded reading's hand-over stands when the provider's would not hand over.
      const escalation =
        embedded?.handOver && result.confidence >= handOverBelow && !chosen?.handOver ? embedded : undefined
      if (escalation)
        return {
          reply: say(escalation.answer),
          handOver: true,
          priority: escalation.priority,
          skill: escalation.skill,
          detail: {
            reason: 'intent',
            intent: escalation.name,
            confidence,
            ...automated,
            providerIntent: picked.intent,
            kept: 'embedded hand-over',
          },
        }
      if (!chosen)
        return {
          reply: say(unsureReply),
          handOver: true,
          priority: 3,
          skill: 'chat',
          detail: { reason: 'low-confidence', intent: null, ...automated },
        }
      return chosen.handOver
        ? {
            reply: say(chosen.answer),
            handOver: true,
            priority: chosen.priority,
            skill: chosen.skill,
            detail: { reason: 'intent', intent: chosen.name, ...automated },
          }
        : { reply: say(chosen.answer), handOver: false, detail: { intent: chosen.name, ...automated } }
    }
    const engine = picked
      ? { engine: 'embedded', provider: picked.provider, fellBack: picked.failure }
      : { engine: 'embedded' }
    if (!embedded || result.confidence < handOverBelow)
      return {
        reply: say(unsureReply),
        handOver: true,
        priority: 3,
        skill: 'chat',
        detail: { reason: 'low-confidence', intent: result.intent, confidence, ...engine },
      }
    if (embedded.handOver)
      return {
        reply: say(embedded.answer),
        handOver: true,
        priority: embedded.priority,
        skill: embedded.skill,
        detail: { reason: 'intent', intent: embedded.name, confidence, ...engine },
      }
    return {
      reply: say(embedded.answer),
      handOver: false,
      detail: { intent: embedded.name, confidence, ...engine },
    }
  }
}
