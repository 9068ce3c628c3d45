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

async function aCrimeWithVictim(name: string, crimeType: string, category: VcopCategory, reachable: boolean) {
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
        people: [aVictim(reachable ? [{ value: `+4477009${String(60000 + sequence)}`, mobile: true }] : [])],
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
  await t.app.jobs.drain()
  // Tuesday: Friday's enhanced deadline (1 working day: Monday) has passed; a crime recorded
  // today is due tomorrow and is still pending.
  clock.set('2026-06-16T09:00:00Z')
  await aCrimeWithVictim('pending', 'Hate crime', 'enhanced', false)
  await t.app.jobs.drain()
})
after(() => t.close())

test('CP-65: each victim’s Victims’ Code deadline is reported as met, missed or pending, on the page and in CSV', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const page = await analyst.get(`/console/reports/victims-code?${june}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /1 met, 1 missed, 1 pending\./)
  assert.match(
    page.body,
    /<caption class="govuk-table__caption govuk-table__caption--m">Victims’ Code deadlines<\/caption>/,
  )

  const download = await analyst.get(`/console/reports/download/victims-code?${june}`)
  assert.equal(download.statusCode, 200)
  const rows = (parse(download.body.replace(/^\uFEFF/, '')) as string[][]).slice(1)
  const outcomeOf = (ref: string) => rows.find((r) => r[0] === ref)
  assert.deepEqual(outcomeOf(refs.met!)?.slice(1, 4), ['Hate crime', 'enhanced', '2026-06-15T22:59:00.000Z'])
  assert.equal(outcomeOf(refs.met!)?.[5], 'met')
  assert.notEqual(outcomeOf(refs.met!)?.[4], '')
  assert.equal(outcomeOf(refs.missed!)?.[5], 'missed')
  assert.equal(outcomeOf(refs.missed!)?.[4], '')
  assert.deepEqual(outcomeOf(refs.pending!)?.slice(1, 4), [
    'Hate crime',
    'enhanced',
    '2026-06-17T22:59:00.000Z',
  ])
  assert.equal(outcomeOf(refs.pending!)?.[5], 'pending')
  const audited = await t.app.db.asSystem((tx) =>
    sqlRows<{ action: string }>(
      tx,
      sql`select action from audit_events where force_id = 'kent' and actor_id = ${analyst.userId} and record_id = 'victims-code'`,
    ),
  )
  assert.deepEqual(audited.map((a) => a.action).sort(), ['report.exported', 'report.viewed'])
})

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
