// The demo's people answer back: in `npm start`, now and then someone who was sent a text by the
// dev outbox replies a little later, through the dev outbox's `receive` and the same path a text
// received by GOV.UK Notify takes (ConversationService.receiveText), so the console shows two-way
// conversations, live, beside the journeys' messages.
import type { OutgoingMessage } from '../messaging/channels.ts'
import type { ConversationService } from '../messaging/conversations/service.ts'
import type { MessagingServices } from '../messaging/messaging-services.ts'
import type { Logger } from '../platform/logger.ts'
import { Random } from './scenarios.ts'

/** What the demo replies need of the running Waypoint (the `App` satisfies it). */
export interface DemoRepliesHost {
  log: Logger
  services: { messaging: MessagingServices; conversations: ConversationService }
}

export interface DemoRepliesOptions {
  /** The share of texts answered, 0 to 1. */
  chance: number
  /** How long after the text the answer comes, at most. */
  maxDelayMs: number
  seed?: number
}

/** What people write back. */
export const demoReplyTexts = [
  'Thank you for letting me know.',
  'When will an officer contact me?',
  'Is there any update on my case?',
  'Thanks. Can someone call me after 5pm please?',
  'I have more information about what happened. Who should I tell?',
  'Do I need to do anything else?',
]

export interface DemoReplies {
  /** Replies in flight, settled (for a test). */
  settled(): Promise<void>
  stop(): void
}

export function startDemoReplies(app: DemoRepliesHost, options: DemoRepliesOptions): DemoReplies {
  const outbox = app.services.messaging.devOutbox
  const log = app.log.child({ component: 'demo-replies' })
  const random = new Random(options.seed ?? Date.now())
  const timers = new Set<NodeJS.Timeout>()
  const inFlight = new Set<Promise<unknown>>()
  const answer = (message: OutgoingMessage) => {
    const inbound = outbox!.receive({
      id: `demo-reply:${message.reference}`,
      from: message.recipient,
      message: demoReplyTexts[Math.floor(random.next() * demoReplyTexts.length)],
    })
    const done = app.services.conversations
      .receiveText(message.forceId, inbound, { system: 'Dev outbox (simulated reply)' })
      .then(
        () => log.info({ forceId: message.forceId }, 'a simulated reply arrived'),
        // The demo carries on: a reply that could not be stored is only a missing demo reply.
        (error: Error) => log.warn({ err: error }, 'a simulated reply was not stored'),
      )
      .finally(() => inFlight.delete(done))
    inFlight.add(done)
  }
  const unsubscribe = outbox?.onDelivered((message) => {
    if (message.channel !== 'sms' || random.next() >= options.chance) return
    const timer = setTimeout(
      () => {
        timers.delete(timer)
        answer(message)
      },
      Math.floor(random.next() * options.maxDelayMs),
    )
    timer.unref()
    timers.add(timer)
  })
  return {
    settled: async () => {
      while (timers.size > 0 || inFlight.size > 0) {
        await Promise.all(inFlight)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
    stop: () => {
      unsubscribe?.()
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
  }
}
