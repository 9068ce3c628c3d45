// The demo's web chats: a simulated person starts a chat with Essex, writes again and leaves with
// a survey answer, through Contact's chat service, so the handler's queue has chats in it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { demoChatFollowUps, demoChatOpenings, startDemoChats } from './demo-chats.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp

before(async () => {
  t = await createTestApp({}, { clock })
})

after(() => t.close())

test('CRM-7: the demo’s simulated person chats with Essex: the chat joins the queue, they write again, leave and answer the survey', async () => {
  const chats = startDemoChats(t.app, {
    forceId: 'essex',
    origin: 'http://localhost:3000',
    maxGapMs: 1,
    followUpMs: 1,
    leaveAfterMs: 30,
    seed: 3,
  })
  const found = () =>
    t.app.db.withForce('essex', (tx) =>
      rows<{ chat: string; ended: boolean; channel: string; messages: string[]; rating: number | null }>(
        tx,
        sql`select c.id as chat, c.ended_at is not null as ended, i.channel, s.rating,
              array(select m.body from conversation_messages m where m.conversation_id = c.conversation_id
                and m.direction = 'inbound' order by m.sent_at, m.created_at) as messages
            from contact_chats c join contact_items i on i.conversation_id = c.conversation_id
            left join contact_chat_surveys s on s.chat_id = c.id order by c.started_at limit 1`,
      ),
    )
  // Up to 30 s for the first chat to be rated: the simulator starts others meanwhile.
  const deadline = Date.now() + 30_000
  while (!(await found())[0]?.rating && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  chats.stop()
  await chats.settled()
  const [first] = await found()
  assert.equal(first?.channel, 'chat')
  assert.equal(first?.ended, true)
  assert.ok(demoChatOpenings.includes(first.messages[0]!))
  assert.ok(demoChatFollowUps.includes(first.messages[1]!))
  assert.ok(first.rating! >= 3)
})
