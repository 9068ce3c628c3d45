// A force's audit trail kept in several hash chains (decision 0031), on PostgreSQL 15: PGlite has
// one connection, so nothing there is open at once. Audited transactions of one force open at the
// same time append to different chains without waiting for one another, a transaction's events
// stay in one chain, and `verify` still finds a changed, removed, reordered or moved row, a chain
// missing from a trail and rows whose chain head is gone.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createPostgresTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts'
import { FixedClock } from '../clock.ts'
import { rows, type Tx } from '../db/database.ts'
import { sql } from 'drizzle-orm'
import { AuditRepository } from './audit-repository.ts'
import { type AuditEvent, AuditService } from './audit-service.ts'

let database: TestDatabase
let audit: AuditService
const actor = { kind: 'citizen' as const, id: '00000000-0000-4000-8000-00000000000a' }
const viewed = (forceId: string, recordId: string): AuditEvent => ({
  action: 'crime.viewed',
  forceId,
  actor,
  recordType: 'crime',
  recordId,
  detail: { through: 'portal' },
})

before(async () => {
  database = await createPostgresTestDatabase()
  audit = new AuditService(new AuditRepository(database.db), database.db, new FixedClock())
})
after(() => database.close())

/**
 * Opens `count` transactions of `forceId` that each record an event and then stay open until
 * `release` is called; resolves once every one has recorded (none of them waited for another).
 */
async function openAudited(forceId: string, count: number, prefix: string) {
  let release!: () => void
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const recorded: Promise<{ chain: string; seq: number }>[] = []
  const committed: Promise<void>[] = []
  for (let i = 0; i < count; i++) {
    let told!: (row: { chain: string; seq: number }) => void
    recorded.push(new Promise((resolve) => (told = resolve)))
    committed.push(
      database.db.withForce(forceId, async (tx: Tx) => {
        const row = await audit.record(viewed(forceId, `${prefix}-${i}`), tx)
        told(row)
        await gate
      }),
    )
  }
  return { rows: await Promise.all(recorded), release: () => release(), committed: Promise.all(committed) }
}

async function verifyOf(chain: string) {
  return (await audit.verify()).find((r) => r.chain === chain)
}

async function asOwner(statements: string) {
  await database.db.execAsOwner(
    `set session_replication_role = replica; ${statements}; set session_replication_role = origin;`,
  )
}

test('CP-151, CP-184: audited transactions of one force open at once each append to their own chain, without waiting for one another, and all verify', {
  timeout: 60_000,
}, async () => {
  await audit.record(viewed('kent', 'first'))
  // Three transactions hold their audit rows open together: had they shared one chain head,
  // the second would wait for the first to end and this would never resolve.
  const open = await openAudited('kent', 3, 'together')
  const chains = open.rows.map((r) => r.chain)
  assert.equal(new Set(chains).size, 3, `three chains: ${chains.join(', ')}`)
  assert.ok(chains.every((c) => c === 'kent' || /^kent\/\d+$/.test(c)))
  // Meanwhile another force's audit goes on as before.
  const essex = await audit.record(viewed('essex', 'elsewhere'))
  assert.equal(essex.chain, 'essex')
  open.release()
  await open.committed
  const results = await audit.verify()
  assert.ok(
    results.every((r) => r.ok),
    JSON.stringify(results),
  )
  const kent = results.filter((r) => r.chain === 'kent' || r.chain.startsWith('kent/'))
  assert.equal(
    kent.reduce((n, r) => n + r.events, 0),
    4,
  )
  // Once they have ended, the next event goes to the force's first chain again.
  const next = await audit.record(viewed('kent', 'after'))
  assert.equal(next.chain, 'kent')
})

test('CP-151: the events one transaction records stay together in one chain, in order', async () => {
  const open = await openAudited('kent', 1, 'holder')
  const [first, second] = await database.db.withForce('kent', async (tx) => [
    await audit.record(viewed('kent', 'one'), tx),
    await audit.record(viewed('kent', 'two'), tx),
  ])
  assert.notEqual(first!.chain, open.rows[0]!.chain)
  assert.equal(second!.chain, first!.chain)
  assert.equal(second!.seq, first!.seq + 1)
  assert.equal(second!.prevHash, first!.hash)
  open.release()
  await open.committed
})

test('UJ-17: a changed, removed, reordered or moved row in one of a force’s chains is found by verify', async () => {
  const open = await openAudited('suffolk', 2, 'tamper')
  open.release()
  await open.committed
  // More rows in the second chain, so rows in its middle can be changed.
  const second = open.rows.find((r) => r.chain !== 'suffolk')!.chain
  const hold = await openAudited('suffolk', 1, 'holding-first')
  assert.equal(hold.rows[0]!.chain, 'suffolk')
  for (const id of ['a', 'b', 'c']) {
    const row = await audit.record(viewed('suffolk', id))
    assert.equal(row.chain, second)
  }
  hold.release()
  await hold.committed
  assert.equal((await verifyOf(second))?.ok, true)

  await asOwner(`update audit_events set record_id = 'changed' where chain = '${second}' and seq = 2`)
  assert.deepEqual(await pick(second), {
    ok: false,
    brokenAt: 2,
    reason: 'the row was changed after it was written',
  })
  await asOwner(`update audit_events set record_id = 'a' where chain = '${second}' and seq = 2`)
  assert.equal((await verifyOf(second))?.ok, true)

  // Reordered: two rows swap places.
  await asOwner(
    `update audit_events set seq = -seq where chain = '${second}' and seq in (2, 3);
     update audit_events set seq = 5 - (-seq) where chain = '${second}' and seq in (-2, -3)`,
  )
  assert.equal((await verifyOf(second))?.ok, false)
  await asOwner(
    `update audit_events set seq = -seq where chain = '${second}' and seq in (2, 3);
     update audit_events set seq = 5 - (-seq) where chain = '${second}' and seq in (-2, -3)`,
  )
  assert.equal((await verifyOf(second))?.ok, true)

  // Moved into another force's chain.
  await asOwner(`update audit_events set chain = 'norfolk/9' where chain = '${second}' and seq = 4`)
  assert.deepEqual(await pick(second), {
    ok: false,
    brokenAt: 4,
    reason: 'rows at the end of the chain are missing',
  })
  assert.equal((await verifyOf('norfolk/9'))?.ok, false)
  await asOwner(`update audit_events set chain = '${second}' where chain = 'norfolk/9'`)
  assert.equal((await verifyOf(second))?.ok, true)
  assert.equal((await verifyOf('norfolk/9'))?.ok, true)

  // Removed: a row in the middle; the chain's head; the whole chain with its head.
  await asOwner(`delete from audit_events where chain = '${second}' and seq = 3`)
  assert.deepEqual(await pick(second), { ok: false, brokenAt: 3, reason: 'a row is missing' })
  await asOwner(`delete from audit_chains where chain = '${second}'`)
  assert.deepEqual(await pick(second), {
    ok: false,
    brokenAt: 1,
    reason: 'the chain’s head is missing (its last rows cannot be checked)',
  })
  await asOwner(`delete from audit_events where chain = '${second}'`)
  assert.deepEqual(await pick(second), {
    ok: false,
    brokenAt: 1,
    reason: 'the chain is missing from its force’s trail',
  })
})

test('CP-153: acting for one force, the application role sees and moves only that force’s chains', async () => {
  const open = await openAudited('hertfordshire', 2, 'own')
  open.release()
  await open.committed
  const seen = await database.db.withForce('kent', (tx) =>
    rows<{ chain: string }>(tx, sql`select chain from audit_chains order by chain`),
  )
  assert.ok(seen.length > 0)
  assert.ok(
    seen.every((c) => c.chain === 'kent' || c.chain.startsWith('kent/')),
    JSON.stringify(seen),
  )
  const forged = await database.db.withForce('kent', (tx) =>
    rows(
      tx,
      sql`update audit_chains set last_hash = 'forged' where chain like 'hertfordshire%' returning chain`,
    ),
  )
  assert.deepEqual(forged, [])
})

async function pick(chain: string) {
  const found = await verifyOf(chain)
  return found && { ok: found.ok, brokenAt: found.brokenAt, reason: found.reason }
}
