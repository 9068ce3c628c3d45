import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t.close())

const staffActor = { kind: 'staff' as const, id: '00000000-0000-4000-8000-000000000001', name: 'Kim Patel' }

test('CP-151: audit events are hash-chained per force and verify', async () => {
  const first = await t.app.services.audit.record({
    action: 'case.viewed',
    forceId: 'kent',
    actor: staffActor,
    recordType: 'case',
    recordId: 'C1',
  })
  const second = await t.app.services.audit.record({
    action: 'case.viewed',
    forceId: 'kent',
    actor: staffActor,
    recordType: 'case',
    recordId: 'C2',
  })
  await t.app.services.audit.record({
    action: 'force.updated',
    forceId: null,
    actor: staffActor,
    detail: { field: 'products' },
  })
  assert.equal(second.prevHash, first.hash)
  assert.equal(second.seq, first.seq + 1)
  const results = await t.app.services.audit.verify()
  assert.ok(results.length >= 2)
  assert.ok(
    results.every((r) => r.ok),
    JSON.stringify(results),
  )
})

test('CP-153: the application roles cannot change or delete audit rows', async () => {
  await t.app.services.audit.record({
    action: 'case.viewed',
    forceId: 'essex',
    actor: staffActor,
    recordId: 'E1',
  })
  await assert.rejects(
    t.app.db.withForce('essex', (tx) => tx.execute("update audit_events set action = 'x'" as never)),
  )
  await assert.rejects(t.app.db.asSystem((tx) => tx.execute('delete from audit_events' as never)))
})

test('UJ-17: tampering with a stored audit row is detected by verify', async () => {
  const row = await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'norfolk',
    actor: staffActor,
    recordId: 'P1',
  })
  await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'norfolk',
    actor: staffActor,
    recordId: 'P2',
  })
  // Only a database owner who disables triggers can alter a row; verify must still notice.
  await t.app.db.execAsOwner(
    `set session_replication_role = replica; update audit_events set record_id = 'P9' where id = ${row.id}; set session_replication_role = origin;`,
  )
  const norfolk = (await t.app.services.audit.verify()).find((r) => r.chain === 'norfolk')
  assert.equal(norfolk?.ok, false)
  assert.equal(norfolk?.brokenAt, row.seq)
  assert.match(norfolk?.reason ?? '', /changed/)
})

test('UJ-17: every force’s trail has its 32 chains from the start, and one removed with its head is found by verify', async () => {
  const chains = await t.app.db.withForce('cambridgeshire', (tx) =>
    tx.execute('select chain from audit_chains order by chain' as never),
  )
  assert.equal((chains as unknown as { rows: unknown[] }).rows.length, 32)
  await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'cambridgeshire',
    actor: staffActor,
    recordId: 'P1',
  })
  const trail = (await t.app.services.audit.verify()).filter((r) => r.chain.startsWith('cambridgeshire'))
  assert.equal(trail.length, 32)
  assert.ok(trail.every((r) => r.ok))
  // A database owner removes the chain's rows and its head: the trail no longer holds it.
  await t.app.db.execAsOwner(
    `set session_replication_role = replica;
     delete from audit_events where chain = 'cambridgeshire';
     delete from audit_chains where chain = 'cambridgeshire';
     set session_replication_role = origin;`,
  )
  const removed = (await t.app.services.audit.verify()).find((r) => r.chain === 'cambridgeshire')
  assert.equal(removed?.ok, false)
  assert.match(removed?.reason ?? '', /missing from its force’s trail/)
})
