// The single view end to end: STORM and Athena events build people and cases, a text arrives from
// one of them by the same path as GOV.UK Notify's, and a contact handler opens the view, filters
// and pages it, finds and merges another record of the same person, unmerges it, and settles a
// disagreement between CAD and RMS, which goes back to both through the write-back outbox.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { anAthenaEvent, aStormEvent } from '../sources/test-support/events.ts'
import { scoreCandidate } from './single-view.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let handler: SignedIn
let priya: string
let jon: string
let john: string

async function receive(system: 'storm' | 'athena', body: string) {
  const result = await t.app.services.sources.receive('essex', system, body, 'application/json')
  assert.equal(result.status, 'applied', result.reason ?? '')
}

before(async () => {
  t = await createTestApp({}, { clock })
  await receive(
    'storm',
    aStormEvent({
      id: 'SV-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-0001',
      grading: 'PRI',
      log: { openedAt: '2026-06-01T10:00:00Z', incidentType: 'Burglary - residential' },
      persons: [
        {
          nominalId: 'N-1',
          name: 'Priya Ndlovu',
          dateOfBirth: '1988-04-04',
          role: 'VIC',
          phone: '07700 900901',
        },
      ],
    }),
  )
  await receive(
    'athena',
    anAthenaEvent({
      id: 'SV-2',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-01T12:00:00Z',
      crimeRef: '42/901/26',
      investigation: {
        linkedLogs: ['ESX-20260601-0001'],
        crimeType: 'Burglary - residential',
        status: 'OPEN',
      },
      persons: [
        { urn: 'P-1', name: 'Priya Ndlovu', dateOfBirth: '1988-04-05', role: 'VIC', phone: '07700900901' },
      ],
    }),
  )
  await receive(
    'storm',
    aStormEvent({
      id: 'SV-3',
      at: '2026-05-20T08:00:00Z',
      ref: 'ESX-20260520-0007',
      log: { openedAt: '2026-05-20T08:00:00Z', incidentType: 'Theft' },
      persons: [
        {
          nominalId: 'N-7',
          name: 'Jon Smyth',
          dateOfBirth: '1975-06-07',
          role: 'VIC',
          phone: '07700 900111',
        },
      ],
    }),
  )
  await receive(
    'athena',
    anAthenaEvent({
      id: 'SV-4',
      type: 'INVESTIGATION_CREATED',
      at: '2026-05-21T09:00:00Z',
      crimeRef: '42/700/26',
      investigation: { crimeType: 'Theft', status: 'OPEN' },
      persons: [
        {
          urn: 'P-7',
          name: 'John Smith',
          dateOfBirth: '1975-06-07',
          role: 'VIC',
          email: 'john.smith@example.org',
        },
      ],
    }),
  )
  for (let i = 0; i < 3; i++) await t.app.jobs.drain()
  priya = (await t.app.services.cases.search('essex', 'Priya')).people[0]!.id
  jon = (await t.app.services.cases.search('essex', 'Jon Smyth')).people[0]!.id
  john = (await t.app.services.cases.search('essex', 'John Smith')).people[0]!.id
  assert.notEqual(jon, john)
  clock.set(new Date('2026-06-02T15:00:00Z'))
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'in-1',
      from: '07700900901',
      fromName: null,
      to: null,
      subject: null,
      body: 'Any news on my burglary?',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  clock.set(new Date('2026-06-03T09:00:00Z'))
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
})

after(() => t.close())

test('CRM-10: the single view shows CAD, RMS and every earlier contact in chronological order with source badges; each view is audited', async () => {
  const page = await handler.get(`/console/contact/people/${priya}`)
  assert.equal(page.statusCode, 200)
  const body = page.body
  for (const badge of ['>CAD<', '>RMS<', '>Text message<']) assert.ok(body.includes(badge), badge)
  assert.match(body, /Any news on my burglary\?/)
  // Newest first: the text (2 June) before the crime (1 June 12:00) before the log (1 June 10:00).
  const text = body.indexOf('Any news on my burglary')
  const crime = body.indexOf('42/901/26')
  const log = body.indexOf('ESX-20260601-0001')
  assert.ok(text > 0 && crime > text && log > crime, 'newest first')
  const viewed = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'person.viewed' and record_id = ${priya}
          and actor_id = ${handler.userId}`,
    ),
  )
  assert.equal(viewed[0]!.n, 1)
})

test('CRM-10: filters narrow the view to chosen sources, and pages by key cover every entry once, newest first', async () => {
  const rms = await handler.get(`/console/contact/people/${priya}?source=rms`)
  assert.equal(rms.statusCode, 200)
  assert.match(rms.body, /42\/901\/26/)
  assert.doesNotMatch(rms.body, /Any news on my burglary/)
  const all = await t.app.services.contact.singleView.view('essex', priya, { pageSize: 100 }, async () => {})
  const seen: string[] = []
  let before: string | undefined
  for (let i = 0; i < 50; i++) {
    const page = await t.app.services.contact.singleView.view(
      'essex',
      priya,
      { pageSize: 2, ...(before ? { before } : {}) },
      async () => {},
    )
    seen.push(...page.entries.map((e) => e.key))
    if (!page.next) break
    before = page.next
  }
  assert.ok(all.entries.length >= 3)
  assert.deepEqual(
    seen,
    all.entries.map((e) => e.key),
  )
  const times = all.entries.map((e) => e.at)
  assert.deepEqual(times, [...times].sort().reverse())
  const bad = await handler.get(`/console/contact/people/${priya}?before=bm9wZQ`)
  assert.equal(bad.statusCode, 400)
})

test('identity resolution scores evidence and explains it', () => {
  const base = {
    id: 'x',
    displayName: 'John Smith',
    dateOfBirth: '1975-06-07',
    nameSimilarity: 0.5,
    surnameSoundsAlike: true,
    forenameSoundsAlike: true,
    birthExact: true,
    birthNear: false,
    sharedPhone: false,
    sharedEmail: false,
    addressSimilarity: 0,
    mergedInto: null,
    identities: [],
  }
  const strong = scoreCandidate(base)
  assert.deepEqual(strong.reasons, [
    'Name 50% alike by letters',
    'Forename and surname sound the same',
    'Same date of birth',
  ])
  assert.equal(strong.confidence, 55)
  const weak = scoreCandidate({
    ...base,
    birthExact: false,
    surnameSoundsAlike: false,
    forenameSoundsAlike: false,
  })
  assert.ok(weak.confidence < strong.confidence)
  assert.ok(weak.reasons.includes('Different date of birth'))
  assert.equal(
    scoreCandidate({ ...base, sharedPhone: true, sharedEmail: true, addressSimilarity: 1 }).confidence,
    99,
  )
})

test('CRM-10: another record of the same person is found with its confidence explained, merged into one view and unmerged, each audited', async () => {
  const matches = await handler.get(`/console/contact/people/${jon}/matches`)
  assert.equal(matches.statusCode, 200)
  assert.match(matches.body, /John Smith/)
  assert.match(matches.body, /Same date of birth/)
  assert.match(matches.body, /Forename and surname sound the same/)
  assert.match(matches.body, /\d+% confidence/)
  const refused = await handler.post(`/console/contact/people/${jon}/merge`, {})
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary/)
  const merged = await handler.post(`/console/contact/people/${jon}/merge`, { candidate: john })
  assert.equal(merged.statusCode, 303)
  const view = await handler.get(`/console/contact/people/${jon}`)
  assert.match(view.body, /42\/700\/26/, "the merged record's crime shows in the view")
  assert.match(view.body, /Records merged into this view/)
  const other = await handler.get(`/console/contact/people/${john}`)
  assert.match(other.body, /merged into the view of Jon Smyth/)
  // Merging John into another view while merged is refused.
  const twice = await handler.post(`/console/contact/people/${priya}/merge`, { candidate: john })
  assert.equal(twice.statusCode, 400)
  const [link] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_person_links where person_id = ${jon}`),
  )
  const noReason = await handler.post(`/console/contact/people/${jon}/links/${link!.id}/unmerge`, {
    reason: '',
  })
  assert.equal(noReason.statusCode, 400)
  assert.match(noReason.body, /Enter why the records are not the same person/)
  const unmerged = await handler.post(`/console/contact/people/${jon}/links/${link!.id}/unmerge`, {
    reason: 'Different people: caller confirmed',
  })
  assert.equal(unmerged.statusCode, 303)
  const after = await handler.get(`/console/contact/people/${jon}`)
  assert.doesNotMatch(after.body, /42\/700\/26/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where record_id = ${jon} and action like 'contact.%' order by id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.action),
    ['contact.person-merged', 'contact.person-unmerged'],
  )
})

test('CRM-14, CRM-12: where CAD and RMS disagree the person is listed for action, and the right value goes back to the source through the write-back outbox', async () => {
  const list = await handler.get('/console/contact/discrepancies')
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /Priya Ndlovu/)
  assert.match(list.body, /date of birth/)
  const page = await handler.get(`/console/contact/people/${priya}`)
  assert.match(page.body, /Which date of birth is right\?/)
  assert.match(page.body, /1988-04-05/)
  const wrong = await handler.post(`/console/contact/people/${priya}/corrections`, {
    field: 'dateOfBirth',
    value: '1999-01-01',
  })
  assert.equal(wrong.statusCode, 400)
  assert.match(wrong.body, /Choose the right date of birth/)
  const done = await handler.post(`/console/contact/people/${priya}/corrections`, {
    field: 'dateOfBirth',
    value: '1988-04-04',
  })
  assert.equal(done.statusCode, 303)
  const entries = await t.app.db.withForce('essex', (tx) =>
    rows<{ target: string; targetRef: string; kind: string; content: string }>(
      tx,
      sql`select target, target_ref as "targetRef", kind, body->>'content' as content from writeback_entries
          where body->>'channel' = 'contact-correction'`,
    ),
  )
  assert.deepEqual(
    entries.map((e) => [e.target, e.targetRef, e.kind]),
    [['rms', '42/901/26', 'note']],
  )
  assert.match(entries[0]!.content, /date of birth is 1988-04-04; this record holds 1988-04-05/)
  const listed = await handler.get('/console/contact/discrepancies')
  assert.doesNotMatch(listed.body, /Priya Ndlovu/)
  const again = await handler.get(`/console/contact/people/${priya}`)
  assert.match(again.body, /agree about this person/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'contact.person-corrected' and record_id = ${priya}`,
    ),
  )
  assert.equal(audited[0]!.n, 1)
})

test('the single view is refused to roles outside the contact centre, to other forces and to forces without Contact', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await officer.get(`/console/contact/people/${priya}`)).statusCode, 403)
  assert.equal(
    (await officer.post(`/console/contact/people/${jon}/merge`, { candidate: john })).statusCode,
    403,
  )
  const kent = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await kent.get(`/console/contact/people/${priya}`)).statusCode, 404)
  assert.equal((await kent.get(`/console/contact/people/${priya}/matches`)).statusCode, 404)
  const region = await t.signInAs(['contact_handler'], null)
  assert.equal((await region.get('/console/contact/discrepancies')).statusCode, 403)
  await t.app.services.forces.setProducts('kent', ['journeys'])
  try {
    assert.equal((await kent.get('/console/contact/people')).statusCode, 403)
  } finally {
    await t.app.services.forces.setProducts('kent', ['journeys', 'portal', 'contact'])
  }
})
