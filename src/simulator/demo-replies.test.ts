// The demo's people answer back: a journey's text taken by the dev outbox is answered through the
// dev outbox's `receive` and the path received texts take, and the answer is on the person's page.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { ValidationError } from '../platform/errors.ts'
import { aStormEvent } from '../sources/test-support/events.ts'
import { demoReplyTexts, startDemoReplies } from './demo-replies.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('suffolk')
})

after(() => t.close())

test('a text the dev outbox takes is answered by a simulated reply, filed in the person’s conversation and shown on their page', async () => {
  const replies = startDemoReplies(t.app, { chance: 1, maxDelayMs: 0, seed: 7 })
  const created = await t.app.services.sources.receive(
    'suffolk',
    'storm',
    aStormEvent({
      id: 'S-971',
      at: clock.now().toISOString(),
      ref: 'SFK-971',
      grading: 'PRI',
      log: { openedAt: clock.now().toISOString(), incidentType: 'Burglary - residential' },
      persons: [
        {
          nominalId: 'N-971',
          name: 'Tomasz Kowal',
          dateOfBirth: '1990-01-01',
          role: 'VIC',
          phone: '07700 900971',
          preferredContact: 'SMS',
        },
      ],
    }),
    'application/json',
  )
  assert.equal(created.status, 'applied', created.reason ?? '')
  for (let i = 0; i < 5; i++) await t.app.jobs.drain()
  await replies.settled()
  replies.stop()

  const personId = (await t.app.services.cases.search('suffolk', 'Tomasz')).people[0]!.id
  const answers = await t.app.db.withForce(
    'suffolk',
    async (tx) =>
      (
        (await tx.execute(
          sql`select m.body, m.provider, c.person_id from conversation_messages m join conversations c on c.id = m.conversation_id
          where m.direction = 'inbound'`,
        )) as unknown as { rows: { body: string; provider: string; person_id: string }[] }
      ).rows,
  )
  assert.ok(answers.length >= 1, 'the journey’s text was answered')
  for (const answer of answers) {
    assert.equal(answer.provider, 'outbox')
    assert.equal(answer.person_id, personId, 'matched to the person the journey texted')
    assert.ok(demoReplyTexts.includes(answer.body))
  }
  const officer = await t.signInAs(['investigating_officer'], 'suffolk')
  const page = await officer.get(`/console/people/${personId}`)
  assert.match(page.body, /Received by text message/)
  assert.ok(page.body.includes(answers[0]!.body.replace(/'/g, '&#39;')))
})

test('the dev outbox refuses a simulated reply without a sender or a message', () => {
  const outbox = t.app.services.messaging.devOutbox!
  assert.throws(() => outbox.receive({ message: 'hello' }), ValidationError)
  assert.throws(() => outbox.receive({ from: '07700900971', message: ' ' }), ValidationError)
  assert.equal(outbox.receive({ from: '07700900971', message: 'hi', id: 'x' }).provider, 'outbox')
})
