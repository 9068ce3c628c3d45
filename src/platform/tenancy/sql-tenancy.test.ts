// Row-level security that holds against SQL injected into a tenant transaction (decision 0019):
// audit chain heads are per force, a force claimed without its seal sees nothing, and on
// PostgreSQL the tenant pool's login cannot become the system role or the owner.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { rows } from '../db/database.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
  await t.signInAs(['analyst'], 'essex', 'Essex Analyst')
  await t.signInAs(['analyst'], 'kent', 'Kent Analyst')
})
after(() => t.close())

const essexStaffSeenBy = (forceId: string, injected: string) =>
  t.app.db.withForce(forceId, async (tx) => {
    await tx.execute(sql.raw(injected))
    return rows<{ n: number }>(tx, sql`select count(*)::int as n from staff_users where force_id = 'essex'`)
  })

test('UJ-5: acting for kent, the application role can neither read nor move essex’s audit chain head', async () => {
  await t.app.services.audit.record({
    action: 'test.essex',
    forceId: 'essex',
    actor: { kind: 'system', name: 't' },
  })
  await t.app.services.audit.record({
    action: 'test.kent',
    forceId: 'kent',
    actor: { kind: 'system', name: 't' },
  })
  const moved = await t.app.db.withForce('kent', (tx) =>
    rows(
      tx,
      sql`update audit_chains set last_hash = 'forged' where chain = 'essex' or chain like 'essex/%' returning chain`,
    ),
  )
  assert.equal(moved.length, 0)
  const seen = await t.app.db.withForce('kent', (tx) =>
    rows<{ chain: string }>(tx, sql`select chain from audit_chains`),
  )
  // Kent's trail is kept in 32 chains, `kent` and `kent/1` … `kent/31` (decision 0031).
  assert.deepEqual(
    seen.map((c) => c.chain).sort(),
    ['kent', ...Array.from({ length: 31 }, (_, i) => `kent/${i + 1}`)].sort(),
  )
  assert.ok((await t.app.services.audit.verify()).every((chain) => chain.ok))
})

test('UJ-5: SQL injected into a kent transaction that sets app.force_id to essex sees no force’s rows', async () => {
  assert.equal((await essexStaffSeenBy('essex', 'select 1'))[0]!.n, 1, 'essex sees its own')
  assert.equal((await essexStaffSeenBy('kent', 'select 1'))[0]!.n, 0)
  for (const injected of [
    "select set_config('app.force_id', 'essex', true)",
    "set app.force_id = 'essex'",
    "set local app.force_id = 'essex'",
    "select set_config('app.force_id', 'essex', false)",
  ]) {
    assert.equal((await essexStaffSeenBy('kent', injected))[0]!.n, 0, injected)
  }
  const own = await t.app.db.withForce('kent', async (tx) => {
    await tx.execute(sql`select set_config('app.force_id', 'essex', true)`)
    return rows<{ n: number }>(tx, sql`select count(*)::int as n from staff_users`)
  })
  assert.equal(own[0]!.n, 0, 'a claimed force without its seal sees nothing at all')
  await assert.rejects(
    t.app.db.withForce('kent', (tx) => rows(tx, sql`select key from waypoint_tenancy_key`)),
    /permission denied/,
    'the application role cannot read the sealing key',
  )
})

// PGlite has one user (decision 0019): this runs in the PostgreSQL suite (DATABASE_URL, .ci/run).
const onPostgres = process.env.DATABASE_URL ? test : () => undefined
onPostgres(
  'UJ-5: on PostgreSQL the tenant pool logs in as a role that cannot become waypoint_system or the owner',
  async () => {
    const who = await t.app.db.withForce('kent', (tx) =>
      rows<{ login: string; rolsuper: boolean; rolbypassrls: boolean; system: boolean }>(
        tx,
        sql`select session_user as login, r.rolsuper, r.rolbypassrls,
            pg_has_role(session_user, 'waypoint_system', 'member') as system
          from pg_roles r where r.rolname = session_user`,
      ),
    )
    assert.deepEqual(who[0], {
      login: 'waypoint_tenant_login',
      rolsuper: false,
      rolbypassrls: false,
      system: false,
    })
    for (const attempt of [
      'set role waypoint_system',
      'set local role waypoint_system',
      'set role waypoint_retention',
      'set role postgres',
    ]) {
      await assert.rejects(
        t.app.db.withForce('kent', (tx) => tx.execute(sql.raw(attempt))),
        /permission denied/,
        attempt,
      )
    }
    assert.equal((await essexStaffSeenBy('kent', 'reset role'))[0]!.n, 0, 'reset role leaves RLS in force')
    const system = await t.app.db.asSystem((tx) =>
      rows<{ login: string }>(tx, sql`select session_user as login`),
    )
    assert.equal(system[0]!.login, 'waypoint_system_login')
  },
)

test('CP-5: a kent officer who finds and opens an essex case shared by agreement is audited in essex’s trail', async () => {
  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['sources:write'] })
  const event = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../sources/examples/storm-log-created.json'), 'utf8'),
  )
  event.eventId = 'STORM-ESX-SHARED-1'
  event.log.reference = 'ESX-20260601-0042'
  const ingested = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/sources/essex/storm',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(event),
  })
  assert.equal(ingested.statusCode, 202, ingested.body)
  const incident = await t.app.services.cases.findIncidentByRef('essex', 'ESX-20260601-0042')
  assert.ok(incident)
  const agreement = await t.app.services.forces.createAgreement(
    {
      fromForceId: 'essex',
      toForceId: 'kent',
      recordKinds: ['case', 'person'],
      purpose: 'Joint investigation',
      startsAt: new Date(Date.now() - 86_400_000),
      expiresAt: null,
    },
    '00000000-0000-4000-8000-000000000001',
  )
  try {
    const officer = await t.signInAs(['investigating_officer'], 'kent', 'Kent Investigator')
    const search = await officer.get('/console/cases?q=ESX-20260601-0042')
    assert.equal(search.statusCode, 200)
    assert.match(search.body, /ESX-20260601-0042/)
    const id = incident.incident.id
    const page = await officer.get(`/console/cases/incidents/${id}`)
    assert.equal(page.statusCode, 200)
    const shared = await t.app.db.asSystem((tx) =>
      rows<{ force_id: string; record_id: string; record_type: string; actor_name: string }>(
        tx,
        sql`select force_id, record_id, record_type, actor_name from audit_events
            where action = 'record.read-shared' and actor_name = 'Kent Investigator'`,
      ),
    )
    assert.ok(shared.length >= 2, 'the search and the page view')
    assert.ok(shared.every((e) => e.force_id === 'essex'))
    assert.ok(shared.some((e) => e.record_type === 'incident' && e.record_id === id))
  } finally {
    await t.app.services.forces.revokeAgreement(agreement.id, '00000000-0000-4000-8000-000000000001')
  }
})
