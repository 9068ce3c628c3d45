// The Victims' Code timeliness report (CP-65) end to end: crimes recorded through the case
// model enrol victims in the force's journeys, Journeys computes each deadline (5 working days,
// 1 for enhanced rights) and whether the first contact met it; the report lists and exports them.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { PersonFacts, VcopCategory } from '../cases/model.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows as sqlRows } from '../platform/db/database.ts'
import { onePage } from './routes.ts'
import { dispatchDue } from './test-builders.ts'

const clock = new FixedClock('2026-06-12T09:00:00Z') // Friday 10:00 in London
const june = 'from-day=1&from-month=6&from-year=2026&to-day=30&to-month=6&to-year=2026'
let t: TestApp
let sequence = 0
const refs: Record<string, string> = {}

function aVictim(phones: PersonFacts['phones']): PersonFacts {
  sequence += 1
  return {
    athenaUrn: `VC${process.pid}${sequence}`,
    name: `Victim ${sequence}`,
    dateOfBirth: '1979-02-03',
    role: 'victim',
    phones,
    emails: [],
    markers: [],
  }
}

async function aCrimeWithVictim(
  name: string,
  crimeType: string,
  category: VcopCategory,
  reachable: boolean,
  markers: PersonFacts['markers'] = [],
) {
  sequence += 1
  const crimeRef = `46/${sequence}/26`
  refs[name] = crimeRef
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      'kent',
      {
        kind: 'crime.recorded',
        crime: { crimeRef, crimeType, status: 'open', vcopCategory: category, recordedAt: clock.now() },
        people: [
          {
            ...aVictim(reachable ? [{ value: `+4477009${String(60000 + sequence)}`, mobile: true }] : []),
            markers,
          },
        ],
      },
      { sourceSystem: 'athena', occurredAt: clock.now() },
    ),
  )
}

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  await aCrimeWithVictim('met', 'Hate crime', 'enhanced', true)
  await aCrimeWithVictim('missed', 'Hate crime', 'enhanced', false)
  // Domestic abuse, and SMS not confirmed as a safe channel: the first message is held back.
  await aCrimeWithVictim('held back', 'Assault', 'enhanced', true, ['domestic_abuse'])
  await t.app.jobs.drain()
  // Tuesday: Friday's enhanced deadline (1 working day: Monday) has passed; a crime recorded
  // today is due tomorrow and is still pending.
  clock.set('2026-06-16T09:00:00Z')
  await aCrimeWithVictim('pending', 'Hate crime', 'enhanced', false)
  await t.app.jobs.drain()
})
after(() => t.close())

test('CP-65: each victim’s Victims’ Code deadline is reported as met, missed or due, on the page and in CSV', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const page = await analyst.get(`/console/reports/victims-code?${june}`)
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /1 met \(handed to the provider by the deadline\), of which 1 delivered by the deadline; 2 missed; 1 due\./,
  )
  assert.match(
    page.body,
    /A deadline is <strong>met<\/strong> when a message to the victim was handed to the provider/,
  )
  assert.match(
    page.body,
    /<caption class="govuk-table__caption govuk-table__caption--m">Victims’ Code deadlines<\/caption>/,
  )

  const download = await analyst.get(`/console/reports/download/victims-code?${june}`)
  assert.equal(download.statusCode, 200)
  const [header, ...rows] = parse(download.body.replace(/^\uFEFF/, '')) as string[][]
  assert.deepEqual(header, [
    'Case reference',
    'Crime or incident type',
    'Victims’ Code category',
    'Deadline (UTC)',
    'Handed to the provider (UTC)',
    'Delivered (UTC)',
    'Outcome (met: handed to the provider by the deadline)',
    'Delivered by the deadline',
    'First message',
  ])
  const outcomeOf = (ref: string) => rows.find((r) => r[0] === ref)
  assert.deepEqual(outcomeOf(refs.met!)?.slice(1, 4), ['Hate crime', 'enhanced', '2026-06-15T22:59:00.000Z'])
  assert.deepEqual(outcomeOf(refs.met!)?.slice(6, 8), ['met', 'yes'])
  assert.notEqual(outcomeOf(refs.met!)?.[4], '')
  assert.equal(outcomeOf(refs.missed!)?.[6], 'missed')
  assert.equal(outcomeOf(refs.missed!)?.[4], '')
  assert.equal(outcomeOf(refs.missed!)?.[8], 'Held back, not sent: no SMS or email contact is known')
  assert.deepEqual(outcomeOf(refs.pending!)?.slice(1, 4), [
    'Hate crime',
    'enhanced',
    '2026-06-17T22:59:00.000Z',
  ])
  assert.equal(outcomeOf(refs.pending!)?.[6], 'due')
  const audited = await t.app.db.asSystem((tx) =>
    sqlRows<{ action: string }>(
      tx,
      sql`select action from audit_events where force_id = 'kent' and actor_id = ${analyst.userId} and record_id = 'victims-code'`,
    ),
  )
  assert.deepEqual(audited.map((a) => a.action).sort(), ['report.exported', 'report.viewed'])
})

test('CP-65: a first message the safe-contact policy held back does not meet the deadline, and says why', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const download = await analyst.get(`/console/reports/download/victims-code?${june}`)
  const row = (parse(download.body.replace(/^\uFEFF/, '')) as string[][]).find(
    (r) => r[0] === refs['held back'],
  )
  assert.deepEqual(row?.slice(4), [
    '',
    '',
    'missed',
    'no',
    'Held back, not sent: domestic abuse: sms has not been confirmed as a safe channel',
  ])
  const page = await analyst.get(`/console/reports/victims-code?${june}`)
  assert.match(page.body, /domestic abuse: sms has not been confirmed as a safe channel/)
})

test('CP-65: the report’s default period includes deadlines still due', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const page = await analyst.get('/console/reports/victims-code')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /18 May 2026 to 30 June 2026/)
  assert.match(page.body, new RegExp(`>${refs.pending!.replaceAll('/', '\\/')}<`))
  assert.match(page.body, /1 due\./)
})

test('CP-65: the deadlines page names each case by reference and its victim, linked to the case', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const page = await officer.get('/console/journeys/victims-code')
  assert.equal(page.statusCode, 200)
  assert.doesNotMatch(page.body, /View decisions/)
  const { rows } = await victimsCodeRows()
  const met = rows.find((r) => r.reference === refs.met)!
  assert.match(
    page.body,
    new RegExp(
      `<a class="govuk-link" href="/console/journeys/cases/${met.caseId}">${refs.met!.replaceAll('/', '\\/')}<span class="govuk-visually-hidden">, ${met.victimName}</span></a></td>\\s*<td class="govuk-table__cell">${met.victimName}</td>`,
    ),
  )
  assert.match(page.body, /2 missed, 1 due, 1 met \(handed to the provider by the deadline\)/)
})

async function victimsCodeRows() {
  const period = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-07-01T00:00:00Z') }
  const rows = await t.app.services.reporting.vcopReport('kent', period)
  // The counts, read from each journey's earliest hand-over and delivery (kept by triggers as
  // messages change), equal the outcomes of the rows, read from the messages themselves.
  const page = await t.app.services.reporting.vcopPage('kent', period, 1, 1000)
  assert.equal(page.total, rows.length)
  // A page's deadlines, read from the journeys' deadline index, are the rows of the whole period
  // read from the journeys, in the same order.
  assert.deepEqual(page.rows, rows)
  for (const [number, size] of [
    [2, 2],
    [2, 3],
  ] as const) {
    const part = await t.app.services.reporting.vcopPage('kent', period, number, size)
    const chosen = Math.min(number, Math.max(1, Math.ceil(rows.length / size)))
    assert.deepEqual(part.rows, rows.slice((chosen - 1) * size, chosen * size), `page ${number} of ${size}`)
  }
  assert.deepEqual(page.counts, {
    met: rows.filter((r) => r.outcome === 'met').length,
    deliveredInTime: rows.filter((r) => r.deliveredInTime).length,
    missed: rows.filter((r) => r.outcome === 'missed').length,
    due: rows.filter((r) => r.outcome === 'due').length,
  })
  return { rows }
}

test('CP-65: a period before the deadlines shows none, and a bad date gets an error summary', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const may = await admin.get(
    '/console/reports/victims-code?from-day=1&from-month=5&from-year=2026&to-day=31&to-month=5&to-year=2026',
  )
  assert.match(may.body, /No Victims’ Code deadlines fall in this period/)
  const bad = await admin.get(
    '/console/reports/victims-code?from-day=1&from-month=13&from-year=2026&to-day=1&to-month=6&to-year=2026',
  )
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /href="#from-day">The start date must be a real date/)
})

test('CP-65: the report is refused to other roles and shows another force nothing of Kent’s', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await officer.get(`/console/reports/victims-code?${june}`)).statusCode, 403)
  assert.equal((await officer.get(`/console/reports/download/victims-code?${june}`)).statusCode, 403)
  const essex = await t.signInAs(['analyst'], 'essex')
  const page = await essex.get(`/console/reports/victims-code?${june}&force=kent`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /No Victims’ Code deadlines fall in this period/)
  assert.doesNotMatch(page.body, new RegExp(refs.met!.replaceAll('/', '\\/')))
})

test('CP-65: a first message held for the morning is due, not met, until it is handed to the provider at 08:00', async () => {
  clock.set('2026-06-17T00:33:00Z') // Wednesday 01:33 in London: quiet hours
  await aCrimeWithVictim('night', 'Hate crime', 'enhanced', true)
  await t.app.jobs.drain()
  const analyst = await t.signInAs(['analyst'], 'kent')
  const night = async () => (await victimsCodeRows()).rows.find((r) => r.reference === refs.night)!
  const held = await night()
  assert.equal(held.outcome, 'due')
  assert.equal(held.handedAt, null)
  assert.equal(held.firstContact, 'Waiting to send until 17 June 2026, 8:00am')
  const csv = await analyst.get(`/console/reports/download/victims-code?${june}`)
  const row = (parse(csv.body.replace(/^\uFEFF/, '')) as string[][]).find((r) => r[0] === refs.night)
  assert.equal(row?.[6], 'due')

  clock.set('2026-06-17T07:00:00Z') // 08:00: the morning release hands it to the provider
  await dispatchDue(t)
  const sent = await night()
  assert.equal(sent.outcome, 'met')
  assert.equal(sent.handedAt?.toISOString(), '2026-06-17T07:00:00.000Z')
})

test('CP-65: a first message handed to the provider after the deadline is missed, not met', async () => {
  clock.set('2026-06-22T00:33:00Z') // Monday 01:33 in London: held for 08:00, due Tuesday 23:59
  await aCrimeWithVictim('late', 'Hate crime', 'enhanced', true)
  await t.app.jobs.drain()
  clock.set('2026-06-24T09:00:00Z') // sending resumes only on Wednesday, after an outage
  await dispatchDue(t)
  const late = (await victimsCodeRows()).rows.find((r) => r.reference === refs.late)!
  assert.equal(late.dueAt.toISOString(), '2026-06-23T22:59:00.000Z')
  assert.equal(late.handedAt?.toISOString(), '2026-06-24T09:00:00.000Z')
  assert.equal(late.outcome, 'missed')
})

test('CP-65: a victim messaged on the incident and then on the crime raised from it has one deadline, met by the first message', async () => {
  clock.set('2026-06-25T09:00:00Z') // Thursday 10:00 in London
  sequence += 1
  const cadRef = `KNT-VC-${process.pid}-${sequence}`
  const crimeRef = `46/${process.pid}/${sequence}`
  refs.linked = crimeRef
  const common = {
    name: `Linked Victim ${sequence}`,
    dateOfBirth: '1979-02-03',
    role: 'victim' as const,
    phones: [{ value: `+4477009${String(70000 + sequence)}`, mobile: true }],
    emails: [],
    markers: [],
  }
  const ingest = (change: Parameters<typeof t.app.services.cases.applySourceChange>[2], source: string) =>
    t.app.db.withForce('kent', (tx) =>
      t.app.services.cases.applySourceChange(tx, 'kent', change, {
        sourceSystem: source as 'storm' | 'athena',
        occurredAt: clock.now(),
      }),
    )
  await ingest(
    {
      kind: 'incident.opened',
      incident: { cadRef, grading: 'Immediate', incidentType: 'Assault', openedAt: clock.now() },
      people: [{ stormNominal: `N-VC-${sequence}`, ...common }],
    },
    'storm',
  )
  await t.app.jobs.drain()
  clock.set('2026-06-25T09:30:00Z')
  await ingest(
    {
      kind: 'crime.recorded',
      crime: {
        crimeRef,
        crimeType: 'Hate crime',
        status: 'open',
        vcopCategory: 'enhanced',
        recordedAt: clock.now(),
        linkedCadRefs: [cadRef],
      },
      people: [{ athenaUrn: `P-VC-${sequence}`, ...common }],
    },
    'athena',
  )
  await t.app.jobs.drain()
  const linked = (await victimsCodeRows()).rows.filter((r) => r.reference === crimeRef)
  assert.equal(linked.length, 1, JSON.stringify(linked))
  assert.equal(linked[0]!.victimName, common.name)
  assert.equal(linked[0]!.outcome, 'met')
  // The incident's first message, at 10:00, was the first contact.
  assert.equal(linked[0]!.handedAt?.toISOString(), '2026-06-25T09:00:00.000Z')
})

test('CP-65: a long list of deadlines is shown 100 to a page, with GOV.UK pagination links', () => {
  const rows = Array.from({ length: 250 }, (_, i) => i)
  const href = (n: number) => `/console/journeys/victims-code?page=${n}`
  const first = onePage(rows, undefined, href)
  assert.deepEqual([first.rows.length, first.rows[0]], [100, 0])
  assert.deepEqual(first.pagination?.next, { href: href(2) })
  assert.equal(first.pagination?.previous, undefined)
  const last = onePage(rows, '3', href)
  assert.deepEqual([last.rows.length, last.rows[0]], [50, 200])
  assert.deepEqual(last.pagination?.previous, { href: href(2) })
  assert.deepEqual(
    last.pagination?.items.map((i) => ('number' in i ? `${i.number}${i.current ? '*' : ''}` : '…')),
    ['1', '2', '3*'],
  )
  assert.deepEqual(onePage(rows, '99', href).rows[0], 200)
  assert.deepEqual(onePage(rows, 'x', href).rows[0], 0)
  assert.equal(onePage(rows.slice(0, 7), undefined, href).pagination, undefined)
})

/**
 * Every journey's row of `vcop_deadline_contacts` (kept by triggers) against the same figures
 * computed straight from the journeys, their steps and messages, and those merged into them.
 */
async function assertDeadlineContactsEqualMessages() {
  const kept = await t.app.db.execAsOwner(
    `select enrolment_id::text as id, force_id, crime_id, person_id, case_id, enrolled_at, due_at, handed_at,
       delivered_at from vcop_deadline_contacts order by 1`,
  )
  const direct = await t.app.db.execAsOwner(
    `select e.id::text as id, e.force_id, e.crime_id, e.person_id, e.case_id, e.enrolled_at,
       case when e.merged_into is null then e.vcop_due_at end as due_at,
       (select min(coalesce(m.sent_at, m.completed_at)) from enrolments x
         join enrolment_steps s on s.enrolment_id = x.id join messages m on m.id = s.message_id
         where (x.id = e.id or x.merged_into = e.id) and m.status in ('sent', 'delivered') and not m.is_test) as handed_at,
       (select min(m.completed_at) from enrolments x
         join enrolment_steps s on s.enrolment_id = x.id join messages m on m.id = s.message_id
         where (x.id = e.id or x.merged_into = e.id) and m.status = 'delivered' and not m.is_test) as delivered_at
     from enrolments e order by 1`,
  )
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value))
  assert.ok(direct.length > 0)
  assert.deepEqual(plain(kept), plain(direct))
}

test('CP-65: a first contact the provider later reports as failed no longer meets the deadline; a journey removed leaves the counts', async () => {
  await assertDeadlineContactsEqualMessages()
  const before = (await victimsCodeRows()).rows.find((r) => r.reference === refs.met)!
  assert.equal(before.outcome, 'met')
  // The receipt says the text never arrived: nothing of this journey was handed over and kept.
  await t.app.db.execAsOwner(
    `update messages set status = 'permanent-failure' where id in (
       select s.message_id from enrolment_steps s join enrolments e on e.id = s.enrolment_id
       join crimes c on c.id = e.crime_id where c.crime_ref = '${refs.met}')`,
  )
  await assertDeadlineContactsEqualMessages()
  const after = (await victimsCodeRows()).rows.find((r) => r.reference === refs.met)!
  assert.equal(after.outcome, 'missed')
  assert.equal(after.handedAt, null)

  // The linked victim's journeys (the crime's, and the incident's merged into it) are removed.
  const { rows: beforeRemoval } = await victimsCodeRows()
  await t.app.db.execAsOwner(
    `with gone as (select e.id from enrolments e join crimes c on c.id = e.crime_id where c.crime_ref = '${refs.linked}'
       union select x.id from enrolments x join enrolments e on x.merged_into = e.id
       join crimes c on c.id = e.crime_id where c.crime_ref = '${refs.linked}'),
     steps as (delete from enrolment_steps where enrolment_id in (select id from gone) returning 1)
     select count(*) from steps`,
  )
  await t.app.db.execAsOwner(
    `delete from enrolments where id in (select e.id from enrolments e join crimes c on c.id = e.crime_id
       where c.crime_ref = '${refs.linked}') or merged_into in (select e.id from enrolments e
       join crimes c on c.id = e.crime_id where c.crime_ref = '${refs.linked}')`,
  )
  await assertDeadlineContactsEqualMessages()
  const { rows: afterRemoval } = await victimsCodeRows()
  assert.equal(afterRemoval.length, beforeRemoval.length - 1)
  assert.equal(
    afterRemoval.find((r) => r.reference === refs.linked),
    undefined,
  )
})
