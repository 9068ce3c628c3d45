import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t.close())

const officer = { kind: 'staff' as const, id: 'officer-1', name: 'Sam Okafor' }

async function anEvent(forceId: string | null, recordType: string, recordId: string, extra = {}) {
  return t.app.services.audit.record({
    action: `${recordType}.viewed`,
    forceId,
    actor: officer,
    recordType,
    recordId,
    ...extra,
  })
}

function cellsOf(html: string): string {
  return html.replace(/\s+/g, ' ')
}

test('CP-153: an auditor finds their own force’s events and never another force’s', async () => {
  await anEvent('kent', 'rls-person', 'KENT-1')
  await anEvent('essex', 'rls-person', 'ESSEX-1')
  const auditor = await t.signInAs(['auditor'], 'kent', 'Alex Auditor')
  const page = await auditor.get('/console/audit?recordType=rls-person')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /KENT-1/)
  assert.doesNotMatch(page.body, /ESSEX-1/)
  // Even asking for Essex by force filter gives nothing: the filter is ignored, RLS confines.
  const sneaky = await auditor.get('/console/audit?recordType=rls-person&force=essex')
  assert.doesNotMatch(sneaky.body, /ESSEX-1/)
})

test('CP-153: staff who are not auditors or system admins are refused the audit trail', async () => {
  const admin = await t.signInAs(['force_admin', 'investigating_officer'], 'kent')
  assert.equal((await admin.get('/console/audit')).statusCode, 403)
  assert.equal((await admin.get('/console/audit/export.csv')).statusCode, 403)
  const anonymous = await t.app.http.inject({ method: 'GET', url: '/console/audit' })
  assert.equal(anonymous.statusCode, 302)
})

test('CP-153 b: every audit search is itself audited with its filters', async () => {
  const auditor = await t.signInAs(['auditor'], 'suffolk', 'Pat Searcher')
  await auditor.get('/console/audit?recordType=anything&recordId=R-77')
  const logged = await t.app.services.audit.search(
    { request: { id: 'check', ip: '127.0.0.1' }, forceId: null, regionWide: true },
    { action: 'audit.searched', actor: auditor.userId },
    1,
  )
  const mine = logged.rows.find((r) => r.actorId === auditor.userId)
  assert.ok(mine, 'search event recorded')
  assert.equal(mine.forceId, 'suffolk')
  assert.equal(mine.actorName, 'Pat Searcher')
  assert.deepEqual((mine.detail as { filters: unknown }).filters, {
    recordType: 'anything',
    recordId: 'R-77',
  })
  assert.ok(mine.correlationId)
})

test('CP-153: a system admin searches the whole region and can narrow to one force', async () => {
  await anEvent('norfolk', 'region-person', 'NORFOLK-1')
  await anEvent('bedfordshire', 'region-person', 'BEDS-1')
  await anEvent(null, 'region-person', 'REGION-1')
  const sysadmin = await t.signInAs(['system_admin'], null)
  const all = await sysadmin.get('/console/audit?recordType=region-person')
  assert.equal(all.statusCode, 200)
  for (const id of ['NORFOLK-1', 'BEDS-1', 'REGION-1']) assert.match(all.body, new RegExp(id))
  const norfolk = await sysadmin.get('/console/audit?recordType=region-person&force=norfolk')
  assert.match(norfolk.body, /NORFOLK-1/)
  assert.doesNotMatch(norfolk.body, /BEDS-1/)
})

test('CP-153: filters by date, actor, action and record; newest first; paginated', async () => {
  t.clock.set('2026-03-10T10:00:00Z')
  await anEvent('cambridgeshire', 'filter-case', 'OLD-1')
  t.clock.set('2026-03-20T10:00:00Z')
  for (let i = 1; i <= 55; i += 1) {
    t.clock.advance(1000)
    await anEvent('cambridgeshire', 'filter-case', `NEW-${i}`)
  }
  await t.app.services.audit.record({
    action: 'filter-case.updated',
    forceId: 'cambridgeshire',
    actor: { kind: 'staff', id: 'other-9', name: 'Jo Editor' },
    recordType: 'filter-case',
    recordId: 'EDITED-1',
  })
  const auditor = await t.signInAs(['auditor'], 'cambridgeshire')
  const first = await auditor.get(
    '/console/audit?recordType=filter-case&action=filter-case.viewed&from=2026-03-15',
  )
  const body = cellsOf(first.body)
  assert.match(body, /NEW-55/)
  assert.ok(body.indexOf('NEW-55') < body.indexOf('NEW-54'), 'newest first')
  assert.doesNotMatch(body, /NEW-5\b/, 'the 51st newest is on page 2')
  assert.doesNotMatch(body, /OLD-1|EDITED-1/)
  assert.match(first.body, /href="\/console\/audit\?[^"]*page=2"/)
  const second = await auditor.get(
    '/console/audit?recordType=filter-case&action=filter-case.viewed&from=2026-03-15&page=2',
  )
  assert.match(second.body, /NEW-5\b/)
  assert.match(second.body, /NEW-1\b/)
  assert.doesNotMatch(second.body, /NEW-6\b/)
  const byActor = await auditor.get('/console/audit?recordType=filter-case&actor=Jo%20Ed')
  assert.match(byActor.body, /EDITED-1/)
  assert.doesNotMatch(byActor.body, /NEW-1\b/)
  const byDay = await auditor.get('/console/audit?recordType=filter-case&from=2026-03-10&to=2026-03-10')
  assert.match(byDay.body, /OLD-1/)
  assert.doesNotMatch(byDay.body, /NEW-1\b/)
  const byRecord = await auditor.get('/console/audit?recordId=NEW-7')
  assert.match(byRecord.body, /NEW-7/)
  assert.doesNotMatch(byRecord.body, /NEW-8/)
})

test('CP-153: a date that is not real is refused with an error summary, keeping the other filters', async () => {
  const auditor = await t.signInAs(['auditor'], 'kent')
  const page = await auditor.get('/console/audit?from=2026-02-31&actor=Sam')
  assert.equal(page.statusCode, 400)
  assert.match(page.body, /There is a problem/)
  assert.match(page.body, /href="#from"/)
  assert.match(page.body, /value="Sam"/)
})

test('CP-151 a: the filtered trail downloads as CSV, formula-injection safe, and the export is audited', async () => {
  await anEvent('hertfordshire', 'csv-person', '=HYPERLINK("http://evil.example","x")', {
    actor: { kind: 'staff', id: 'x', name: '+SUM(1,2)' },
    detail: { note: '@cmd' },
  })
  await anEvent('hertfordshire', 'csv-person', '-2+3')
  await anEvent('essex', 'csv-person', 'ESSEX-CSV')
  const auditor = await t.signInAs(['auditor'], 'hertfordshire')
  const response = await auditor.get('/console/audit/export.csv?recordType=csv-person')
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /text\/csv/)
  assert.match(String(response.headers['content-disposition']), /attachment; filename="waypoint-audit-/)
  const records = parse(response.body, { bom: true, columns: true }) as Record<string, string>[]
  assert.equal(records.length, 2)
  assert.deepEqual(
    records.map((r) => r['Record id']),
    ["'-2+3", '\'=HYPERLINK("http://evil.example","x")'],
  )
  assert.equal(records[1]['Actor name'], "'+SUM(1,2)")
  assert.equal(records[1].Force, 'hertfordshire')
  assert.match(records[1].Hash, /^[0-9a-f]{64}$/)
  const exports = await t.app.services.audit.search(
    { request: { id: 'check', ip: '127.0.0.1' }, forceId: 'hertfordshire', regionWide: false },
    { action: 'audit.exported', actor: auditor.userId },
    1,
  )
  assert.equal(exports.rows.length, 1)
})

test('CP-151 a: an export of many events streams every one of them', async () => {
  for (let i = 0; i < 520; i += 1) await anEvent('bedfordshire', 'bulk-case', `B-${i}`)
  const sysadmin = await t.signInAs(['system_admin'], null)
  const response = await sysadmin.get('/console/audit/export.csv?recordType=bulk-case&force=bedfordshire')
  const records = parse(response.body, { bom: true, columns: true }) as Record<string, string>[]
  assert.equal(records.length, 520)
  assert.equal(new Set(records.map((r) => r['Event id'])).size, 520)
})

test('CP-153 a: recordView records who viewed which record, from where', async () => {
  const request = { id: 'corr-12345678', ip: '10.1.2.3', staff: { id: 'u-42', displayName: 'Dee Viewer' } }
  const row = await t.app.services.audit.recordView(request, {
    forceId: 'kent',
    recordType: 'person',
    recordId: 'P-900',
  })
  assert.equal(row.action, 'person.viewed')
  assert.equal(row.actorId, 'u-42')
  assert.equal(row.actorName, 'Dee Viewer')
  assert.equal(row.ip, '10.1.2.3')
  assert.equal(row.correlationId, 'corr-12345678')
  assert.equal(row.forceId, 'kent')
})
