// The warehouse poller's settings page, end to end: a force administrator's settings are stored
// (the connection string sealed), used by the scheduled poll against a second real database, the
// saved query is tried read-only, bad SQL is refused with a message, and other roles are refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { and, eq, sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { auditEvents } from '../platform/audit/schema.ts'
import { rows } from '../platform/db/database.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { createTestWarehouse, type TestWarehouse } from './test-support/warehouse-database.ts'
import { describeConnection } from './warehouse.ts'
import { checkWarehouseQuery } from './warehouse-query.ts'

const PAGE = '/console/sources/warehouse'
const insertRow = `insert into dw.crime_changes values ($1, $2, $3, $4, 'Theft from motor vehicle', 'OPEN', '7781',
  'PC Lee Grant', $5, 'Chris Doe', '07700 900555', $6)`

let t: TestApp
let warehouse: TestWarehouse

before(async () => {
  t = await createTestApp()
  warehouse = await createTestWarehouse('dw_settings')
  await warehouse.run(`create schema dw; create sequence dw.counter;
    create table dw.crime_changes (event_id text primary key, event_type text, changed_at timestamptz,
    crime_ref text, crime_type text, status text, oic_collar text, oic_name text, victim_urn text,
    victim_name text, victim_phone text, victim_role text)`)
  // Seven rows; the second is a witness's, with an event type no profile knows.
  await warehouse.run(insertRow, ['DW-1', 'CREATED', '2026-06-01T10:00:00Z', '36/200/26', 'NF-U-1', 'V'])
  await warehouse.run(insertRow, ['DW-2', 'ARCHIVED', '2026-06-01T11:00:00Z', '36/201/26', 'NF-U-2', 'W'])
  for (let i = 3; i <= 7; i++)
    await warehouse.run(insertRow, [
      `DW-${i}`,
      'CREATED',
      `2026-06-01T${10 + i}:00:00Z`,
      `36/20${i}/26`,
      `NF-U-${i}`,
      'V',
    ])
})

after(async () => {
  await t?.close()
  await warehouse?.drop()
})

const settings = (overrides: Record<string, string> = {}) => ({
  connection: warehouse.url,
  query: "select * from dw.crime_changes where victim_role = 'V'",
  watermarkColumn: 'changed_at',
  pollIntervalMinutes: '15',
  enabled: 'yes',
  ...overrides,
})

async function warehouseEvents(forceId: string): Promise<string[]> {
  const events = await t.app.services.sources.events(forceId, { sourceSystem: 'warehouse', limit: 100 })
  return events.map((e) => e.sourceEventId).sort()
}

async function audited(forceId: string, action: string) {
  return t.app.db.withForce(forceId, (tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.forceId, forceId))),
  )
}

test('CP-157: a force administrator’s warehouse settings are stored with the connection sealed, and the scheduled poll reads with the saved query', async () => {
  const admin = await t.signInAs(['force_admin'], 'essex', 'Essex Admin')
  const empty = await admin.get(PAGE)
  assert.equal(empty.statusCode, 200)
  assert.match(empty.body, /The warehouse is not set up yet/)

  const saved = await admin.post(PAGE, settings())
  assert.equal(saved.statusCode, 303)
  assert.equal(saved.headers.location, `${PAGE}?saved=1`)

  const page = await admin.get(`${PAGE}?saved=1`)
  assert.match(page.body, /Warehouse settings saved/)
  assert.ok(!page.body.includes(warehouse.url), 'the connection string is never shown back')
  const { host, database } = describeConnection(warehouse.url)
  assert.ok(page.body.includes(`A connection is stored, to ${host}, database ${database}`))
  assert.ok(page.body.includes('victim_role = &#39;V&#39;'))
  assert.match(page.body, /On, every 15 minutes/)

  const [stored] = await t.app.db.withForce('essex', (tx) =>
    rows<{ connection_url: string | null; connection_url_encrypted: string }>(
      tx,
      sql`select connection_url, connection_url_encrypted from warehouse_sources where force_id = 'essex'`,
    ),
  )
  assert.equal(stored?.connection_url, null)
  assert.match(stored?.connection_url_encrypted ?? '', /^v2:[0-9a-f]{8}:/)
  assert.ok(!stored?.connection_url_encrypted.includes(database))

  const [change] = await audited('essex', 'warehouse-source.changed')
  assert.equal(change?.recordType, 'warehouse_source')
  assert.equal(change?.detail.connectionChanged, true)
  assert.equal(change?.detail.pollIntervalMinutes, 15)
  assert.ok(!JSON.stringify(change).includes(warehouse.url))

  // The scheduled job reads through the saved query: the witness's row is left out.
  await t.app.jobs.send(t.app.services.warehouse.job, {})
  await t.app.jobs.drain([t.app.services.warehouse.job.name])
  assert.deepEqual(await warehouseEvents('essex'), ['DW-1', 'DW-3', 'DW-4', 'DW-5', 'DW-6', 'DW-7'])
  const polled = await admin.get(PAGE)
  assert.match(polled.body, /Rows read\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*6\s*</)
  assert.ok(polled.body.includes('2026-06-01T17:00:00.000Z'), 'the watermark is the last row read')

  // The next scheduled poll waits for the force's interval; then reads only the new row.
  await warehouse.run(insertRow, ['DW-8', 'CREATED', '2026-06-01T18:00:00Z', '36/208/26', 'NF-U-8', 'V'])
  t.clock.advance(5 * 60_000)
  assert.equal(
    (await t.app.services.warehouse.pollDue()).find((r) => r.forceId === 'essex'),
    undefined,
  )
  t.clock.advance(10 * 60_000)
  const due = (await t.app.services.warehouse.pollDue()).find((r) => r.forceId === 'essex')
  assert.equal(due?.rows, 1)
  assert.equal(due?.watermark, '2026-06-01T18:00:00.000Z')

  // Moving the watermark back (18:30 UK time is 17:30 UTC in June) and polling now reads the
  // last row again; the inbox keeps the repeat as a duplicate.
  const moved = await admin.post(PAGE, settings({ connection: '', startAfter: '2026-06-01 18:30' }))
  assert.equal(moved.statusCode, 303)
  const [kept] = await t.app.db.withForce('essex', (tx) =>
    rows<{ connection_url_encrypted: string }>(
      tx,
      sql`select connection_url_encrypted from warehouse_sources where force_id = 'essex'`,
    ),
  )
  assert.equal(
    kept?.connection_url_encrypted,
    stored?.connection_url_encrypted,
    'a blank connection keeps the stored one',
  )
  const pollNow = await admin.post(`${PAGE}/poll`)
  assert.equal(pollNow.statusCode, 303)
  assert.equal(pollNow.headers.location, `${PAGE}?polled=1`)
  const afterPoll = await admin.get(`${PAGE}?polled=1`)
  assert.match(afterPoll.body, /The warehouse was polled/)
  assert.match(afterPoll.body, /Rows read\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*1\s*</)
  const [polledAudit] = await audited('essex', 'warehouse-source.polled')
  assert.equal(polledAudit?.detail.rows, 1)
})

test('CP-162: testing the saved query reads at most five rows past the watermark, shows how the force’s profile maps each, changes nothing and is audited', async () => {
  const admin = await t.signInAs(['force_admin'], 'norfolk', 'Norfolk Admin')
  assert.equal(
    (await admin.post(PAGE, settings({ query: 'select * from dw.crime_changes;', enabled: '' }))).statusCode,
    303,
  )
  const tried = await admin.post(`${PAGE}/try`)
  assert.equal(tried.statusCode, 200)
  assert.match(tried.body, /These are the first 5 rows the next poll would read/)
  assert.ok(tried.body.includes('Row 5'))
  assert.ok(!tried.body.includes('Row 6'))
  assert.equal(tried.body.match(/as Waypoint maps it/g)?.length, 4)
  assert.match(tried.body, /Row 2 would be quarantined: event type &quot;ARCHIVED&quot;/)
  assert.ok(tried.body.includes('&quot;crimeRef&quot;: &quot;36/200/26&quot;'))

  assert.deepEqual(await warehouseEvents('norfolk'), [], 'trying the query puts nothing in the inbox')
  assert.equal((await t.app.services.warehouse.pollForce('norfolk'))?.rows, 8, 'nor moves the watermark')
  const [trial] = await audited('norfolk', 'warehouse-source.query-tried')
  assert.equal(trial?.detail.rows, 5)

  // The query runs in a read-only transaction, which refuses even a sequence's next value.
  await admin.post(
    PAGE,
    settings({
      query: "select *, nextval('dw.counter') as n from dw.crime_changes",
      startAfter: '2026-06-01T00:00:00Z',
    }),
  )
  const refused = await admin.post(`${PAGE}/try`)
  assert.match(refused.body, /The test did not work/)
  assert.match(refused.body, /The query tried to change the warehouse. Waypoint only reads warehouses/)
})

test('CP-157: a query that is not a single SELECT is refused with a message and the saved settings stay as they were', async () => {
  const admin = await t.signInAs(['force_admin'], 'hertfordshire', 'Herts Admin')
  assert.equal((await admin.post(PAGE, settings())).statusCode, 303)
  const refusals: [string, RegExp][] = [
    ['', /Enter the SELECT query that reads the warehouse/],
    ['delete from dw.crime_changes', /must be a single SELECT statement, starting with SELECT or WITH/],
    [
      'select * from dw.crime_changes; drop table dw.crime_changes',
      /single SELECT statement: remove everything after the first semicolon/,
    ],
    ['select * into dw.copy from dw.crime_changes', /must only read: remove INTO/],
    [
      'with gone as (delete from dw.crime_changes returning *) select * from gone',
      /must only read: remove DELETE/,
    ],
    ['select * from dw.crime_changes for update', /must only read: remove UPDATE/],
    ['select * from dw.crime_changes for share', /remove the FOR SHARE row lock/],
    [
      'select pg_terminate_backend(1), * from dw.crime_changes',
      /must only read data: remove pg_terminate_backend/,
    ],
    ['select * from dw.crime_changes where event_id = $1', /cannot take parameters/],
    ["select * from dw.crime_changes where status = 'OPEN", /a quoted value that is never closed/],
  ]
  for (const [query, message] of refusals) {
    const response = await admin.post(PAGE, settings({ connection: '', query }))
    assert.equal(response.statusCode, 400, query)
    assert.match(response.body, /There is a problem/, query)
    assert.match(response.body, message, query)
    assert.match(response.body, /href="#query"/, query)
  }
  const bad = await admin.post(
    PAGE,
    settings({
      connection: 'mysql://warehouse/dw',
      watermarkColumn: 'changed at',
      pollIntervalMinutes: '2',
      startAfter: 'last week',
    }),
  )
  assert.equal(bad.statusCode, 400)
  for (const field of ['connection', 'watermarkColumn', 'pollIntervalMinutes', 'startAfter'])
    assert.match(bad.body, new RegExp(`href="#${field}"`), field)
  assert.ok(!bad.body.includes('mysql://warehouse/dw'), 'a connection string typed in is not echoed back')

  const view = await t.app.db.withForce('hertfordshire', (tx) =>
    rows(
      tx,
      sql`select query, poll_interval_minutes from warehouse_sources where force_id = 'hertfordshire'`,
    ),
  )
  assert.deepEqual(view, [
    { query: "select * from dw.crime_changes where victim_role = 'V'", poll_interval_minutes: 15 },
  ])
  assert.equal((await audited('hertfordshire', 'warehouse-source.changed')).length, 1)

  // Quoted text, quoted names and comments are not mistaken for SQL.
  for (const query of [
    'select \';\' as semi, "update" from dw.t -- delete everything\n;',
    "with recent as (select * from dw.t /* into */) select * from recent where note <> 'drop; into'",
    "select $$insert$$ as word, e'it\\'s' as quoted from dw.t fetch first 5 rows only",
  ])
    assert.equal(checkWarehouseQuery(query).ok, true, query)
  assert.deepEqual(checkWarehouseQuery('select 1 -- done\n;  '), { ok: true, query: 'select 1 -- done' })
})

test('an unreachable warehouse is shown as a readable error on trying and on polling, and the watermark stays', async () => {
  const admin = await t.signInAs(['force_admin'], 'suffolk', 'Suffolk Admin')
  await admin.post(PAGE, settings({ connection: 'postgres://reader:secret-pw@127.0.0.1:1/warehouse' }))
  const page = await admin.get(PAGE)
  assert.ok(page.body.includes('A connection is stored, to 127.0.0.1:1, database warehouse'))
  assert.ok(!page.body.includes('secret-pw'))
  const tried = await admin.post(`${PAGE}/try`)
  assert.match(tried.body, /Waypoint could not connect to the warehouse/)
  assert.ok(!tried.body.includes('ECONNREFUSED'))
  await admin.post(`${PAGE}/poll`)
  const polled = await admin.get(PAGE)
  assert.match(
    polled.body,
    /Error\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Waypoint could not connect to the warehouse/,
  )
  assert.match(polled.body, /None yet: the next poll reads from the first row/)
})

test('CP-157: only a force administrator reaches the warehouse settings, and only for their own force', async () => {
  const others: StaffRole[] = [
    'journey_designer',
    'investigating_officer',
    'supervisor',
    'contact_handler',
    'contact_supervisor',
    'analyst',
    'auditor',
    'service_support',
  ]
  for (const role of others) {
    const user = await t.signInAs([role], 'essex')
    assert.equal((await user.get(PAGE)).statusCode, 403, role)
    assert.equal((await user.post(PAGE, settings())).statusCode, 403, role)
    assert.equal((await user.post(`${PAGE}/try`)).statusCode, 403, role)
    assert.equal((await user.post(`${PAGE}/poll`)).statusCode, 403, role)
  }
  const region = await t.signInAs(['system_admin', 'force_admin'], null)
  assert.equal((await region.get(PAGE)).statusCode, 403)
  assert.equal((await region.post(`${PAGE}/poll`)).statusCode, 403)

  // Another force's administrator sees their own (empty) settings, never Essex's.
  const kent = await t.signInAs(['force_admin'], 'kent')
  const page = await kent.get(PAGE)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /The warehouse is not set up yet/)
  assert.match((await kent.post(`${PAGE}/try`)).body, /Save the warehouse settings before trying them/)
  assert.equal((await kent.post(`${PAGE}/poll`)).statusCode, 400)
  assert.deepEqual(await warehouseEvents('kent'), [])
})

test('CP-157: a connection stored in clear before sealing still polls, and saving a new one seals it and clears the old', async () => {
  await t.app.db.withForce('bedfordshire', (tx) =>
    tx.execute(
      sql`insert into warehouse_sources (force_id, connection_url, source_table, watermark_column, event_id_column, query, enabled)
          values ('bedfordshire', ${warehouse.url}, 'dw.crime_changes', 'changed_at', 'event_id', 'select * from dw.crime_changes', false)`,
    ),
  )
  const admin = await t.signInAs(['force_admin'], 'bedfordshire', 'Beds Admin')
  const page = await admin.get(PAGE)
  assert.match(page.body, /The stored connection string predates encryption/)
  assert.ok(page.body.includes(`A connection is stored, to ${describeConnection(warehouse.url).host}`))
  assert.ok(!page.body.includes(warehouse.url))
  assert.equal((await t.app.services.warehouse.pollForce('bedfordshire'))?.rows, 8)

  assert.equal((await admin.post(PAGE, settings())).statusCode, 303)
  const [stored] = await t.app.db.withForce('bedfordshire', (tx) =>
    rows<{ connection_url: string | null; connection_url_encrypted: string | null }>(
      tx,
      sql`select connection_url, connection_url_encrypted from warehouse_sources where force_id = 'bedfordshire'`,
    ),
  )
  assert.equal(stored?.connection_url, null)
  assert.match(stored?.connection_url_encrypted ?? '', /^v2:[0-9a-f]{8}:/)
  assert.doesNotMatch((await admin.get(PAGE)).body, /predates encryption/)
})

test('CP-157: a poll never runs twice at once for a force, and a poll left unfinished by a stopped worker is taken over', async () => {
  const admin = await t.signInAs(['force_admin'], 'cambridgeshire', 'Cambs Admin')
  assert.equal((await admin.post(PAGE, settings())).statusCode, 303)
  const claimAt = (minutesAgo: number) =>
    t.app.db.withForce('cambridgeshire', (tx) =>
      tx.execute(
        sql`update warehouse_sources set poll_started_at = ${new Date(t.clock.now().getTime() - minutesAgo * 60_000)}
            where force_id = 'cambridgeshire'`,
      ),
    )

  await claimAt(1)
  const busy = await admin.post(`${PAGE}/poll`)
  assert.equal(busy.headers.location, `${PAGE}?busy=1`)
  assert.match((await admin.get(`${PAGE}?busy=1`)).body, /A poll of this warehouse is already running/)
  const scheduled = (await t.app.services.warehouse.pollDue()).find((r) => r.forceId === 'cambridgeshire')
  assert.equal(scheduled?.busy, true)
  assert.deepEqual(await warehouseEvents('cambridgeshire'), [])

  await claimAt(11)
  assert.equal((await t.app.services.warehouse.pollForce('cambridgeshire'))?.rows, 7)
  const [lease] = await t.app.db.withForce('cambridgeshire', (tx) =>
    rows<{ poll_started_at: Date | null }>(
      tx,
      sql`select poll_started_at from warehouse_sources where force_id = 'cambridgeshire'`,
    ),
  )
  assert.equal(lease?.poll_started_at, null)
  const [audit] = await audited('cambridgeshire', 'warehouse-source.polled')
  assert.equal(audit?.detail.busy, true)
})
