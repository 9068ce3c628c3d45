// Review, retention and deletion under the PIRM Code end to end on a real database: cases built
// from STORM and Athena events, journeys that message the victim, the daily sweep run through the
// job queue, and the console pages force admins and auditors use.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { aStormEvent, anAthenaEvent } from '../sources/test-support/events.ts'

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

const reviewIdOf = async (recordId: string) =>
  (
    await owner<{ id: string }>(
      `select id from retention_reviews where record_id = '${recordId}' and status = 'pending'`,
    )
  )[0]?.id

test('CP-4: a charged crime due for review is queued; kept with a reason and next review date it stays, confirmed for deletion it goes', async () => {
  clock.set('2033-01-01T09:00:00Z')
  const kept = await aClosedCrime('CHARGED', '2033-01-01T09:00:00Z')
  const deleted = await aClosedCrime('CHARGED', '2033-01-01T09:00:00Z')
  clock.set('2039-01-02T09:00:00Z') // six years on: Kent's default reviews charged crimes then
  await sweep()
  const admin = await t.signInAs(['force_admin'], 'kent')
  const queue = await admin.get('/console/retention/review')
  assert.equal(queue.statusCode, 200)
  assert.ok(queue.body.includes(kept.crimeRef) && queue.body.includes(deleted.crimeRef))
  const keptReview = await reviewIdOf(kept.crimeId)
  const deletedReview = await reviewIdOf(deleted.crimeId)
  assert.ok(keptReview && deletedReview)
  const decide = await admin.get(`/console/retention/review/${keptReview}`)
  assert.equal(decide.statusCode, 200)
  assert.match(decide.body, /Keep until next review/)
  assert.match(decide.body, /Confirm deletion/)

  const missing = await admin.post(`/console/retention/review/${keptReview}/keep`, {
    reason: '',
    nextReview: '2030-01-01',
  })
  assert.equal(missing.statusCode, 400)
  assert.match(missing.body, /There is a problem/)
  assert.match(missing.body, /Enter why the record is being kept/)
  assert.match(missing.body, /Enter the next review date as a date in the future/)
  const keep = await admin.post(`/console/retention/review/${keptReview}/keep`, {
    reason: 'Linked to a series still under investigation',
    nextReview: '2041-01-02',
  })
  assert.equal(keep.statusCode, 303)
  const confirm = await admin.post(`/console/retention/review/${deletedReview}/delete`)
  assert.equal(confirm.statusCode, 303)

  await sweep()
  assert.equal(await countOf(`crimes where id = '${kept.crimeId}'`), 1)
  assert.equal(
    await reviewIdOf(kept.crimeId),
    undefined,
    'a kept record is not queued again before its next review',
  )
  assert.equal(await countOf(`crimes where id = '${deleted.crimeId}'`), 0)
  assert.equal(await countOf(`people where id = '${deleted.personId}'`), 0)
  const actions = await owner<{ action: string; actor_id: string }>(
    `select action, actor_id from audit_events where record_id in ('${kept.crimeId}', '${deleted.crimeId}') order by seq`,
  )
  assert.deepEqual(
    actions.map((a) => [a.action, a.actor_id]),
    [
      ['retention.kept', admin.userId],
      ['record.deleted', admin.userId],
    ],
  )
})

test('CRM-4: a crime under legal hold is never queued or deleted; once released it is deleted on the next sweep', async () => {
  clock.set('2040-01-01T09:00:00Z')
  const admin = await t.signInAs(['force_admin'], 'kent')
  const auditor = await t.signInAs(['auditor'], 'kent')
  const held = await aClosedCrime('NFA', '2040-01-01T09:00:00Z')
  const free = await aClosedCrime('NFA', '2040-01-01T09:00:00Z')
  const refused = await auditor.post('/console/retention/holds', {
    recordType: 'crime',
    reference: held.crimeRef,
    reason: 'Civil claim',
  })
  assert.equal(refused.statusCode, 403)
  const noReason = await admin.post('/console/retention/holds', {
    recordType: 'crime',
    reference: held.crimeRef,
  })
  assert.equal(noReason.statusCode, 400)
  assert.match(noReason.body, /Enter why the record is held/)
  const placed = await admin.post('/console/retention/holds', {
    recordType: 'crime',
    reference: held.crimeRef,
    reason: 'Civil claim against the force',
  })
  assert.equal(placed.statusCode, 303)
  const seen = await auditor.get('/console/retention/holds')
  assert.equal(seen.statusCode, 200)
  assert.ok(seen.body.includes('Civil claim against the force'))
  assert.ok(!seen.body.includes('Release hold'), 'auditors read holds but cannot release them')

  clock.set('2042-01-02T09:00:00Z') // NFA crimes go two years after closure
  await sweep()
  assert.equal(await countOf(`crimes where id = '${free.crimeId}'`), 0)
  assert.equal(await countOf(`crimes where id = '${held.crimeId}'`), 1)
  assert.equal(await countOf(`people where id = '${held.personId}'`), 1)
  assert.equal(await reviewIdOf(held.crimeId), undefined)

  const [hold] = await owner<{ id: string }>(
    `select id from retention_holds where record_id = '${held.crimeId}' and released_at is null`,
  )
  const releaser = await t.signInAs(['force_admin'], 'kent')
  const noReleaseReason = await releaser.post(`/console/retention/holds/${hold!.id}/release`, { reason: '' })
  assert.equal(noReleaseReason.statusCode, 400)
  assert.equal(
    (await releaser.post(`/console/retention/holds/${hold!.id}/release`, { reason: 'Claim settled' }))
      .statusCode,
    303,
  )
  await sweep()
  assert.equal(await countOf(`crimes where id = '${held.crimeId}'`), 0)
  const actions = await owner<{ action: string }>(
    `select action from audit_events where record_id = '${held.crimeId}' order by seq`,
  )
  assert.deepEqual(
    actions.map((a) => a.action),
    ['legal-hold.placed', 'legal-hold.released', 'record.deleted'],
  )
})

test('UJ-3: a closed incident that never became a crime is deleted a year after closure with its caller', async () => {
  clock.set('2043-03-01T09:00:00Z')
  const cadRef = `BED-RET-${process.pid}`
  const receive = (payload: string) =>
    t.app.services.sources.receive('bedfordshire', 'storm', payload, 'application/json')
  const persons = [
    { nominalId: `N-RET-${process.pid}`, name: 'Incident Caller', role: 'VIC', phone: '07700 900999' },
  ]
  assert.equal(
    (
      await receive(
        aStormEvent({
          id: `STORM-RET-1-${process.pid}`,
          at: '2043-03-01T09:00:00Z',
          ref: cadRef,
          grading: 'PRI',
          persons,
        }),
      )
    ).status,
    'applied',
  )
  const opened = await receive(
    aStormEvent({
      id: `STORM-RET-0-${process.pid}`,
      at: '2043-03-01T09:00:00Z',
      ref: cadRef,
      grading: 'PRI',
      persons,
    }),
  )
  assert.equal(opened.status, 'applied', String(opened.reason))
  assert.equal(
    (
      await receive(
        aStormEvent({
          id: `STORM-RET-2-${process.pid}`,
          type: 'LOG_CLOSED',
          at: '2043-03-01T10:00:00Z',
          ref: cadRef,
          log: { closedAt: '2043-03-01T10:00:00Z' },
        }),
      )
    ).status,
    'applied',
  )
  const incident = await t.app.services.cases.findIncidentByRef('bedfordshire', cadRef)
  assert.ok(incident?.incident.closedAt)
  const personId = incident.parties[0]!.personId
  clock.set('2044-02-20T09:00:00Z')
  await sweep()
  assert.equal(await countOf(`incidents where id = '${incident.incident.id}'`), 1)
  clock.set('2044-03-02T09:00:00Z')
  await sweep()
  assert.equal(await countOf(`incidents where id = '${incident.incident.id}'`), 0)
  assert.equal(
    await countOf(`case_timeline where incident_id = '${incident.incident.id}' or person_id = '${personId}'`),
    0,
  )
  assert.equal(await countOf(`people where id = '${personId}'`), 0)
  assert.equal(await countOf(`source_events where payload like '%${cadRef}%'`), 0)
})

test('CP-4: the report counts what was queued, kept and deleted by rule and lists tombstones; its CSV is formula-safe', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const auditor = await t.signInAs(['auditor'], 'kent')
  const rule = await ruleId('crime', 'no-further-action')
  const bad = await admin.post(`/console/retention/rules/${rule}`, {
    description: 'NFA',
    deleteAfterMonths: 'two years',
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /Enter a whole number of months/)
  assert.match(bad.body, /value="two years"/)
  assert.equal(
    (
      await admin.post(`/console/retention/rules/${rule}`, {
        description: '=HYPERLINK("http://x")',
        deleteAfterMonths: '24',
      })
    ).statusCode,
    303,
  )
  const page = await auditor.get('/console/retention/report?from=2026-01-01&to=2050-01-01')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /crime\/no-further-action/)
  assert.match(page.body, /crime\/charged/)
  const csv = await auditor.get('/console/retention/report.csv?from=2026-01-01&to=2050-01-01')
  assert.equal(csv.statusCode, 200)
  assert.match(String(csv.headers['content-type']), /text\/csv/)
  const lines = csv.body.trim().split('\n')
  const nfa = lines.filter((l) => l.includes('crime/no-further-action'))
  assert.equal(nfa.length, 2, 'both NFA crimes were deleted')
  assert.ok(
    nfa.every((l) => l.includes(`"'=HYPERLINK(""http://x"")"`)),
    'the formula is neutralised',
  )
  assert.ok(!csv.body.includes('Retention Victim'), 'no personal data in the report')
  const [exported] = await owner<{ actor_id: string }>(
    `select actor_id from audit_events where action = 'retention-report.exported' order by seq desc limit 1`,
  )
  assert.equal(exported?.actor_id, auditor.userId)
})

test('UJ-3: only force admins manage retention and auditors read the report; other roles and other forces are refused', async () => {
  clock.set('2050-01-01T09:00:00Z')
  const kentCrime = await aClosedCrime('CHARGED', '2050-01-01T09:00:00Z')
  clock.set('2056-01-02T09:00:00Z')
  await sweep()
  const review = await reviewIdOf(kentCrime.crimeId)
  assert.ok(review)
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const auditor = await t.signInAs(['auditor'], 'kent')
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  for (const url of [
    '/console/retention/rules',
    '/console/retention/review',
    '/console/retention/holds',
    '/console/retention/report',
  ])
    assert.equal((await officer.get(url)).statusCode, 403, url)
  assert.equal((await auditor.get('/console/retention/rules')).statusCode, 403)
  assert.equal((await auditor.get('/console/retention/review')).statusCode, 403)
  assert.equal((await auditor.get('/console/retention/report')).statusCode, 200)
  const kentRule = await ruleId('crime', 'closed')
  assert.equal(
    (await auditor.post(`/console/retention/rules/${kentRule}`, { description: 'x', deleteAfterMonths: '1' }))
      .statusCode,
    403,
  )
  assert.equal((await essexAdmin.get(`/console/retention/rules/${kentRule}`)).statusCode, 404)
  assert.equal(
    (
      await essexAdmin.post(`/console/retention/rules/${kentRule}`, {
        description: 'x',
        deleteAfterMonths: '1',
      })
    ).statusCode,
    404,
  )
  assert.equal((await essexAdmin.get(`/console/retention/review/${review}`)).statusCode, 404)
  assert.equal((await essexAdmin.post(`/console/retention/review/${review}/delete`)).statusCode, 404)
  assert.ok(!(await essexAdmin.get('/console/retention/review')).body.includes(kentCrime.crimeRef))
  const essexHold = await essexAdmin.post('/console/retention/holds', {
    recordType: 'crime',
    reference: kentCrime.crimeRef,
    reason: 'Not ours',
  })
  assert.equal(essexHold.statusCode, 400, 'another force’s crime cannot be found to hold')
  assert.equal(await countOf(`crimes where id = '${kentCrime.crimeId}'`), 1)
  assert.equal(
    (await t.app.services.audit.verify()).every((chain) => chain.ok),
    true,
  )
})

test('UJ-3: raw source events are deleted in a batch three months after they were applied, leaving a tombstone with the count', async () => {
  clock.set('2057-01-01T09:00:00Z')
  const ref = `NOR-RET-${process.pid}`
  const received = await t.app.services.sources.receive(
    'norfolk',
    'storm',
    aStormEvent({ id: `STORM-NOR-${process.pid}`, at: '2057-01-01T09:00:00Z', ref, grading: 'PRI' }),
    'application/json',
  )
  assert.equal(received.status, 'applied', String(received.reason))
  clock.set('2057-03-30T09:00:00Z')
  await sweep()
  assert.equal(await countOf(`source_events where id = '${received.id}'`), 1)
  clock.set('2057-04-02T09:00:00Z')
  await sweep()
  assert.equal(await countOf(`source_events where id = '${received.id}'`), 0)
  assert.equal(
    await countOf(`incidents where cad_ref = '${ref}'`),
    1,
    'the case itself follows its own rule: the incident is still open',
  )
  const [tombstone] = await owner<{
    record_type: string
    detail: { rule: string; counts: Record<string, number> }
  }>(
    `select record_type, detail from audit_events where action = 'record.deleted' and force_id = 'norfolk' order by seq desc limit 1`,
  )
  assert.equal(tombstone?.record_type, 'source_event')
  assert.equal(tombstone?.detail.rule, 'source_event/applied')
  assert.ok(tombstone!.detail.counts.source_events! >= 1)
})

test('UJ-3: finished messages and raw source events past their periods are deleted in batches, each in its own transaction with its tombstone, until none is left', async () => {
  clock.set('2060-01-01T09:00:00Z')
  const forceId = 'suffolk'
  const events: string[] = []
  for (let i = 0; i < 5; i += 1) {
    const received = await t.app.services.sources.receive(
      forceId,
      'storm',
      aStormEvent({
        id: `STORM-SUF-${process.pid}-${i}`,
        at: '2060-01-01T09:00:00Z',
        ref: `SUF-${process.pid}-${i}`,
        grading: 'PRI',
      }),
      'application/json',
    )
    assert.equal(received.status, 'applied', String(received.reason))
    events.push(received.id)
  }
  const messageIds: string[] = []
  await t.app.db.withForce(forceId, async (tx) => {
    await t.app.services.messaging.templates.addTemplateVersion(tx, {
      forceId,
      key: 'retention-batch',
      title: 'Retention batch',
      channel: 'sms',
      body: 'An update about your case.',
    })
    for (let i = 0; i < 3; i += 1) {
      const message = await t.app.services.messaging.scheduling.schedule(tx, {
        forceId,
        channel: 'sms',
        to: `07700 9${String(80000 + i)}`,
        templateKey: 'retention-batch',
        personalisation: {},
        urgent: true,
      })
      messageIds.push(message.id)
    }
  })
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain()
  const ids = (list: string[]) => list.map((id) => `'${id}'`).join(',')
  assert.equal(await countOf(`messages where id in (${ids(messageIds)}) and status = 'delivered'`), 3)
  const tombstonesBefore = await countOf(
    `audit_events where action = 'record.deleted' and force_id = '${forceId}'`,
  )
  // 25 months on: past both periods. Batches of two: three of events, two of messages.
  clock.set('2062-02-02T09:00:00Z')
  const result = await t.app.services.retention.sweep(forceId, { batchSize: 2 })
  assert.equal(result.batches.source_events, 5)
  assert.equal(result.batches.messages, 3)
  assert.equal(await countOf(`source_events where id in (${ids(events)})`), 0)
  assert.equal(await countOf(`messages where id in (${ids(messageIds)})`), 0)
  const tombstones = await owner<{ record_type: string; detail: { counts: Record<string, number> } }>(
    `select record_type, detail from audit_events where action = 'record.deleted' and force_id = '${forceId}' order by seq offset ${tombstonesBefore}`,
  )
  const batchesOf = (type: string, table: string) =>
    tombstones.filter((b) => b.record_type === type).map((b) => b.detail.counts[table])
  assert.deepEqual(batchesOf('source_event', 'source_events'), [2, 2, 1])
  assert.deepEqual(batchesOf('message', 'messages'), [2, 1])
  // Run again: nothing left, nothing more recorded.
  const again = await t.app.services.retention.sweep(forceId, { batchSize: 2 })
  assert.deepEqual(again.batches, { source_events: 0, messages: 0, message_events: 0 })
})

test('CRM-4: a person under legal hold outlives the deletion of their case; released, they are deleted under the people rule', async () => {
  clock.set('2058-01-01T09:00:00Z')
  const crime = await aClosedCrime('NFA', '2058-01-01T09:00:00Z')
  const admin = await t.signInAs(['force_admin'], 'kent')
  const placed = await admin.post('/console/retention/holds', {
    recordType: 'person',
    reference: crime.personId,
    reason: 'Witness in another force’s trial',
  })
  assert.equal(placed.statusCode, 303)
  clock.set('2060-01-02T09:00:00Z')
  await sweep()
  assert.equal(await countOf(`crimes where id = '${crime.crimeId}'`), 0)
  assert.equal(await countOf(`people where id = '${crime.personId}'`), 1)
  assert.equal(await countOf(`contact_points where person_id = '${crime.personId}'`), 2)
  const [hold] = await owner<{ id: string }>(
    `select id from retention_holds where record_id = '${crime.personId}' and released_at is null`,
  )
  const releaser = await t.signInAs(['force_admin'], 'kent')
  const released = await releaser.post(`/console/retention/holds/${hold!.id}/release`, {
    reason: 'Trial over',
  })
  assert.equal(released.statusCode, 303)
  // Their last activity was two years ago: the people rule (a year) deletes them on the next sweep.
  await sweep()
  assert.equal(await countOf(`people where id = '${crime.personId}'`), 0)
  assert.equal(await countOf(`person_identities where person_id = '${crime.personId}'`), 0)
  assert.equal(await countOf(`contact_points where person_id = '${crime.personId}'`), 0)
  const [tombstone] = await owner<{ detail: { rule: string } }>(
    `select detail from audit_events where action = 'record.deleted' and record_id = '${crime.personId}'`,
  )
  assert.equal(tombstone?.detail.rule, 'person/no-case')
})

test('UJ-3: a crime deleted under its rule takes the closed incident it came from in the same sweep, once the incident is due under its own rule; a second sweep finds nothing to do', async () => {
  clock.set('2070-01-01T09:00:00Z')
  const forceId = 'cambridgeshire'
  const cadRef = `CAM-RET-${process.pid}`
  const crimeRef = `CAM/${process.pid}/70`
  const storm = (payload: string) =>
    t.app.services.sources.receive(forceId, 'storm', payload, 'application/json')
  const athena = (payload: string) =>
    t.app.services.sources.receive(forceId, 'athena', payload, 'application/json')
  const caller = [
    { nominalId: `N-CAM-${process.pid}`, name: 'Linked Caller', role: 'VIC', phone: '07700 900777' },
  ]
  for (const event of [
    aStormEvent({
      id: `STORM-CAM-1-${process.pid}`,
      at: '2070-01-01T09:00:00Z',
      ref: cadRef,
      grading: 'PRI',
      persons: caller,
    }),
    aStormEvent({
      id: `STORM-CAM-2-${process.pid}`,
      type: 'LOG_CLOSED',
      at: '2070-01-01T10:00:00Z',
      ref: cadRef,
      log: { closedAt: '2070-01-01T10:00:00Z' },
    }),
  ])
    assert.equal((await storm(event)).status, 'applied')
  for (const event of [
    anAthenaEvent({
      id: `ATH-CAM-1-${process.pid}`,
      type: 'INVESTIGATION_CREATED',
      at: '2070-01-01T11:00:00Z',
      crimeRef,
      investigation: { crimeType: 'Criminal damage', status: 'OPEN', linkedLogs: [cadRef] },
      persons: [{ urn: `P-CAM-${process.pid}`, name: 'Crime Victim', role: 'VIC', phone: '07700 900778' }],
    }),
    anAthenaEvent({
      id: `ATH-CAM-2-${process.pid}`,
      type: 'STATUS_CHANGED',
      at: '2070-01-02T09:00:00Z',
      crimeRef,
      investigation: { status: 'NFA', closedAt: '2070-01-02T09:00:00Z' },
    }),
  ])
    assert.equal((await athena(event)).status, 'applied')
  const crime = await t.app.services.cases.findCrimeByRef(forceId, crimeRef)
  const incident = await t.app.services.cases.findIncidentByRef(forceId, cadRef)
  assert.equal(crime?.crime.status, 'no-further-action')
  assert.equal(
    await countOf(
      `crime_incidents where crime_id = '${crime!.crime.id}' and incident_id = '${incident!.incident.id}'`,
    ),
    1,
  )
  const people = [...crime!.parties, ...incident!.parties].map((p) => `'${p.personId}'`).join(',')
  // 25 months on: the crime is past its 24 months, and the incident, once no longer linked to a
  // crime, past its own 12 months.
  clock.set('2072-02-03T09:00:00Z')
  const first = await t.app.services.retention.sweep(forceId)
  assert.equal(await countOf(`crimes where id = '${crime!.crime.id}'`), 0)
  assert.equal(
    await countOf(`incidents where id = '${incident!.incident.id}'`),
    0,
    'the incident went in the same sweep',
  )
  assert.equal(await countOf(`people where id in (${people})`), 0)
  assert.ok(first.deleted >= 2, `${first.deleted} deleted`)
  const second = await t.app.services.retention.sweep(forceId)
  assert.equal(second.deleted, 0)
  assert.equal(second.queued, 0)
})
