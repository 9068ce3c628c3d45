// Web chat delivery (issue 15 item 13): 60 contact handlers and 300 live chats over WebSocket.
// Each chat is a person's chat window on its own socket (`/chat/essex/socket`), started as the
// widget starts it; routing gives the 300 chats to the 60 ready handlers (5 each). Each handler
// follows their chats' conversations on the live push socket (`/push/socket`), as the
// conversation page does. Then, for DURATION seconds, every chat goes round a loop: the person
// writes (timed until the handler's socket hears of it), the handler replies through the
// conversation page's reply form over HTTP (timed until the person's window has the reply), and
// the chat waits THINK seconds (random, mean as given). "Delivery" is both directions together.
// Beside it, in the same run and at the same rate, 300 bare WebSocket clients send to a bare
// echo server (`ws`) and time the round trip.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node_modules/.bin/node bench/contact-chat.ts
//   DURATION=60 THINK=30 (defaults: a person and a handler each write about twice a minute) — target: delivery p95 ≤ 200 ms on PostgreSQL 15
//
// Measured 5 Dec 2026, PostgreSQL 15, 2 shared cores with the machine's load average at 19–30
// (other work running; this process got 10–11% of a core), target NOT met in either run:
//   run 1: delivery p50 694 ms, p95 6,372 ms; bare echo p50 12 ms, p95 370 ms; 1,202 messages in
//          128 s; 14.2 s of CPU in this process while measuring (27 s user, 5 s system in all)
//   run 2 (a person's message audited last): delivery p50 508 ms, p95 3,072 ms (to the handler
//          p95 2,399 ms, to the person p95 3,462 ms); bare echo p50 0.5 ms, p95 54 ms; 1,258
//          messages in 120 s; 11.6 s of CPU while measuring (24 s user, 5 s system in all)
// Measured 6 Dec 2026 on a quiet machine (load average 0.3–0.9, nothing else running), target MET:
//   delivery p50 12.8 ms, p95 27.0 ms, p99 47.0 ms (to the handler p95 18.9 ms, to the person
//   p95 31.8 ms; the reply POST p95 28.4 ms); bare echo p50 0.1 ms, p95 1.0 ms; 1,310 messages in
//   119 s (11.0/s); 9.9 s of CPU in this process (8% of a core)
// About 9 ms of this process's CPU per message delivered: on a core of its own it would be about
// 10% busy at this rate, so the delay measured here is mostly waiting for a core.
//
// Waypoint, the 360 sockets and the echo server share this process and its event loop, so the
// figures include the load generator's own cost; the database is PostgreSQL's (a fresh copy of
// the migrated template, dropped at the end). Chats start from 60 loopback addresses (127.0.0.2…)
// as 300 people would from their own: an address may start 10 chats a minute.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { availableParallelism, loadavg } from 'node:os'
import type { WebSocket } from '@fastify/websocket'
import { sql } from 'drizzle-orm'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { rows } from '../src/platform/db/database.ts'
import { SESSION_COOKIE } from '../src/platform/http/server.ts'
import { createTestDatabase } from '../test/support/test-database.ts'

const ws = createRequire(import.meta.url)('ws') as {
  WebSocket: new (url: string, options?: object) => WebSocket
  WebSocketServer: new (options: {
    port: number
    host: string
  }) => {
    on(event: 'connection', listener: (socket: WebSocket) => void): void
    on(event: 'listening', listener: () => void): void
    address(): AddressInfo
    close(): void
  }
}

const seconds = Number(process.env.DURATION ?? 60)
const thinkSeconds = Number(process.env.THINK ?? 30)
const agentCount = 60
const chatCount = 300
const targetP95Ms = 200
const forceId = 'essex'

if (!process.env.DATABASE_URL)
  console.warn('DATABASE_URL is not set: running on embedded PGlite, not PostgreSQL 15')
const database = await createTestDatabase()
// The run's own database goes whatever happens.
let running: { stop(): Promise<void> } | undefined
const dropDatabase = async () => {
  await running?.stop().catch(() => undefined)
  await database.close().catch(() => undefined)
}
process.once('uncaughtException', async (error) => {
  console.error(error)
  await dropDatabase()
  process.exit(2)
})
process.once('unhandledRejection', async (error) => {
  console.error(error)
  await dropDatabase()
  process.exit(2)
})
const config = loadConfig({
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  SEED_DEMO: 'false',
  SIMULATOR: 'false',
})
const app = await createApp(config, { db: database.db })
running = app
const base = (await app.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')
const origin = new URL(base).origin

// The handlers: signed in, ready for chats, five at once each.
interface Agent {
  staffId: string
  cookie: string
  csrf: string
  socket?: WebSocket
}
const agents: Agent[] = []
for (let i = 0; i < agentCount; i += 1) {
  const user = await app.services.staff.create(
    {
      forceId,
      email: `bench.handler${i}@waypoint.example.org`,
      displayName: `Handler ${i}`,
      roles: ['contact_handler'],
    },
    null,
  )
  const { token, session } = await app.services.sessions.start(
    { subjectKind: 'staff', subjectId: user.id, forceId },
    {},
    { ip: '127.0.0.1' },
  )
  agents.push({
    staffId: user.id,
    cookie: `${SESSION_COOKIE}=${app.http.signCookie(token)}`,
    csrf: app.services.sessions.csrfToken(session.id),
  })
}
const acting = (a: Agent) => ({
  actor: { kind: 'staff' as const, id: a.staffId },
  staffId: a.staffId,
  name: 'h',
})
for (const agent of agents) {
  await app.services.contact.queue.board(forceId, acting(agent), async () => {})
  await app.services.contact.queue.setSkills(
    forceId,
    agent.staffId,
    { skills: ['chat'], capacity: '5' },
    acting(agent),
  )
  await app.services.contact.queue.setState(forceId, { state: 'ready' }, acting(agent))
}

// The people's chat windows.
interface Chat {
  socket: WebSocket
  conversationId: string
  agent?: Agent
  waiting?: { text: string; at: number; resolve: () => void }
}
const latencies = {
  toAgent: [] as number[],
  toPerson: [] as number[],
  echo: [] as number[],
  replyPost: [] as number[],
}

function open(url: string, headers: Record<string, string>, localAddress?: string): Promise<WebSocket> {
  const socket = new ws.WebSocket(url, { headers, ...(localAddress ? { localAddress } : {}) })
  return new Promise((resolve, reject) => {
    socket.on('open', () => resolve(socket))
    socket.on('error', reject)
  })
}

const chats: Chat[] = []
const byConversation = new Map<string, Chat>()
const started = performance.now()
for (let i = 0; i < chatCount; i += 1) {
  const socket = await open(
    `${base.replace('http', 'ws')}/chat/${forceId}/socket`,
    { origin },
    `127.0.0.${2 + (i % 60)}`,
  )
  const chat = await new Promise<Chat>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(String(data))
      if (frame.type === 'started') {
        const chat: Chat = { socket, conversationId: frame.chat.conversationId }
        socket.on('message', (more: Buffer) => {
          const next = JSON.parse(String(more))
          if (next.type === 'message' && chat.waiting && next.message.text === chat.waiting.text) {
            latencies.toPerson.push(performance.now() - chat.waiting.at)
            chat.waiting.resolve()
          }
        })
        resolve(chat)
      } else if (frame.type === 'problem') reject(new Error(frame.problem.title))
    })
    socket.send(JSON.stringify({ type: 'start', text: `Chat ${i}: can someone help me?`, origin }))
  })
  chats.push(chat)
  byConversation.set(chat.conversationId, chat)
}
console.log(`${chatCount} chats started in ${((performance.now() - started) / 1000).toFixed(1)} s`)

// Who has which chat, and each handler's live socket following their chats.
const assigned = await app.db.withForce(forceId, (tx) =>
  rows<{ conversationId: string; staffId: string }>(
    tx,
    sql`select conversation_id as "conversationId", assigned_to as "staffId" from contact_items
        where status = 'assigned'`,
  ),
)
assert.equal(assigned.length, chatCount, 'every chat is with a handler')
const agentById = new Map(agents.map((a) => [a.staffId, a]))
const pendingByConversation = new Map<string, { at: number; resolve: () => void }>()
for (const agent of agents) {
  const mine = assigned.filter((a) => a.staffId === agent.staffId)
  for (const m of mine) byConversation.get(m.conversationId)!.agent = agent
  const topics = mine.map((m) => `topic=${encodeURIComponent(`conversation:${m.conversationId}`)}`).join('&')
  agent.socket = await open(`${base.replace('http', 'ws')}/push/socket?${topics}`, {
    origin,
    cookie: agent.cookie,
  })
  agent.socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(String(data))
    if (frame.type !== 'event' || !frame.ids?.message) return
    const pending = pendingByConversation.get(frame.key)
    if (!pending) return
    pendingByConversation.delete(frame.key)
    latencies.toAgent.push(performance.now() - pending.at)
    pending.resolve()
  })
}
void agentById

// The bare echo, at the same rate: one client per chat.
const echo = new ws.WebSocketServer({ port: 0, host: '127.0.0.1' })
echo.on('connection', (socket) => socket.on('message', (data: Buffer) => socket.send(data)))
await new Promise<void>((resolve) => echo.on('listening', () => resolve()))
const echoClients: WebSocket[] = []
for (let i = 0; i < chatCount; i += 1)
  echoClients.push(await open(`ws://127.0.0.1:${echo.address().port}`, {}))

const cpuBefore = process.cpuUsage()
const deadline = performance.now() + seconds * 1000
const think = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * thinkSeconds * 1000))
let round = 0

async function chatLoop(chat: Chat, i: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * thinkSeconds * 1000))
  while (performance.now() < deadline) {
    round += 1
    const n = round
    // The person writes; the handler's socket hears of it.
    await new Promise<void>((resolve) => {
      pendingByConversation.set(chat.conversationId, { at: performance.now(), resolve })
      chat.socket.send(JSON.stringify({ type: 'message', text: `Message ${n} from chat ${i}` }))
    })
    // The handler replies through the conversation page's form; the person's window has it.
    const text = `Reply ${n} to chat ${i}`
    await new Promise<void>((resolve, reject) => {
      const at = performance.now()
      chat.waiting = { text, at, resolve }
      fetch(`${base}/console/conversations/${chat.conversationId}/reply`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: chat.agent!.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ reply: text, _csrf: chat.agent!.csrf }).toString(),
      }).then((response) => {
        latencies.replyPost.push(performance.now() - at)
        if (response.status !== 303) reject(new Error(`reply refused: ${response.status}`))
      }, reject)
    })
    chat.waiting = undefined
    await think()
  }
}

async function echoLoop(socket: WebSocket, i: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * thinkSeconds * 1000))
  while (performance.now() < deadline) {
    for (let leg = 0; leg < 2; leg += 1) {
      const at = performance.now()
      await new Promise<void>((resolve) => {
        socket.once('message', () => {
          latencies.echo.push(performance.now() - at)
          resolve()
        })
        socket.send(`echo ${i}`)
      })
    }
    await think()
  }
}

const loopStarted = performance.now()
await Promise.all([...chats.map(chatLoop), ...echoClients.map(echoLoop)])
const elapsed = (performance.now() - loopStarted) / 1000
const cpu = process.cpuUsage(cpuBefore)

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}
const line = (name: string, values: number[]) =>
  `${name.padEnd(40)} n=${String(values.length).padStart(6)}  p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms  p95 ${percentile(values, 95).toFixed(1).padStart(7)} ms  p99 ${percentile(values, 99).toFixed(1).padStart(7)} ms`
const delivery = [...latencies.toAgent, ...latencies.toPerson]
console.log(
  `\n${agentCount} handlers, ${chatCount} live chats, ${elapsed.toFixed(0)} s, think ${thinkSeconds} s mean; ${database.url ? 'PostgreSQL' : 'PGlite'}; ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end`,
)
console.log(line('chat delivery, both directions', delivery))
console.log(line('  person → handler’s live socket', latencies.toAgent))
console.log(line('  handler’s reply (HTTP) → person’s window', latencies.toPerson))
console.log(line('  (the reply POST itself)', latencies.replyPost))
console.log(line('bare WebSocket echo round trip', latencies.echo))
console.log(
  `messages ${(delivery.length / elapsed).toFixed(1)}/s; CPU of this process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (${((100 * (cpu.user + cpu.system)) / 1e6 / elapsed).toFixed(0)}% of a core)`,
)
const p95 = percentile(delivery, 95)
console.log(`target p95 ≤ ${targetP95Ms} ms: ${p95 <= targetP95Ms ? 'met' : 'NOT met'}`)

for (const chat of chats) chat.socket.close()
for (const agent of agents) agent.socket?.close()
for (const socket of echoClients) socket.close()
echo.close()
await app.stop()
await database.close()
process.exit(p95 <= targetP95Ms ? 0 : 1)
