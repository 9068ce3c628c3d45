// The demo's web chats: in `npm start`, now and then a simulated person starts a chat with Essex
// Police through Contact's chat service (the path the chat window's socket takes), writes again a
// little later, and leaves after a while, answering the survey, so Essex's contact handler has
// live chats to pick up beside the texts and calls.
import type { ChatService } from '../contact/chat.ts'
import type { Logger } from '../platform/logger.ts'
import { Random } from './scenarios.ts'

/** What the demo chats need of the running Waypoint (the `App` satisfies it). */
export interface DemoChatsHost {
  log: Logger
  services: { contact: { chat: ChatService } }
}

export interface DemoChatsOptions {
  forceId: string
  /** The page the demo's people chat from (Waypoint's own address in the demo). */
  origin: string
  /** A new chat starts after a random wait of up to this long. */
  maxGapMs: number
  /** How long after starting a person writes again, and how long after starting (at the soonest, once
   * they have written again) they leave. */
  followUpMs: number
  leaveAfterMs: number
  seed?: number
}

/** What the demo's people ask, and what they add. */
export const demoChatOpenings = [
  'Hi, I want to report that my bike was stolen from outside the station this morning.',
  'Is there any news on the burglary at my house? I reported it last week.',
  'Someone keeps parking across my driveway and is abusive when I ask them to move.',
  'I found a wallet in the park. Where can I hand it in?',
  'My elderly neighbour has had a scam phone call. What should she do?',
]
export const demoChatFollowUps = [
  'Are you still there?',
  'I can send a photo if that helps.',
  'I am free to talk after 5pm today.',
]

export interface DemoChats {
  /** Chats in flight, settled (for a test). */
  settled(): Promise<void>
  stop(): void
}

export function startDemoChats(app: DemoChatsHost, options: DemoChatsOptions): DemoChats {
  const log = app.log.child({ component: 'demo-chats' })
  const random = new Random(options.seed ?? Date.now())
  const pick = <T>(list: readonly T[]) => list[Math.floor(random.next() * list.length)]!
  const timers = new Set<NodeJS.Timeout>()
  const inFlight = new Set<Promise<unknown>>()
  let stopped = false
  const later = (ms: number, work: () => Promise<unknown>) => {
    if (stopped) return
    const timer = setTimeout(() => {
      timers.delete(timer)
      const done = work()
        // The demo carries on: a chat step that failed is only a missing demo chat.
        .catch((error: Error) => log.warn({ err: error }, 'a simulated chat step failed'))
        .finally(() => inFlight.delete(done))
      inFlight.add(done)
    }, ms)
    timer.unref()
    timers.add(timer)
  }
  const chat = app.services.contact.chat
  const next = () =>
    later(Math.floor(random.next() * options.maxGapMs), async () => {
      // The next person comes only once this one's chat has started, so a slow database is never
      // handed more and more chats at once.
      let token: string
      try {
        ;({ token } = await chat.start(options.forceId, {
          text: pick(demoChatOpenings),
          origin: options.origin,
        }))
      } finally {
        next()
      }
      log.info({ forceId: options.forceId }, 'a simulated person started a web chat')
      // The person leaves only once their follow-up is written, so on a slow database they never
      // leave before writing again (the steps once raced each other).
      later(options.followUpMs, async () => {
        try {
          if (!(await chat.resume(options.forceId, token)).ended)
            await chat.send(options.forceId, token, { text: pick(demoChatFollowUps) })
        } finally {
          later(Math.max(0, options.leaveAfterMs - options.followUpMs), async () => {
            await chat.end(options.forceId, token)
            await chat.survey(options.forceId, token, { rating: 3 + Math.floor(random.next() * 3) })
          })
        }
      })
    })
  next()
  return {
    settled: async () => {
      while (inFlight.size > 0) await Promise.all(inFlight)
    },
    stop: () => {
      stopped = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
  }
}
