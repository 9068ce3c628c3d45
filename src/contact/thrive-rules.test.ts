// THRIVE rules a force edits (CRM-17): a force administrator saves a new version of the rules in
// a form, with why; handlers' assessments are then suggested by those rules, each suggestion
// explaining the rule that decided and what met it, and recording the version. Versions are kept
// and audited; supervisors read them; other roles and forces are refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { aStormEvent } from '../sources/test-support/events.ts'
import { suggestGrading } from './thrive.ts'
import { defaultRules, suggestByRules } from './thrive-rules.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let admin: SignedIn
let sue: SignedIn
let ana: SignedIn
let item: string

const none = { threat: 0, harm: 0, risk: 0, investigation: 0, vulnerability: 0, engagement: 0 }
const noneForm: Record<string, string> = Object.fromEntries(Object.keys(none).map((k) => [k, '0']))
const form = {
  ImmediateDimensions: ['threat', 'harm', 'risk'],
  ImmediateAtLeast: '3',
  PromptDimensions: ['risk', 'threat'],
  PromptAtLeast: '2',
  PromptMarkers: 'yes',
  ScheduledDimensions: ['investigation', 'engagement', 'harm'],
  ScheduledAtLeast: '2',
  AppointmentDimensions: ['investigation', 'engagement'],
  AppointmentAtLeast: '1',
  vulnerableAtLeast: '3',
  note: 'Risk rated high is an emergency in this force (chief inspector’s direction 12/26)',
}

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  const result = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'TR-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-TR1',
      persons: [{ nominalId: 'N-TR1', name: 'Dee Ross', role: 'VIC', phone: '07700 900701' }],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied')
  admin = await t.signInAs(['force_admin'], 'essex', 'Fay Admin')
  sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'tr-1',
      from: '07700900701',
      fromName: null,
      to: null,
      subject: null,
      body: 'Help',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [found] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_items limit 1`),
  )
  item = found!.id
  assert.equal((await ana.post(`/console/contact/queue/contacts/${item}/claim`, {})).statusCode, 303)
})

after(() => t.close())

test('CRM-17: Waypoint’s own rules, written as a rule set, suggest what the fixed rules did', () => {
  const cases: [Partial<typeof none>, string[]][] = [
    [{}, []],
    [{ engagement: 1 }, []],
    [{ investigation: 2 }, []],
    [{ risk: 3 }, []],
    [{ vulnerability: 2 }, []],
    [{ harm: 3, vulnerability: 3 }, []],
    [{ engagement: 1 }, ['domestic_abuse']],
  ]
  for (const [ratings, markers] of cases) {
    const r = { ...none, ...ratings }
    const fixed = suggestGrading(r, markers)
    const byRules = suggestByRules(defaultRules, r, markers)
    assert.deepEqual(
      [byRules.grading, byRules.vulnerable],
      [fixed.grading, fixed.vulnerable],
      JSON.stringify(ratings),
    )
  }
})

test('CRM-17: a force administrator saves new rules with why; assessments then follow them and explain the rule that decided', async () => {
  const refused = await admin.post('/console/contact/thrive-rules', { ...form, note: '', PromptAtLeast: '9' })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /href="#note">Enter why the rules are changing/)
  assert.match(refused.body, /href="#PromptAtLeast">Choose the rating that suggests Prompt/)
  assert.equal((await admin.post('/console/contact/thrive-rules', form)).statusCode, 303)
  const page = await sue.get('/console/contact/thrive-rules')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Version 1, saved[\s\S]*?Fay Admin: Risk rated high is an emergency/)
  assert.match(page.body, /Immediate<\/dt><dd[^>]*>Threat or Harm or Risk rated high</)
  assert.doesNotMatch(page.body, /Save as a new version/)

  // Risk high is now Immediate (Waypoint's own rules said Prompt).
  const assessed = await ana.post(`/console/contact/queue/contacts/${item}/thrive`, {
    ...noneForm,
    risk: '3',
  })
  assert.equal(assessed.statusCode, 303)
  const contact = await ana.get(`/console/contact/queue/contacts/${item}`)
  assert.match(contact.body, /Grading: Immediate/)
  assert.match(
    contact.body,
    /Immediate under the force’s THRIVE rules, version 1: Threat or Harm or Risk rated high; Risk rated high/,
  )
  // Vulnerability medium no longer flags the caller (the force says high).
  await ana.post(`/console/contact/queue/contacts/${item}/thrive`, { ...noneForm, vulnerability: '2' })
  const [latest] = await t.app.db.withForce('essex', (tx) =>
    rows<{ suggested: string; vulnerable: boolean; version: number }>(
      tx,
      sql`select suggested_grading as suggested, vulnerable, rule_set_version as version
          from contact_thrive_assessments where item_id = ${item} order by seq desc limit 1`,
    ),
  )
  assert.deepEqual(latest, { suggested: 'No Response', vulnerable: false, version: 1 })

  const [audit] = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'contact.thrive-rules-saved' and actor_id = ${admin.userId}`,
    ),
  )
  assert.equal(audit!.n, 1)
})

test('CRM-17: each save is a new version, and the history keeps every earlier one', async () => {
  assert.equal(
    (
      await admin.post('/console/contact/thrive-rules', {
        ...form,
        vulnerableAtLeast: '2',
        note: 'Back to medium',
      })
    ).statusCode,
    303,
  )
  const page = await admin.get('/console/contact/thrive-rules')
  assert.match(page.body, /Version 2, saved[\s\S]*?Back to medium/)
  assert.match(page.body, /<h3 class="govuk-heading-s">Version 1,/)
  assert.match(page.body, /Save as a new version/)
})

test('CRM-17: the rules are refused to handlers and other roles, changed only by a force administrator, and kept per force', async () => {
  assert.equal((await ana.get('/console/contact/thrive-rules')).statusCode, 403)
  assert.equal((await sue.post('/console/contact/thrive-rules', form)).statusCode, 403)
  const analyst = await t.signInAs(['analyst'], 'essex')
  assert.equal((await analyst.get('/console/contact/thrive-rules')).statusCode, 403)
  await t.app.services.forces.setProducts('kent', ['journeys', 'portal', 'contact'])
  const kent = await t.signInAs(['force_admin'], 'kent')
  const theirs = await kent.get('/console/contact/thrive-rules')
  assert.equal(theirs.statusCode, 200)
  assert.match(theirs.body, /Waypoint’s own rules: the force has not changed them/)
  await t.app.services.forces.setProducts('kent', ['journeys'])
  assert.equal((await kent.get('/console/contact/thrive-rules')).statusCode, 403)
  assert.equal((await kent.post('/console/contact/thrive-rules', form)).statusCode, 403)
})
