import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { rows } from '../platform/db/database.ts'
import { aStormEvent, anAthenaEvent } from '../sources/test-support/events.ts'
import { formBody, formOf } from '../sources/profile-form.ts'

let t: TestApp
let crimeId: string
let personId: string

before(async () => {
  t = await createTestApp()
  await t.app.services.sources.receive(
    'kent',
    'storm',
    aStormEvent({
      id: 'K-1',
      type: 'CREATE',
      at: '01/06/2026 10:00:00',
      ref: 'KNT-20260601-0042',
      grading: 'G1',
      persons: [{ nominalId: 'KN-1', name: 'Robin Hale', role: 'VIC', phone: '07700 900321' }],
    }),
    'application/json',
  )
  await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: 'KA-1',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-01T11:00:00Z',
      crimeRef: '46/777/26',
      investigation: { linkedLogs: ['KNT-20260601-0042'], crimeType: 'Robbery', status: 'OPEN' },
      persons: [{ urn: 'KP-1', name: 'Robin Hale', role: 'VIC', phone: '+447700900321' }],
    }),
    'application/json',
  )
  const crime = await t.app.services.cases.findCrimeByRef('kent', '46/777/26')
  crimeId = crime!.crime.id
  personId = crime!.parties[0]!.personId
})
after(() => t.close())

test('CP-153: search finds a case by partial reference in any case and spacing, and a person by phone; searches are audited', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const byRef = await officer.get('/console/cases?q=knt-2026 0601-0042')
  assert.equal(byRef.statusCode, 200)
  assert.match(byRef.body, /KNT-20260601-0042/)
  const byCrime = await officer.get(`/console/cases?q=${encodeURIComponent('777/26')}`)
  assert.match(byCrime.body, /46\/777\/26/)
  const byPhone = await officer.get('/console/cases?q=0770 090 0321')
  assert.match(byPhone.body, /Robin Hale/)
  const byName = await officer.get('/console/cases?q=robin')
  assert.match(byName.body, /Robin Hale/)
  const searches = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(tx, sql`select action from audit_events where actor_id = ${officer.userId}`),
  )
  assert.equal(searches.filter((a) => a.action === 'case.searched').length, 4)
})

test('CP-153: the crime page shows parties and the timeline, and the view is audited', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const page = await officer.get(`/console/cases/crimes/${crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Crime recorded: Robbery/)
  assert.match(page.body, /moj-timeline/)
  assert.match(page.body, /KNT-20260601-0042/)
  const person = await officer.get(`/console/people/${personId}`)
  assert.equal(person.statusCode, 200)
  assert.match(person.body, /KN-1/)
  assert.match(person.body, /KP-1/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where actor_id = ${officer.userId} and record_id in (${crimeId}, ${personId})`,
    ),
  )
  assert.deepEqual(audited.map((a) => a.action).sort(), ['crime.viewed', 'person.viewed'])
})

test('UJ-5: an officer of another force cannot open the case or the person, and a wrong role is refused', async () => {
  const essex = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await essex.get(`/console/cases/crimes/${crimeId}`)).statusCode, 404)
  assert.equal((await essex.get(`/console/people/${personId}`)).statusCode, 404)
  assert.doesNotMatch((await essex.get('/console/cases?q=robin')).body, /Robin Hale/)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get(`/console/cases/crimes/${crimeId}`)).statusCode, 403)
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await officer.get('/console/sources')).statusCode, 403)
})

test('CP-163: a force admin sees a quarantined event, corrects it and replays it from the console', async () => {
  const bad = await t.app.services.sources.receive(
    'kent',
    'storm',
    '<StormEvent><eventId>K-BAD',
    'application/xml',
  )
  assert.equal(bad.status, 'quarantined')
  const admin = await t.signInAs(['force_admin'], 'kent')
  const health = await admin.get('/console/sources')
  assert.equal(health.statusCode, 200)
  assert.match(health.body, /Quarantined events/)
  assert.match(health.body, /could not be read/)
  const empty = await admin.post(`/console/sources/events/${bad.id}/payload`, { payload: ' ' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /Enter the corrected payload/)
  const fixed = await admin.post(`/console/sources/events/${bad.id}/payload`, {
    payload: aStormEvent({
      id: 'K-BAD',
      type: 'CREATE',
      at: '02/06/2026 09:00:00',
      ref: 'KNT-FIXED-1',
      grading: 'G3',
    }),
  })
  assert.equal(fixed.statusCode, 302)
  const event = await admin.get(`/console/sources/events/${bad.id}`)
  assert.match(event.body, /Applied/)
  assert.equal(
    (await t.app.services.cases.findIncidentByRef('kent', 'KNT-FIXED-1'))?.incident.grading,
    'Scheduled',
  )
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essexAdmin.get(`/console/sources/events/${bad.id}`)).statusCode, 404)
})

test('CP-162: a force admin tries a profile against a pasted sample, saves it as a new version and publishes it', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const current = await t.app.services.sources.currentProfile('kent', 'storm')
  const document = formBody(
    formOf({
      ...current!.document,
      codes: { ...current!.document.codes, 'incident.grading': { P1: 'Immediate' } },
    }),
  )
  const sample = aStormEvent({
    id: 'S-1',
    type: 'CREATE',
    at: '02/06/2026 09:00:00',
    ref: 'KNT-S-1',
    grading: 'P1',
  })
  const tried = await admin.post('/console/sources/profiles/storm', { ...document, sample, action: 'test' })
  assert.equal(tried.statusCode, 200)
  assert.match(tried.body, /The sample maps\./)
  assert.match(tried.body, /P1 → Immediate/)
  const refused = await admin.post('/console/sources/profiles/storm', {
    ...document,
    'code-90-field': 'incident.grading',
    'code-90-from': 'P2',
    'code-90-to': 'Soon',
    sample,
    action: 'save',
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /Incident: grading cannot be “Soon”/)
  const saved = await admin.post('/console/sources/profiles/storm', {
    ...document,
    sample,
    action: 'save',
    note: 'P-codes',
  })
  assert.match(saved.body, new RegExp(`Version ${current!.version + 1} saved`))
  const published = await admin.post(
    `/console/sources/profiles/storm/versions/${current!.version + 1}/publish`,
    {},
  )
  assert.equal(published.statusCode, 302, published.body)
  const applied = await t.app.services.sources.receive('kent', 'storm', sample, 'application/json')
  assert.equal(applied.status, 'applied')
})
