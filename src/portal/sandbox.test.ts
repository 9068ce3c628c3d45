// The sandbox force for iHub's integration testing: enabled by configuration, seeded with the
// same generated people and cases every time, and reachable through the Portal API with its own
// client only.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { loadConfig } from '../platform/config.ts'
import { FixedClock } from '../platform/clock.ts'
import { sandboxPeople, seedPortalSandbox } from './sandbox.ts'

let t: TestApp
before(async () => {
  t = await createTestApp(
    { sandbox: { enabled: true, people: 6 } },
    { clock: new FixedClock('2026-06-10T10:00:00Z') },
  )
})
after(() => t?.close())

test('CP-164, CP-180: the sandbox force’s test data is generated the same every time, and seeding it again changes nothing', async () => {
  assert.deepEqual(sandboxPeople(6), sandboxPeople(6))
  assert.deepEqual(sandboxPeople(3), sandboxPeople(6).slice(0, 3))
  const first = await seedPortalSandbox(t.app, 6)
  assert.ok(first.client, 'iHub’s client is made the first time')
  const again = await seedPortalSandbox(t.app, 6)
  assert.equal(again.client, undefined, 'and not again')
  assert.deepEqual(again.people, first.people)
  for (const person of first.people) {
    const crime = await t.app.services.cases.findCrimeByRef('sandbox', person.crimeRef)
    assert.ok(crime, person.crimeRef)
    assert.equal(crime.crime.crimeType, person.crimeType)
    assert.equal(crime.crime.officerName, person.officer)
    assert.equal(crime.parties.length, 1, 'one victim, not two after the second seeding')
  }
  const force = await t.app.services.forces.get('sandbox')
  assert.deepEqual(force.products, ['portal'])
})

test('CP-165, CP-180: iHub tests against the sandbox through the API as against a real force, and the sandbox stays apart from the real forces', async () => {
  const seeded = await seedPortalSandbox(t.app, 6)
  const token = await issueClientToken(t, { forceId: 'sandbox', scopes: ['portal:cases', 'portal:accounts'] })
  const person = seeded.people.find((p) => p.subject)!
  const cases = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/portal/cases',
    headers: { authorization: `Bearer ${token}`, 'portal-subject': person.subject! },
  })
  assert.equal(cases.statusCode, 200, cases.body)
  assert.deepEqual(
    cases.json().cases.map((c: { reference: string }) => c.reference),
    [person.crimeRef],
  )
  // People invited but not registered have no account yet.
  const unregistered = seeded.people.find((p) => !p.subject)!
  assert.equal(
    (
      await t.app.http.inject({
        method: 'GET',
        url: '/api/v1/portal/account',
        headers: {
          authorization: `Bearer ${token}`,
          'portal-subject': `urn:fdc:gov.uk:2022:sandbox-${unregistered.n}`,
        },
      })
    ).statusCode,
    404,
  )
  // A real force's client sees nothing of the sandbox.
  const kent = await issueClientToken(t, { forceId: 'kent', scopes: ['portal:cases'] })
  const fromKent = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/portal/cases',
    headers: { authorization: `Bearer ${kent}`, 'portal-subject': person.subject! },
  })
  assert.deepEqual(fromKent.json().cases, [])
})

test('PORTAL_SANDBOX=on turns the sandbox force on; it is off otherwise', () => {
  assert.equal(loadConfig({ NODE_ENV: 'test', PORTAL_SANDBOX: 'on' }).sandbox.enabled, true)
  assert.equal(loadConfig({ NODE_ENV: 'test' }).sandbox.enabled, false)
})
