import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { blankPgliteCluster } from '../../test/support/test-database.ts'
import { createTestWarehouse, type TestWarehouse } from './test-support/warehouse-database.ts'
import { closeEmbeddedWarehouse, embeddedWarehouse } from './warehouse-query.ts'

let t: TestApp
let warehouse: TestWarehouse
const insertRow = `insert into dw.crime_changes values ($1, $2, $3, $4, 'Theft from motor vehicle', $5, '7781', 'PC Lee Grant', 'NF-U-1', 'Chris Doe', '07700 900555', 'V')`

before(async () => {
  t = await createTestApp()
  warehouse = await createTestWarehouse('dw')
  await warehouse.run(`create schema dw; create table dw.crime_changes (event_id text primary key, event_type text,
    changed_at timestamptz, crime_ref text, crime_type text, status text, oic_collar text, oic_name text,
    victim_urn text, victim_name text, victim_phone text, victim_role text)`)
  await warehouse.run(insertRow, ['DW-1', 'CREATED', '2026-06-01T10:00:00Z', '36/100/26', 'OPEN'])
  await warehouse.run(insertRow, ['DW-2', 'UPDATED', '2026-06-01T11:00:00Z', '36/101/26', 'OPEN'])
})
after(async () => {
  await t.close()
  await warehouse.drop()
})

test('CP-157: the warehouse poller reads new rows past its watermark as a scheduled job and creates cases', async () => {
  await t.app.services.warehouse.configure({
    forceId: 'norfolk',
    connectionUrl: warehouse.url,
    sourceTable: 'dw.crime_changes',
    watermarkColumn: 'changed_at',
    eventIdColumn: 'event_id',
    enabled: true,
  })
  assert.equal(t.app.services.warehouse.job.cron, '*/5 * * * *')
  await t.app.jobs.send(t.app.services.warehouse.job, {})
  await t.app.jobs.drain([t.app.services.warehouse.job.name])
  const first = await t.app.services.cases.findCrimeByRef('norfolk', '36/100/26')
  assert.equal(first?.crime.officerName, 'PC Lee Grant')
  assert.equal(first?.parties[0]?.contactPoints[0]?.value, '+447700900555')
  assert.ok(await t.app.services.cases.findCrimeByRef('norfolk', '36/101/26'))

  // Only rows past the watermark are read next time.
  await warehouse.run(insertRow, ['DW-3', 'CLOSED', '2026-06-01T12:00:00Z', '36/100/26', 'CLOSED'])
  const [poll] = await t.app.services.warehouse.pollAll()
  assert.equal(poll?.rows, 1)
  assert.equal(poll?.watermark, '2026-06-01T12:00:00.000Z')
  assert.equal((await t.app.services.cases.findCrimeByRef('norfolk', '36/100/26'))?.crime.status, 'closed')
  const inbox = await t.app.services.sources.events('norfolk', { sourceSystem: 'warehouse' })
  assert.equal(inbox.length, 3)
})

test('CP-174: an unreachable warehouse is reported and the poll resumes from the same watermark', async () => {
  await t.app.services.warehouse.configure({
    forceId: 'suffolk',
    connectionUrl: 'postgres://nobody@127.0.0.1:1/none',
    sourceTable: 'dw.crime_changes',
    watermarkColumn: 'changed_at',
    eventIdColumn: 'event_id',
    enabled: true,
  })
  const results = await t.app.services.warehouse.pollAll()
  const suffolk = results.find((r) => r.forceId === 'suffolk')
  assert.ok(suffolk?.error)
  assert.equal(suffolk?.watermark, null)
  assert.equal(results.find((r) => r.forceId === 'norfolk')?.error, undefined)
})

test('an embedded warehouse is open once per process, shared by every use, and keeps its rows when closed and opened again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'waypoint-embedded-'))
  try {
    const first = await embeddedWarehouse(dir, { loadDataDir: await blankPgliteCluster() })
    assert.equal(await embeddedWarehouse(`${dir}/.`), first)
    await first.exec('create table kept (n int); insert into kept values (1), (2)')
    await closeEmbeddedWarehouse(dir)
    const reopened = await embeddedWarehouse(dir)
    assert.notEqual(reopened, first)
    assert.equal((await reopened.query<{ n: number }>('select count(*)::int as n from kept')).rows[0]?.n, 2)
  } finally {
    await closeEmbeddedWarehouse(dir)
    rmSync(dir, { recursive: true, force: true })
  }
})
