// Review, retention and deletion under the PIRM Code end to end on a real database: cases built
// from STORM and Athena events, journeys that message the victim, the daily sweep run through the
// job queue, and the console pages force admins and auditors use.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'

let t: TestApp
let sequence = 0
const clock = new FixedClock('2026-06-03T09:00:00Z')

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
})
after(() => t.close())

const owner = <T = Record<string, unknown>>(text: string) => t.app.db.execAsOwner(text) as Promise<T[]>
const countOf = async (text: string) =>
  Number((await owner<{ n: number }>(`select count(*)::int as n from ${text}`))[0]?.n)

async function sweep() {
  await t.app.jobs.boss.send('retention.sweep', {})
  await t.app.jobs.drain()
}

/** A crime recorded in Athena with one victim (on no other case), then closed with `status`. */
async function aClosedCrime(status: 'CLOSED' | 'NFA' | 'CHARGED', closedAt: string, forceId = 'kent') {
  sequence += 1
  const crimeRef = `46/${sequence}${process.pid % 1000}/26`
  const victim = {
    urn: `P-RET-${sequence}-${process.pid}`,
    name: `Retention Victim ${sequence}`,
    dateOfBirth: '1980-05-01',
    role: 'VIC',
    phone: `0770090${String(sequence).padStart(4, '0')}`,
    email: `victim${sequence}@example.org`,
  }
  const receive = (payload: string) =>
    t.app.services.sources.receive(forceId, 'athena', payload, 'application/json')
  const created = await receive(
    anAthenaEvent({
      id: `ATH-RET-${sequence}-1`,
      type: 'INVESTIGATION_CREATED',
      at: clock.now().toISOString(),
      crimeRef,
      investigation: { crimeType: 'Residential burglary', status: 'OPEN', vcop: { category: 'STANDARD' } },
      persons: [victim],
    }),
  )
  assert.equal(created.status, 'applied', String(created.reason))
  await t.app.jobs.drain()
  const closed = await receive(
    anAthenaEvent({
      id: `ATH-RET-${sequence}-2`,
      type: status === 'CLOSED' ? 'CLOSED' : 'STATUS_CHANGED',
      at: closedAt,
      crimeRef,
      investigation: { status, closedAt },
    }),
  )
  assert.equal(closed.status, 'applied', String(closed.reason))
  const found = await t.app.services.cases.findCrimeByRef(forceId, crimeRef)
  assert.ok(found)
  return { crimeRef, crimeId: found.crime.id, personId: found.parties[0]!.personId, victim }
}

async function ruleId(recordType: string, category: string, forceId = 'kent') {
  const rules = await t.app.db.withForce(forceId, async (tx) => {
    const { rows } = await import('../platform/db/database.ts')
    const { sql } = await import('drizzle-orm')
    return rows<{ id: string }>(
      tx,
      sql`select id from retention_rules where record_type = ${recordType} and category = ${category}`,
    )
  })
  return rules[0]!.id
}

/** Every row of a crime and its victim, in every table that holds them, read as the owner. */
async function rowsHeldFor(
  c: { crimeId: string; personId: string; crimeRef: string },
  sourceEventIds: string[],
) {
  const ids = sourceEventIds.map((id) => `'${id}'`).join(',') || 'null'
  return {
    crimes: await countOf(`crimes where id = '${c.crimeId}'`),
    case_timeline: await countOf(
      `case_timeline where crime_id = '${c.crimeId}' or person_id = '${c.personId}'`,
    ),
    case_parties: await countOf(
      `case_parties where crime_id = '${c.crimeId}' or person_id = '${c.personId}'`,
    ),
    people: await countOf(`people where id = '${c.personId}'`),
    person_identities: await countOf(`person_identities where person_id = '${c.personId}'`),
    person_claims: await countOf(`person_claims where person_id = '${c.personId}'`),
    contact_points: await countOf(`contact_points where person_id = '${c.personId}'`),
    messages: await countOf(`messages where case_id = '${c.crimeId}' or person_id = '${c.personId}'`),
    message_events: await countOf(
      `message_events where message_id in (select id from messages where case_id = '${c.crimeId}' or person_id = '${c.personId}')`,
    ),
    enrolments: await countOf(`enrolments where crime_id = '${c.crimeId}' or person_id = '${c.personId}'`),
    enrolment_steps: await countOf(
      `enrolment_steps where recipient_person_id = '${c.personId}' or enrolment_id in (select id from enrolments where crime_id = '${c.crimeId}')`,
    ),
    enrolment_decisions: await countOf(
      `enrolment_decisions where crime_id = '${c.crimeId}' or person_id = '${c.personId}'`,
    ),
    writeback_entries: await countOf(
      `writeback_entries where target = 'rms' and target_ref = '${c.crimeRef}'`,
    ),
    source_events: await countOf(`source_events where id in (${ids})`),
  }
}

async function sourceEventIdsOf(crimeId: string) {
  const found = await owner<{ id: string }>(
    `select distinct source_event_id as id from case_timeline where crime_id = '${crimeId}' and source_event_id is not null`,
  )
  return found.map((r) => r.id)
}

test('UJ-3: a closed crime past its retention period is deleted with its victim’s messages and timeline, leaving a tombstone in the audit', async () => {
  clock.set('2026-06-03T09:00:00Z')
  const admin = await t.signInAs(['force_admin'], 'kent')
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  // Kent sets its own period for closed crimes: deleted six years after closure.
  const rule = await ruleId('crime', 'closed')
  const saved = await admin.post(`/console/retention/rules/${rule}`, {
    description: 'Closed crimes',
    reviewAfterMonths: '',
    deleteAfterMonths: '72',
  })
  assert.equal(saved.statusCode, 303)
  // Messages and raw events are kept ten years here, so they go with the case, not on their own.
  for (const [type, category] of [
    ['message', 'any'],
    ['source_event', 'applied'],
  ] as const) {
    const longer = await admin.post(`/console/retention/rules/${await ruleId(type, category)}`, {
      description: `Kept ten years: ${type}`,
      deleteAfterMonths: '120',
    })
    assert.equal(longer.statusCode, 303)
  }
  const crime = await aClosedCrime('CLOSED', '2026-08-01T10:00:00Z')
  const update = await officer.post('/console/rms-updates', {
    crimeReference: crime.crimeRef,
    update: 'Victim updated by phone',
    idempotencyKey: `retention-test-${process.pid}-0001`,
  })
  assert.equal(update.statusCode, 303)
  const sourceEventIds = await sourceEventIdsOf(crime.crimeId)
  const before = await rowsHeldFor(crime, sourceEventIds)
  for (const table of [
    'crimes',
    'case_timeline',
    'people',
    'contact_points',
    'messages',
    'enrolments',
    'writeback_entries',
  ] as const)
    assert.ok(before[table] > 0, `${table} holds the case before deletion`)
  assert.equal(before.source_events, 2)

  clock.set('2032-07-30T09:00:00Z') // two days short of six years: kept
  await sweep()
  assert.equal((await rowsHeldFor(crime, sourceEventIds)).crimes, 1)

  clock.set('2032-08-02T09:00:00Z')
  await sweep()
  const afterDeletion = await rowsHeldFor(crime, sourceEventIds)
  assert.deepEqual(
    Object.entries(afterDeletion).filter(([, n]) => n !== 0),
    [],
    'no row of the crime or its victim remains',
  )
  const [tombstone] = await owner<{
    actor_kind: string
    detail: { rule: string; counts: Record<string, number> }
  }>(
    `select actor_kind, detail from audit_events where action = 'record.deleted' and record_id = '${crime.crimeId}'`,
  )
  assert.ok(tombstone)
  assert.equal(tombstone.detail.rule, 'crime/closed')
  assert.equal(tombstone.detail.counts.crimes, 1)
  assert.equal(tombstone.detail.counts.people, 1)
  assert.ok(tombstone.detail.counts.messages! >= 1)
  assert.equal(tombstone.detail.counts.source_events, 2)
  const text = JSON.stringify(tombstone)
  for (const personal of [crime.victim.name, crime.victim.email, crime.victim.phone.slice(1), crime.crimeRef])
    assert.ok(!text.includes(personal), `the tombstone holds no ${personal}`)
  assert.ok((await t.app.services.audit.verify()).every((chain) => chain.ok))
})
