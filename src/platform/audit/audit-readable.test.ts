// The audit trail in plain words (CP-153): actions by name, actors by name where the event kept
// only an id, links to the records, a search by words ("user"), and searches that keep their
// criteria.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { rows } from '../db/database.ts'
import { actionsMatching, describe } from './action-names.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
  await t.app.services.journeys.installDefaults('kent')
})
after(() => t.close())

test('CP-153: the auditor sees who published a journey by name, in plain words, with a link to the journey', async () => {
  const designer = await t.signInAs(['journey_designer'], 'kent', 'Jo Designer')
  const journey = (await t.app.services.journeys.list('kent'))[0]!
  await t.app.services.journeys.publish('kent', journey.id, { id: designer.userId })
  const auditor = await t.signInAs(['auditor'], 'kent', 'Alex Auditor')
  const page = await auditor.get('/console/audit?action=journey.published')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<option value="journey.published" selected>Journeys: Journey published<\/option>/)
  const row = page.body
    .split('<tr class="govuk-table__row">')
    .find((r) => r.includes('<td') && r.includes('Journey published'))
  assert.ok(row, 'a row for the publication')
  assert.match(row, /Jo Designer/)
  assert.doesNotMatch(row, new RegExp(designer.userId), 'the name, not the id')
  assert.match(row, /Journey published: version \d+/)
  assert.match(row, new RegExp(`href="/console/journeys/designer/${journey.id}"`))
  // The search kept its criteria, not only how many it found.
  const [searched] = await t.app.db.withForce('kent', (tx) =>
    rows<{ detail: { filters: Record<string, string>; results: number } }>(
      tx,
      sql`select detail from audit_events where action = 'audit.searched' order by id desc limit 1`,
    ),
  )
  assert.deepEqual(searched?.detail.filters, { actions: 'journey.published' })
  assert.ok((searched?.detail.results ?? 0) >= 1)
})

test('CP-153: searching the actions by words finds them: "user" finds users added and roles given', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Priya Admin')
  await t.app.services.audit.record({
    action: 'staff.created',
    forceId: 'kent',
    actor: { kind: 'staff', id: admin.userId, name: 'Priya Admin' },
    recordType: 'staff',
    recordId: admin.userId,
  })
  const matching = actionsMatching('user')
  assert.ok('actions' in matching && matching.actions.includes('staff.created'))
  assert.ok('actions' in matching && matching.actions.includes('role.granted'))
  const auditor = await t.signInAs(['auditor'], 'kent')
  const page = await auditor.get('/console/audit?action=user')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<option value="user" selected>Matching “user”<\/option>/)
  assert.match(page.body, /User added/)
  assert.doesNotMatch(page.body, /No events match/)
  const [searched] = await t.app.db.withForce('kent', (tx) =>
    rows<{ detail: { filters: Record<string, string> } }>(
      tx,
      sql`select detail from audit_events where action = 'audit.searched' order by id desc limit 1`,
    ),
  )
  assert.match(searched?.detail.filters.actions ?? '', /staff\.created/)
  // A code, or the start of one, still works as before.
  assert.deepEqual(actionsMatching('case.'), { prefix: 'case.' })
  assert.equal(
    describe({ action: 'audit.searched', detail: { filters: { action: 'journey.published' }, results: 3 } }),
    'Audit trail searched: for action journey.published; 3 shown',
  )
})

test('CP-153: a case search keeps what was searched for: a reference, but not a name, and the records it found by id', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Search')
  const crime = await t.app.db.withForce('kent', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`insert into crimes (force_id, crime_ref) values ('kent', 'KT/7788/26') returning id::text`,
    ),
  )
  assert.equal((await officer.get('/console/cases?q=KT%2F7788')).statusCode, 200)
  assert.equal((await officer.get('/console/cases?q=Jane%20Doe')).statusCode, 200)
  const searches = await t.app.db.withForce('kent', (tx) =>
    rows<{ detail: { criteria: Record<string, string>; found: string[]; resultCount: number } }>(
      tx,
      sql`select detail from audit_events where action = 'case.searched' order by id desc limit 2`,
    ),
  )
  assert.deepEqual(searches[1]?.detail.criteria, { reference: 'KT/7788' })
  assert.deepEqual(searches[1]?.detail.found, [`crime ${crime[0]!.id}`])
  assert.deepEqual(searches[0]?.detail.criteria, { name: 'a name (not kept)' })
  assert.doesNotMatch(JSON.stringify(searches[0]?.detail), /Jane|Doe/)
  assert.match(
    describe({ action: 'case.searched', detail: searches[1]!.detail }),
    /Cases searched: for reference KT\/7788; 1 found/,
  )
})
