import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { createTestApp, type SignedIn, type TestApp } from '../../../test/support/test-app.ts'

let t: TestApp
let support: SignedIn
before(async () => {
  t = await createTestApp()
  t.clock.set('2026-06-01T09:00:00Z')
  support = await t.signInAs(['service_support'], null, 'Casey Support')
})
after(() => t.close())

const anIncident = (overrides: Record<string, string | string[]> = {}) => ({
  kind: 'incident',
  title: 'SMS delivery delayed',
  severity: 'high',
  forceIds: ['kent', 'essex'],
  startedDate: '2026-06-01',
  startedTime: '08:15',
  description: 'Notify reports a backlog; messages are arriving up to 40 minutes late.',
  ...overrides,
})

async function recordIncident(overrides: Record<string, string | string[]> = {}): Promise<string> {
  const response = await support.post('/console/service-status', anIncident(overrides))
  assert.equal(response.statusCode, 303, response.body)
  return String(response.headers.location).split('/').pop()!
}

async function auditActions(recordId: string): Promise<string[]> {
  const page = await t.app.services.audit.search(
    { request: { id: 'check', ip: '127.0.0.1' }, forceId: null, regionWide: true },
    { recordType: 'service-incident', recordId },
    1,
  )
  return page.rows.map((r) => r.action).reverse()
}

test('CP-185: service support records an incident, adds actions and resolves it; each step is kept with who and when', async () => {
  const id = await recordIncident()
  t.clock.advance(10 * 60_000)
  const added = await support.post(`/console/service-status/${id}/actions`, {
    description: 'Raised with GOV.UK Notify support',
  })
  assert.equal(added.statusCode, 303)
  t.clock.advance(30 * 60_000)
  const resolved = await support.post(`/console/service-status/${id}/resolve`, {
    resolution: 'Notify cleared its queue',
  })
  assert.equal(resolved.statusCode, 303)

  const page = await support.get(`/console/service-status/${id}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /SMS delivery delayed/)
  assert.match(page.body, /Kent Police, Essex Police/)
  assert.match(page.body, /Raised with GOV.UK Notify support/)
  assert.match(page.body, /Resolved: Notify cleared its queue/)
  assert.match(page.body, /by Casey Support/)
  assert.match(page.body, /datetime="2026-06-01T09:10:00.000Z"/)
  assert.doesNotMatch(page.body, /Add action/, 'a resolved incident takes no more actions')
  assert.deepEqual(await auditActions(id), [
    'service-incident.created',
    'service-incident.action-added',
    'service-incident.resolved',
    'service-incident.viewed',
  ])
  const again = await support.post(`/console/service-status/${id}/resolve`, { resolution: 'twice' })
  assert.equal(again.statusCode, 409)
})

test('UJ-17: a force admin sees the incidents that affect their force and never another force’s', async () => {
  const kentAndEssex = await recordIncident({ title: 'Portal sign-in failing' })
  const norfolkOnly = await recordIncident({ title: 'Norfolk STORM feed stalled', forceIds: ['norfolk'] })
  const kentAdmin = await t.signInAs(['force_admin'], 'kent')
  const list = await kentAdmin.get('/console/service-status?status=all')
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /Portal sign-in failing/)
  assert.doesNotMatch(list.body, /Norfolk STORM feed stalled/)
  assert.equal((await kentAdmin.get(`/console/service-status/${kentAndEssex}`)).statusCode, 200)
  assert.equal((await kentAdmin.get(`/console/service-status/${norfolkOnly}`)).statusCode, 404)
  assert.doesNotMatch(list.body, /Record an incident/)
})

test('CP-185: roles outside the incident log are refused, and force admins cannot change incidents', async () => {
  const id = await recordIncident({ title: 'Refusal check' })
  const officer = await t.signInAs(['investigating_officer', 'auditor'], 'kent')
  assert.equal((await officer.get('/console/service-status')).statusCode, 403)
  assert.equal((await officer.get(`/console/service-status/${id}`)).statusCode, 403)
  assert.equal((await officer.get('/console/service-status/export.csv')).statusCode, 403)
  const kentAdmin = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await kentAdmin.post('/console/service-status', anIncident())).statusCode, 403)
  assert.equal(
    (await kentAdmin.post(`/console/service-status/${id}/actions`, { description: 'x' })).statusCode,
    403,
  )
  assert.equal(
    (await kentAdmin.post(`/console/service-status/${id}/resolve`, { resolution: 'x' })).statusCode,
    403,
  )
  assert.equal((await kentAdmin.get('/console/service-status/new')).statusCode, 403)
})

test('CP-185: an incomplete incident is refused with an error summary and keeps what was entered', async () => {
  const response = await support.post('/console/service-status', {
    kind: 'incident',
    title: 'Half-filled',
    severity: '',
    startedDate: '2026-06-31',
    startedTime: '25:99',
    description: '',
  })
  assert.equal(response.statusCode, 400)
  assert.match(response.body, /There is a problem/)
  for (const field of ['severity', 'forceIds', 'startedDate', 'description']) {
    assert.match(response.body, new RegExp(`href="#${field}"`), field)
  }
  assert.match(response.body, /value="Half-filled"/)
  const future = await support.post('/console/service-status', anIncident({ startedDate: '2026-07-01' }))
  assert.equal(future.statusCode, 400)
  assert.match(future.body, /now or in the past/)
  const emptyAction = await support.post(`/console/service-status/${await recordIncident()}/actions`, {
    description: ' ',
  })
  assert.equal(emptyAction.statusCode, 400)
  assert.match(emptyAction.body, /Enter what was done/)
})

test('CRM-33: a force exports the record of actions on its incidents as formula-safe CSV, and the export is audited', async () => {
  const id = await recordIncident({ title: '=cmd|calc', forceIds: ['suffolk'] })
  await support.post(`/console/service-status/${id}/actions`, { description: '@SUM(A1) restarted worker' })
  await recordIncident({ title: 'Elsewhere', forceIds: ['bedfordshire'] })
  const suffolkAdmin = await t.signInAs(['force_admin'], 'suffolk')
  const response = await suffolkAdmin.get('/console/service-status/export.csv?status=all')
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /text\/csv/)
  const records = parse(response.body, { bom: true, columns: true }) as Record<string, string>[]
  assert.deepEqual(
    records.map((r) => [r.Title, r['Action type'], r.Action, r['Action by'], r['Forces affected']]),
    [
      ["'=cmd|calc", 'opened', 'Recorded: =cmd|calc', 'Casey Support', 'suffolk'],
      ["'=cmd|calc", 'action', "'@SUM(A1) restarted worker", 'Casey Support', 'suffolk'],
    ],
  )
  const exported = await t.app.services.audit.search(
    { request: { id: 'check', ip: '127.0.0.1' }, forceId: 'suffolk', regionWide: false },
    { action: 'service-incident.exported' },
    1,
  )
  assert.equal(exported.rows.length, 1)
  assert.equal(exported.rows[0].actorId, suffolkAdmin.userId)
})

test('the log’s earlier addresses under /console/incidents lead to the service-status pages, for readers only', async () => {
  const id = await recordIncident({ title: 'Email bounce storm' })
  const list = await support.get('/console/incidents?status=all')
  assert.equal(list.statusCode, 301)
  assert.equal(list.headers.location, '/console/service-status?status=all')
  const detail = await support.get(`/console/incidents/${id}`)
  assert.equal(detail.statusCode, 301)
  assert.equal(detail.headers.location, `/console/service-status/${id}`)
  const posted = await support.post(`/console/incidents/${id}/actions`, { description: 'Checked the logs' })
  assert.equal(
    posted.statusCode,
    308,
    'a form posted to the old address is posted again, method and body kept',
  )
  assert.equal(posted.headers.location, `/console/service-status/${id}/actions`)
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await officer.get('/console/incidents')).statusCode, 403)
  assert.equal((await officer.get(`/console/incidents/${id}`)).statusCode, 403)
})
