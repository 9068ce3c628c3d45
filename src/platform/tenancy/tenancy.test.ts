import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { eq } from 'drizzle-orm'
import { staffUsers } from '../schema.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
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
