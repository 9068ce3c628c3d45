// The chatbot on the web chat (CRM-7): Contact's automated first responder (decision 0032's
// seam), offline. It says it is automated in its first message; red-flag words (danger.ts) come
// before anything else and hand the chat to a person at once, marked urgent, with the advice to
// call 999; a question the force's knowledge base knows gets its answer; a request for a person,
// an intent marked for hand-over or a message it is not sure of hands the chat over, and the
// handler sees everything written so far. The queue priority and skill come from the intent.
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

export class Chatbot implements ChatFirstResponder {
  readonly name = chatbotName
  readonly #knowledge: () => Promise<{ intents: Intent[]; classifier: IntentClassifier }>

  constructor(knowledge: () => Promise<{ intents: Intent[]; classifier: IntentClassifier }>) {
    this.#knowledge = knowledge
  }

  async respond(input: {
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
    const intent = intents.find((i) => i.name === result.intent)
    const confidence = Math.round(result.confidence * 100) / 100
    if (!intent || result.confidence < handOverBelow)
      return {
        reply: say(unsureReply),
        handOver: true,
        priority: 3,
        skill: 'chat',
        detail: { reason: 'low-confidence', intent: result.intent, confidence },
      }
    if (intent.handOver)
      return {
        reply: say(intent.answer),
        handOver: true,
        priority: intent.priority,
        skill: intent.skill,
        detail: { reason: 'intent', intent: intent.name, confidence },
      }
    return { reply: say(intent.answer), handOver: false, detail: { intent: intent.name, confidence } }
  }
}
