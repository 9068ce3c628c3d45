// A force onboards its own SMARTStorm build through the console alone, as its force admin would:
// the build is XML with the event id and party roles in attributes, forename and surname apart,
// gradings 1A/1B/2/3/4, UK local times and repeated <Flag> elements (examples/smartstorm-xml).
// The admin writes the profile on the console's form, tries it against the sample, saves and
// publishes it; the build's events then arrive through the real API and its victims are enrolled.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { formBody, formOf } from './profile-form.ts'
import { anAthenaEvent } from './test-support/events.ts'

const FORCE = 'norfolk'
const PAGE = '/console/sources/profiles/storm'
const examples = join(import.meta.dirname, 'examples', 'smartstorm-xml')
const events = readdirSync(examples)
  .filter((name) => name.endsWith('.xml'))
  .sort()
  .map((name) => readFileSync(join(examples, name), 'utf8'))
const profile = JSON.parse(readFileSync(join(examples, 'profile.json'), 'utf8'))
/** The whole sample as the admin pastes it: the build's XML messages one after another. */
const sample = events.join('\n')

let t: TestApp
let admin: SignedIn

before(async () => {
  t = await createTestApp()
  // As at start-up: every force with the Journeys product has the default journeys.
  await t.app.services.journeys.installDefaults(FORCE)
  admin = await t.signInAs(['force_admin'], FORCE, 'Norfolk Admin')
})
after(() => t?.close())

/** The mapping form's fields for a profile, as the page shows them filled in. */
const rows = (document: unknown) => formBody(formOf(document as Parameters<typeof formOf>[0]))
const currentVersion = async () => (await t.app.services.sources.currentProfile(FORCE, 'storm'))!.version
const latestVersion = async () => (await t.app.services.sources.profileVersions(FORCE, 'storm'))[0]!.version
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")

test('UJ-4, CP-162: the XML SMARTStorm build is onboarded through the console alone and its victims are enrolled', async () => {
  const form = await admin.get(PAGE)
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /How to say where a field is/)

  const tried = await admin.post(PAGE, { ...rows(profile), sample, action: 'test' })
  assert.equal(tried.statusCode, 200, tried.body)
  assert.match(tried.body, /All 6 events of the sample map/)
  assert.doesNotMatch(tried.body, /id="sample-warnings"/, 'every path of the profile finds something')
  const results = text(tried.body)
  assert.match(results, /Event id NFK-SMS-20260603-000417-01, /)
  assert.match(results, /Person: name Priya Shah, Tom Barker/, 'forename and surname joined')
  assert.match(results, /Incident: grading 1A → Immediate, 1B → Prompt, 2 → Scheduled/)

  const saved = await admin.post(PAGE, {
    ...rows(profile),
    sample,
    note: 'Norfolk SMARTStorm XML build',
    action: 'save',
  })
  assert.equal(saved.statusCode, 200, saved.body)
  const version = await latestVersion()
  assert.match(saved.body, new RegExp(`Version ${version} saved. It is not in use until you publish it`))
  assert.notEqual(await currentVersion(), version, 'a saved version is not in use before it is published')

  const published = await admin.post(`${PAGE}/versions/${version}/publish`)
  assert.equal(published.statusCode, 302, published.body)
  assert.match(
    text((await admin.get(String(published.headers.location))).body),
    new RegExp(`Version ${version} published`),
  )
  assert.equal(await currentVersion(), version)

  const token = await issueClientToken(t, { forceId: FORCE, scopes: ['sources:write'] })
  for (const event of events) {
    const response = await t.app.http.inject({
      method: 'POST',
      url: `/api/v1/sources/${FORCE}/storm`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      payload: event,
    })
    assert.equal(response.statusCode, 202, response.body)
    const result = response.json() as { status: string; reason: string | null; warnings: string[] }
    assert.equal(result.status, 'applied', `${result.reason}`)
    assert.deepEqual(result.warnings, [])
  }

  const burglary = await t.app.services.cases.findIncidentByRef(FORCE, 'NFK-20260603-0417')
  assert.ok(burglary, 'the incident is held under the reference in its attribute')
  assert.equal(burglary.incident.grading, 'Scheduled', '1A, then 1B, then 2')
  assert.equal(burglary.incident.location, '12A Riverside Road, Norwich NR1 1SQ')
  assert.equal(burglary.incident.openedAt?.toISOString(), '2026-06-03T20:44:00.000Z', 'UK local time (BST)')
  assert.equal(burglary.incident.closedAt?.toISOString(), '2026-06-04T15:30:00.000Z')
  const roles = Object.fromEntries(burglary.parties.map((p) => [p.displayName, p.role]))
  assert.deepEqual(roles, { 'Priya Shah': 'victim', 'Tom Barker': 'witness', 'Arjun Shah': 'victim' })
  const theft = await t.app.services.cases.findIncidentByRef(FORCE, 'NFK-20260604-0533')
  assert.equal(theft?.incident.grading, 'Appointment')

  const enrolled = async (caseId: string) => {
    const explained = await t.app.services.journeys.explain(FORCE, caseId, { id: null })
    return [...new Set(explained.enrolments.map((e) => e.personId))]
  }
  const victimsOf = (c: NonNullable<typeof burglary>) =>
    c.parties.filter((p) => p.role === 'victim').map((p) => p.personId)
  assert.deepEqual((await enrolled(burglary.incident.id)).sort(), victimsOf(burglary).sort())
  assert.equal(victimsOf(burglary).length, 2, 'the party with no role attribute is a victim by default')
  assert.deepEqual(await enrolled(theft!.incident.id), victimsOf(theft!))
  assert.equal(victimsOf(theft!).length, 1)
})

test('CP-162: a profile reading an attribute as an element is warned about when tried, before any event is lost', async () => {
  const wrong = structuredClone(profile)
  wrong.eventId = 'msgId'
  wrong.people.fields.role = 'Role'
  const tried = await admin.post(PAGE, {
    ...rows(wrong),
    sample: events[0]!,
    action: 'test',
  })
  assert.equal(tried.statusCode, 200)
  const body = text(tried.body)
  assert.match(body, /The sample cannot be mapped: no event id at "msgId"/)
  assert.match(body, /Nothing found at "msgId" \(event id\) in the sample/)
  assert.match(body, /Nothing found at "Role" \(person role\) for any person in the sample/)
})

test('CP-162: a mapping form with mistakes is refused with an error summary linking to each row, keeps what was typed, and saves nothing', async () => {
  const before = await latestVersion()
  const form = rows(profile)
  const grading = Object.keys(form).find((k) => form[k] === 'incident.grading' && k.endsWith('-target'))!
  const row = grading.replace(/-target$/, '')
  const broken = {
    ...form,
    [`${row}-source`]: 'Incident..Grading',
    'field-40-target': 'incident.location',
    'field-40-source': 'Incident.Address',
    'code-40-field': 'incident.grading',
    'code-40-from': '5',
    'code-40-to': 'Whenever',
    'code-41-field': 'crime.crimeType',
    'code-41-from': 'BURG',
    'code-41-to': 'x'.repeat(201),
  }
  const saved = await admin.post(PAGE, { ...broken, sample, action: 'save' })
  assert.equal(saved.statusCode, 400)
  assert.match(saved.body, /<title>Error: /)
  const summary = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(saved.body)?.[0] ?? ''
  assert.match(
    summary,
    new RegExp(`href="#${row}-source">“Incident..Grading” for incident: grading has an empty step`),
  )
  assert.match(
    summary,
    /href="#field-\d+-target">Incident: location is already filled by row \d+: remove one of them/,
  )
  assert.match(text(summary), /Incident: grading cannot be “Whenever”: use one of Immediate, Prompt/)
  assert.match(summary, /href="#code-\d+-to">A value must be 200 characters or fewer/)
  assert.match(saved.body, /value="Incident..Grading"/, 'what was typed is kept')
  assert.equal(await latestVersion(), before)
  const tried = await admin.post(PAGE, { ...broken, sample, action: 'test' })
  assert.equal(tried.statusCode, 400, 'the try button answers with the same errors, not a 500')
})

test('CP-162: rows are added and removed with the form’s buttons, without saving anything', async () => {
  const before = await latestVersion()
  const form = rows(profile)
  const fieldRows = Object.keys(form).filter((k) => /^field-\d+-target$/.test(k)).length
  const added = await admin.post(PAGE, { ...form, sample, action: 'add-field' })
  assert.equal(added.statusCode, 200)
  assert.match(added.body, new RegExp(`<legend[^>]*>\\s*Field ${fieldRows + 1}\\s*</legend>`))
  assert.match(added.body, new RegExp(`name="field-${fieldRows}-target"`))
  const removed = await admin.post(PAGE, { ...form, sample, action: 'remove-field-0' })
  assert.equal(removed.statusCode, 200)
  assert.doesNotMatch(removed.body, new RegExp(`name="field-${fieldRows - 1}-target"`))
  assert.doesNotMatch(removed.body, /value="Incident\.@ref"/, 'the first row (the CAD reference) is gone')
  assert.equal(await latestVersion(), before)
})

test('CP-157: a stored profile that fails the checks quarantines its events with the reason, never a 500', async () => {
  const broken = structuredClone(profile)
  broken.fields['incident.grading'] = ['Incident', 'Grading']
  await t.app.db.withForce('essex', async (tx) => {
    await tx.execute(sql`insert into mapping_profiles (force_id, source_system, version, document)
      values ('essex', 'storm', 90, ${JSON.stringify(broken)}::jsonb)`)
    await tx.execute(sql`insert into mapping_profile_publications (force_id, source_system, version, kind)
      values ('essex', 'storm', 90, 'published')`)
  })
  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['sources:write'] })
  const response = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/sources/essex/storm',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
    payload: events[0],
  })
  assert.equal(response.statusCode, 202, response.body)
  const result = response.json() as { id: string; status: string; reason: string }
  assert.equal(result.status, 'quarantined')
  assert.match(result.reason, /mapping profile \(version 90\) cannot be used: "fields" → "incident.grading"/)
  assert.ok(await t.app.services.sources.event('essex', result.id), 'the event is stored')
})

test('CP-162: a version is published only after its sample maps; otherwise the version in use stays', async () => {
  const inUse = await currentVersion()
  const strict = structuredClone(profile)
  delete strict.codes['incident.grading']['1B']
  const saved = await admin.post(PAGE, { ...rows(strict), sample, action: 'save' })
  assert.equal(saved.statusCode, 200)
  const version = await latestVersion()
  const refused = await admin.post(`${PAGE}/versions/${version}/publish`)
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary/)
  assert.match(
    text(refused.body),
    new RegExp(
      `Version ${version} was not published: its sample cannot be mapped: Event 2 of the sample: incident grading code "1B" is not in this force's profile`,
    ),
  )
  assert.equal(await currentVersion(), inUse)

  const noSample = await admin.post(PAGE, { ...rows(profile), sample: '', action: 'save' })
  assert.equal(noSample.statusCode, 200)
  const bare = await latestVersion()
  const refusedBare = await admin.post(`${PAGE}/versions/${bare}/publish`)
  assert.equal(refusedBare.statusCode, 400)
  assert.match(text(refusedBare.body), new RegExp(`Version ${bare} has no sample event`))
  assert.equal(await currentVersion(), inUse)
})

test('CP-162: the changes between two versions are shown, and reverting to an earlier version is audited', async () => {
  const inUse = await currentVersion()
  const changed = structuredClone(profile)
  changed.codes['incident.grading']['4'] = 'Appointment'
  changed.people.fields.role = { path: '@role', default: 'W' }
  await admin.post(PAGE, {
    ...rows(changed),
    sample,
    note: 'Grade 4 attended',
    action: 'save',
  })
  const version = await latestVersion()
  assert.equal((await admin.post(`${PAGE}/versions/${version}/publish`)).statusCode, 302)
  assert.equal(await currentVersion(), version)

  const changes = await admin.get(`${PAGE}/versions/${version}/changes?against=${inUse}`)
  assert.equal(changes.statusCode, 200)
  const body = text(changes.body)
  assert.match(body, new RegExp(`Changes from version ${inUse} to version ${version}`))
  assert.match(body, /2 settings changed/)
  assert.match(body, /codes → incident.grading → 4 "No Response" "Appointment"/)
  assert.match(body, /people → fields → role → default "V" "W"/)

  const page = await admin.get(PAGE)
  assert.match(text(page.body), new RegExp(`Revert to version ${inUse}`))
  const reverted = await admin.post(`${PAGE}/versions/${inUse}/revert`)
  assert.equal(reverted.statusCode, 302)
  assert.equal(await currentVersion(), inUse)
  assert.match(
    text((await admin.get(String(reverted.headers.location))).body),
    new RegExp(`Reverted to version ${inUse}`),
  )
  const audit = await t.app.services.audit.search(
    { request: { id: 'check', ip: '127.0.0.1' }, forceId: FORCE, regionWide: false },
    { recordType: 'mapping_profile', recordId: `storm:${inUse}` },
    1,
  )
  const revert = audit.rows.find((r) => r.action === 'mapping-profile.reverted')
  assert.ok(revert, 'the revert is audited')
  assert.deepEqual(revert.detail, { version: inUse, from: version })
})

test('CP-162: a JSON sample may be an array of events; each is tried, and an event that fails is named', async () => {
  const current = await t.app.services.sources.currentProfile(FORCE, 'athena')
  const event = (id: string, status: string) =>
    JSON.parse(
      anAthenaEvent({
        id,
        type: 'INVESTIGATION_CREATED',
        at: '2026-06-05T09:00:00Z',
        crimeRef: `36/${id}/26`,
        investigation: { status },
        persons: [{ urn: `U-${id}`, name: 'Lee Park', role: 'VIC' }],
      }),
    )
  const tried = await admin.post('/console/sources/profiles/athena', {
    ...rows(current!.document),
    sample: JSON.stringify([event('A1', 'OPEN'), event('A2', 'SHELVED')]),
    action: 'test',
  })
  assert.equal(tried.statusCode, 200)
  const body = text(tried.body)
  assert.match(
    body,
    /The sample cannot be mapped: Event 2 of the sample: crime status code "SHELVED" is not in this force's profile/,
  )
  assert.doesNotMatch(body, /Event 1 of the sample/, 'the first event maps')
})

test('CP-162: a crime code gets a value mapping to the force’s crime type, and a required field missing from the sample is named on its row when tried', async () => {
  const current = (await t.app.services.sources.currentProfile(FORCE, 'athena'))!.document
  const event = JSON.parse(
    anAthenaEvent({
      id: 'B1',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-05T09:00:00Z',
      crimeRef: '36/B1/26',
      investigation: { crimeType: 'BURG-DW', homeOfficeClass: undefined },
      persons: [{ urn: 'U-B1', name: 'Lee Park', role: 'VIC' }],
    }),
  )
  const form = rows(current)
  const classRow = Object.keys(form)
    .find((k) => form[k] === 'crime.homeOfficeClass' && k.endsWith('-target'))!
    .replace(/-target$/, '')
  const tried = await admin.post('/console/sources/profiles/athena', {
    ...form,
    [`${classRow}-required`]: 'yes',
    'code-50-field': 'crime.crimeType',
    'code-50-from': 'BURG-DW',
    'code-50-to': 'Burglary',
    sample: JSON.stringify(event),
    action: 'test',
  })
  assert.equal(tried.statusCode, 200, tried.body)
  const body = text(tried.body)
  assert.match(body, /Crime: crime type BURG-DW → Burglary/)
  assert.match(body, /Crime: Home Office class Check Nothing found in the sample/)
  assert.match(
    body,
    /The sample cannot be mapped: crime.homeOfficeClass is required, and nothing was found at "investigation.homeOfficeClass"/,
  )
})

test('the mapping form is for force admins only, and each force edits only its own profiles', async () => {
  const designer = await t.signInAs(['journey_designer'], FORCE)
  assert.equal((await designer.get(PAGE)).statusCode, 403)
  assert.equal((await designer.post(PAGE, { ...rows(profile), sample, action: 'save' })).statusCode, 403)
  const before = await latestVersion()
  const suffolk = await t.signInAs(['force_admin'], 'suffolk')
  const theirs = await suffolk.get(PAGE)
  assert.equal(theirs.statusCode, 200)
  assert.doesNotMatch(theirs.body, /Incident\.@ref/, 'another force’s rows are not shown')
  const saved = await suffolk.post(PAGE, { ...rows(profile), sample, note: 'Suffolk', action: 'save' })
  assert.equal(saved.statusCode, 200)
  assert.equal(await latestVersion(), before, 'Norfolk’s profile is untouched')
  assert.equal((await suffolk.post(`${PAGE}/versions/${before + 5}/publish`)).statusCode, 404)
})
