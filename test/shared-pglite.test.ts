// The PGlite a batch process's test databases take turns on (test/support/shared-pglite.ts,
// decision 0064): each test database gets it back as the template left it, a closed test
// database's handles can no longer reach it, a schema change gets a new instance, and a second
// test database wanted at the same time gets one of its own. (On PostgreSQL, DATABASE_URL, each
// test database is a new database, and these hold as well.)
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { batchResources } from './support/batch-resources.ts'
import { createTestDatabase } from './support/test-database.ts'

// A file of its own process is not in a batch: it acts as one here, and ends it as a batch would.
const wasBatch = batchResources.active
before(() => {
  batchResources.active = true
})
after(async () => {
  if (!wasBatch) await batchResources.end()
})

const count = async (db: Awaited<ReturnType<typeof createTestDatabase>>['db'], sql: string) =>
  Number((await db.execAsOwner(sql))[0]?.n)

test('a test database in a batch gets the shared PGlite back as the template left it: rows, sequences and session', async () => {
  const first = await createTestDatabase()
  const forces = await count(first.db, 'select count(*) as n from forces')
  const firstNumber = await count(first.db, `select nextval('service_incidents_number_seq') as n`)
  await first.db.execAsOwner(`select nextval('service_incidents_number_seq')`)
  await first.db.execAsOwner(`set session_replication_role = replica;
    insert into forces (id, name, short_name) values ('testshire', 'Testshire', 'Testshire');
    update forces set name = 'Renamed' where id = 'kent';
    select set_config('app.force_id', 'kent', false);
    reset session_replication_role`)
  assert.equal(await count(first.db, 'select count(*) as n from forces'), forces + 1)
  await first.close()
  // The closed test database's handles fail rather than reach the next one's data.
  await assert.rejects(first.db.execAsOwner('select 1'), /closed|end/)

  const second = await createTestDatabase()
  try {
    assert.equal(await count(second.db, 'select count(*) as n from forces'), forces)
    const [kent] = await second.db.execAsOwner(`select name from forces where id = 'kent'`)
    assert.notEqual(kent?.name, 'Renamed')
    const [setting] = await second.db.execAsOwner(`select current_setting('app.force_id', true) as value`)
    assert.ok(!setting?.value, 'a setting the last user made for the session is reset')
    assert.equal(
      await count(second.db, `select nextval('service_incidents_number_seq') as n`),
      firstNumber,
      'a sequence starts where the template left it',
    )
  } finally {
    await second.close()
  }
})

test('a reused instance’s tables are cut back to the template’s size, so rows come back in the order written, as from a new table', async () => {
  let templateSize: number | undefined
  for (let round = 0; round < 3; round += 1) {
    const database = await createTestDatabase()
    try {
      const size = await count(database.db, `select pg_relation_size('forces') as n`)
      templateSize ??= size
      assert.equal(size, templateSize, 'the last user’s rows left no pages behind')
      // Enough rows to fill several pages.
      await database.db.execAsOwner(`insert into forces (id, name, short_name, settings)
        select 'order-' || i, 'Order ' || i, 'O' || i, jsonb_build_object('note', repeat('x', 300))
          from generate_series(1, 200) i`)
      const names = await database.db.execAsOwner(`select name from forces where id like 'order-%'`)
      assert.deepEqual(
        names.map((row) => row.name),
        Array.from({ length: 200 }, (_, i) => `Order ${i + 1}`),
      )
    } finally {
      await database.close()
    }
  }
})

test('a test that changed the schema leaves a new instance for the next, and two test databases at once are two instances', async () => {
  const changed = await createTestDatabase()
  await changed.db.execAsOwner('create table left_behind (id int)')
  await changed.close()
  const next = await createTestDatabase()
  const alongside = await createTestDatabase()
  try {
    const [table] = await next.db.execAsOwner(`select to_regclass('left_behind') as name`)
    assert.equal(table?.name, null, 'the table a test made is gone')
    await next.db.execAsOwner(
      `insert into forces (id, name, short_name) values ('only-in-next', 'Only in next', 'Next')`,
    )
    assert.equal(
      await count(alongside.db, `select count(*) as n from forces where id = 'only-in-next'`),
      0,
      'a test database made while another is open is a separate database',
    )
  } finally {
    await alongside.close()
    await next.close()
  }
})
