// CRM-24: where the force has the Portal, a contact handler's single view of a person shows what
// the person wrote in the Portal, with the Portal badge and filter, the view audited; a force
// without Contact, another force and a role outside the contact centre are refused.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { aCrimeWithVictim, type PortalVictim } from '../../test/support/portal-cases.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let victim: PortalVictim
let handler: SignedIn

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  victim = await aCrimeWithVictim(t, 'essex')
  clock.advance(60_000)
  await t.app.db.withForce('essex', (tx) =>
    t.app.services.conversations.receivePortal(tx, 'essex', {
      personId: victim.personId,
      caseId: victim.crimeId,
      accountId: randomUUID(),
      displayName: 'Victim',
      text: 'Has anyone looked at the doorbell footage yet?',
      kind: 'message',
      dueBy: null,
      newCrimeRule: null,
    }),
  )
  handler = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
})

after(() => t.close())

test('CRM-24: the single view shows a person’s Portal messages with the Portal badge, filtered by source, and the view is audited', async () => {
  const page = await handler.get(`/console/contact/people/${victim.personId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Has anyone looked at the doorbell footage yet\?/)
  assert.match(page.body, />Portal</)
  const portalOnly = await handler.get(`/console/contact/people/${victim.personId}?source=portal`)
  assert.match(portalOnly.body, /doorbell footage/)
  assert.doesNotMatch(portalOnly.body, new RegExp(victim.crimeRef.replace(/\//g, '\\/')))
  const cadOnly = await handler.get(`/console/contact/people/${victim.personId}?source=cad`)
  assert.doesNotMatch(cadOnly.body, /doorbell footage/)
  const [audited] = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'person.viewed' and actor_id = ${handler.userId}
            and record_id = ${victim.personId}`,
    ),
  )
  assert.ok(audited!.n >= 3)
})

test('CRM-24: a person’s Portal messages are refused to other roles, to another force and to a force without Contact', async () => {
  const officer = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await officer.get(`/console/contact/people/${victim.personId}`)).statusCode, 403)
  const kent = await t.signInAs(['contact_handler'], 'kent')
  const other = await kent.get(`/console/contact/people/${victim.personId}`)
  assert.equal(other.statusCode, 404)
  assert.doesNotMatch(other.body, /doorbell footage/)
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal'])
  assert.equal((await handler.get(`/console/contact/people/${victim.personId}`)).statusCode, 403)
})
