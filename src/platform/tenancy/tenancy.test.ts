import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { and, eq, sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { auditEvents } from '../audit/schema.ts'
import { rows } from '../db/database.ts'
import { staffUsers } from '../schema.ts'
import { auditCrossForceReads, type TenantRow } from './shared-reads.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
  // A tenant table of record kind 'case', made with the same functions as the real ones.
  await t.app.db.execAsOwner(`
    create table shared_read_cases (
      id uuid primary key default gen_random_uuid(),
      force_id text not null references forces(id),
      title text not null);
    select waypoint_grant_app('shared_read_cases');
    select waypoint_enable_tenancy('shared_read_cases', 'case');
    insert into shared_read_cases (force_id, title) values
      ('essex', 'Essex burglary'), ('essex', 'Essex assault'), ('kent', 'Kent robbery');`)
})
after(() => t.close())

test('UJ-5: a query with no force filter returns only the current force’s rows (row-level security)', async () => {
  await t.signInAs(['analyst'], 'kent', 'Kent Analyst')
  await t.signInAs(['analyst'], 'essex', 'Essex Analyst')
  const seenByKent = await t.app.db.withForce('kent', (tx) => tx.select().from(staffUsers))
  assert.ok(seenByKent.length >= 1)
  assert.ok(seenByKent.every((u) => u.forceId === 'kent'))
  const essexUser = await t.app.db.withForce('essex', (tx) => tx.select().from(staffUsers))
  assert.ok(essexUser.some((u) => u.displayName === 'Essex Analyst'))
  assert.ok(!essexUser.some((u) => u.displayName === 'Kent Analyst'))
})

test('CP-5: a force cannot write a row for another force', async () => {
  await assert.rejects(
    t.app.db.withForce('kent', (tx) =>
      tx.insert(staffUsers).values({ forceId: 'essex', email: 'sneaky@example.org', displayName: 'Sneaky' }),
    ),
    (error: Error & { cause?: Error }) => /row-level security/.test(String(error.cause?.message)),
  )
  const rows = await t.app.db.asSystem((tx) =>
    tx.select().from(staffUsers).where(eq(staffUsers.email, 'sneaky@example.org')),
  )
  assert.equal(rows.length, 0)
})

test('CRM-5: the application role is not a superuser and cannot bypass row-level security', async () => {
  const result = await t.app.db.withForce('kent', (tx) =>
    tx.execute('select rolsuper, rolbypassrls from pg_roles where rolname = current_user' as never),
  )
  const row = (result as unknown as { rows: { rolsuper: boolean; rolbypassrls: boolean }[] }).rows[0]
  assert.deepEqual(row, { rolsuper: false, rolbypassrls: false })
})

const day = 86_400_000
const casesSeenBy = (forceId: string) =>
  t.app.db.withForce(forceId, (tx) =>
    rows<TenantRow & { title: string }>(
      tx,
      sql`select id, force_id as "forceId", title from shared_read_cases order by title`,
    ),
  )
const share = (changes: {
  from?: string
  to?: string
  kinds?: string[]
  starts: number
  expires?: number | null
}) =>
  t.app.services.forces.createAgreement(
    {
      fromForceId: changes.from ?? 'essex',
      toForceId: changes.to ?? 'kent',
      recordKinds: changes.kinds ?? ['case'],
      purpose: 'Joint investigation',
      startsAt: new Date(Date.now() + changes.starts),
      expiresAt: changes.expires == null ? null : new Date(Date.now() + changes.expires),
    },
    '00000000-0000-4000-8000-000000000001',
  )

test('UJ-5: without an agreement in force, Kent sees none of Essex’s cases', async () => {
  await share({ kinds: ['person'], starts: -day })
  await share({ starts: day })
  await share({ starts: -2 * day, expires: -day })
  assert.deepEqual(
    (await casesSeenBy('kent')).map((c) => c.title),
    ['Kent robbery'],
  )
})

test('CP-5: an active agreement lets Kent read Essex’s cases, one way only and read-only', async () => {
  const agreement = await share({ starts: -day, expires: day })
  try {
    assert.deepEqual(
      (await casesSeenBy('kent')).map((c) => c.title),
      ['Essex assault', 'Essex burglary', 'Kent robbery'],
    )
    assert.deepEqual(
      (await casesSeenBy('essex')).map((c) => c.title),
      ['Essex assault', 'Essex burglary'],
    )
    const changed = await t.app.db.withForce('kent', (tx) =>
      rows(
        tx,
        sql`update shared_read_cases set title = 'Changed by Kent' where force_id = 'essex' returning id`,
      ),
    )
    assert.equal(changed.length, 0)
  } finally {
    await t.app.services.forces.revokeAgreement(agreement.id, '00000000-0000-4000-8000-000000000001')
  }
})

test('CRM-5: revoking an agreement stops sharing on the next query', async () => {
  const agreement = await share({ starts: -day })
  assert.equal((await casesSeenBy('kent')).length, 3)
  await t.app.services.forces.revokeAgreement(agreement.id, '00000000-0000-4000-8000-000000000001')
  assert.deepEqual(
    (await casesSeenBy('kent')).map((c) => c.title),
    ['Kent robbery'],
  )
})

test('UJ-5: an agreement that has expired no longer shares', async () => {
  const expired = await share({ starts: -3 * day, expires: -day / 2 })
  assert.equal(t.app.services.forces.agreementStatus(expired), 'expired')
  assert.deepEqual(
    (await casesSeenBy('kent')).map((c) => c.title),
    ['Kent robbery'],
  )
})

test('CP-5: every read of another force’s record is audited in the owning force’s trail', async () => {
  const agreement = await share({ starts: -day })
  try {
    const seen = await casesSeenBy('kent')
    const reader = {
      forceId: 'kent',
      actor: { kind: 'staff' as const, id: '00000000-0000-4000-8000-000000000002', name: 'Kent Officer' },
      ip: '127.0.0.1',
      correlationId: 'shared-read-test-1',
    }
    assert.equal(await auditCrossForceReads(t.app.services.audit, reader, 'case', seen), 2)
    const events = await t.app.db.asSystem((tx) =>
      tx
        .select()
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.action, 'record.read-shared'),
            eq(auditEvents.correlationId, 'shared-read-test-1'),
          ),
        ),
    )
    const essexIds = seen.filter((c) => c.forceId === 'essex').map((c) => c.id)
    assert.deepEqual(events.map((e) => e.recordId).sort(), essexIds.sort())
    assert.ok(
      events.every((e) => e.forceId === 'essex' && e.recordType === 'case' && e.actorName === 'Kent Officer'),
    )
    assert.ok(events.every((e) => e.detail.readerForceId === 'kent'))
    const ownOnly = seen.filter((c) => c.forceId === 'kent')
    assert.equal(await auditCrossForceReads(t.app.services.audit, reader, 'case', ownOnly), 0)
    assert.ok((await t.app.services.audit.verify()).every((chain) => chain.ok))
  } finally {
    await t.app.services.forces.revokeAgreement(agreement.id, '00000000-0000-4000-8000-000000000001')
  }
})
