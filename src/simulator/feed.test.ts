// The demo feed as `npm start` runs it, on a controlled clock: an hour of cases from two forces
// (one on SMARTStorm XML), with their crimes, officers and closures, and every victim's journey.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { createLogger } from '../platform/logger.ts'
import { SimulatorFeed } from './feed.ts'

const clock = new FixedClock('2026-06-03T08:00:00Z') // Wednesday 09:00 in London
const forceIds = ['kent', 'essex']
// The worker's part that decides who gets what: case events to Journeys, and resumed journeys.
const journeyWork = ['cases.deliver-events', 'journeys.run-enrolment']
let t: TestApp

before(async () => {
  t = await createTestApp({}, { clock })
  for (const forceId of forceIds) await t.app.services.journeys.installDefaults(forceId)
})
after(() => t.close())

test('UJ-4: an hour of the demo feed gives no victim the same journey step twice', async () => {
  const start = clock.now()
  const hour = new Date(start.getTime() + 3_600_000)
  // The demo's pace (a simulated day every 2 minutes), at a new case every two minutes.
  const feed = new SimulatorFeed(t.app.services.sources, createLogger('silent'), {
    forceIds,
    casesPerMinute: 0.5,
    secondsPerDay: 120,
    seed: 20260603,
  })
  const planned = feed.planned(start, hour).filter((p) => p.at < hour)
  let minute = start.getTime()
  for (const { at, event } of planned) {
    clock.set(at)
    await t.app.services.sources.receive(event.forceId, event.source, event.payload, event.contentType)
    if (at.getTime() - minute >= 5 * 60_000) {
      // What the worker does (every minute, here every five): deliver case events, take due steps.
      minute = at.getTime()
      await t.app.jobs.drain(journeyWork)
      await t.app.services.enrolments.runDueEnrolments()
    }
  }
  clock.set(hour)
  await t.app.jobs.drain(journeyWork)
  await t.app.services.enrolments.runDueEnrolments()
  await t.app.jobs.drain()

  for (const forceId of forceIds) {
    const counts = await t.app.db.withForce(forceId, async (tx) => ({
      // The same step (template) to the same person about the same incident and crime.
      steps: await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from (
              select e.occurrence_id, s.recipient_person_id, s.template from enrolment_steps s
              join enrolments e on e.id = s.enrolment_id
              join messages m on m.id = s.message_id
              where s.outcome = 'send' and m.status not in ('cancelled', 'suppressed')
              group by 1, 2, 3 having count(*) > 1) d`,
      ),
      // The same text to the same person, however it came to be sent.
      texts: await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from (
              select person_id, recipient, body from messages
              where status not in ('cancelled', 'suppressed')
              group by 1, 2, 3 having count(*) > 1) d`,
      ),
      enrolments: await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from (
              select journey_id, occurrence_id, person_id from enrolments where merged_into is null
              group by 1, 2, 3 having count(*) > 1) d`,
      ),
      messages: await rows<{ n: number }>(tx, sql`select count(*)::int as n from messages`),
    }))
    assert.ok(counts.messages[0]!.n > 10, `${forceId} sent ${counts.messages[0]!.n} messages`)
    assert.equal(counts.steps[0]!.n, 0, `${forceId}: a victim got the same step twice`)
    assert.equal(counts.texts[0]!.n, 0, `${forceId}: a victim got the same text twice`)
    assert.equal(counts.enrolments[0]!.n, 0, `${forceId}: a victim was enrolled twice in one journey`)
  }
})
