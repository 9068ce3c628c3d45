// Dashboards by role: each member of staff's home page counts what needs attention in their own
// force (failed messages, quarantined source events, write-back dead letters, Victims' Code
// deadlines at risk, integration health), each count linking to its list, and shows only what
// their roles may open. Another force's records never count.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { StaffRole } from '../auth/roles.ts'
import { FixedClock } from '../clock.ts'
import { loadConfig } from '../config.ts'
import { aMessage, dispatchDue } from '../../reporting/test-builders.ts'
import { FakeNotifyServer, notifyApiKey } from '../../simulator/fake-notify/server.ts'
import { seedConsoleData } from '../../../test/support/console-data.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { attentionCap } from './dashboard.ts'

let t: TestApp
let notify: FakeNotifyServer
const smsTemplateId = '33333333-3333-4333-8333-333333333333'
const callbackToken = 'notify-callback-token-for-tests-0123456789'
const notifyKey = (n: number) => ({
  serviceId: `1111111${n}-1111-4111-8111-111111111111`,
  secret: `2222222${n}-2222-4222-8222-222222222222`,
  templates: [{ id: smsTemplateId, type: 'sms' as const }],
})

before(async () => {
  // GOV.UK Notify (the fake), so that messages fail as they do in service.
  notify = new FakeNotifyServer({ keys: [notifyKey(1), notifyKey(2)] })
  await notify.listen()
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      messaging: {
        ...defaults.messaging,
        notify: {
          ...defaults.messaging.notify,
          baseUrl: notify.url,
          apiKeys: { kent: notifyApiKey('kent', notifyKey(1)), essex: notifyApiKey('essex', notifyKey(2)) },
          smsTemplateId,
          callbackToken,
        },
      },
    },
    { clock: new FixedClock('2026-06-02T13:00:00Z') },
  )
  const data = await seedConsoleData(t)
  // Each message to Notify's failing test number gets a permanent-failure receipt, posted back
  // to the force's own callback.
  const appUrl = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  for (const [forceId, count] of [
    ['kent', 1],
    ['essex', 2],
  ] as const) {
    notify.receipts = {
      url: `${appUrl}/callbacks/notify/${forceId}/receipts`,
      bearerToken: callbackToken,
      delayMs: 5,
    }
    await t.app.db.withForce(forceId, (tx) =>
      t.app.services.messaging.settings.saveSettings(tx, forceId, { smsChannel: 'notify' }, null),
    )
    const caseId = forceId === 'kent' ? data.kentCrimeId : data.essexCrimeId
    for (let i = 0; i < count; i++)
      await aMessage(t, forceId, {
        caseId,
        templateKey: 'page-check-update',
        channel: 'sms',
        to: '07700900003',
      })
    // Until each has its failure receipt: a busy machine may leave a send for the next round
    // (a bound, not a time to meet: at a load of 20 it took 56 s).
    const deadline = Date.now() + 150_000
    do {
      await dispatchDue(t)
      await notify.settled()
      await t.app.jobs.drain()
    } while ((await statusCount(forceId, 'permanent-failure')) < count && Date.now() < deadline)
    assert.equal(await statusCount(forceId, 'permanent-failure'), count, `${forceId}'s failures are in`)
  }
  // Essex has more of everything than Kent, so a count that leaked across forces would show.
  for (let i = 0; i < 3; i++) {
    const result = await t.app.services.sources.receive(
      'essex',
      'storm',
      `<storm><broken ${i}`,
      'application/xml',
    )
    assert.equal(result.status, 'quarantined')
  }
})
after(async () => {
  await t?.close()
  await notify?.close()
})

/** The dashboard's tiles as shown: tile id → [line text, shown value, link]. */
async function dashboard(roles: StaffRole[], forceId: string | null = 'kent') {
  const person = await t.signInAs(roles, forceId)
  const page = await person.get('/console')
  assert.equal(page.statusCode, 200)
  const tiles = new Map<string, { text: string; value: string; href: string }[]>()
  for (const card of page.body.split('<div class="govuk-summary-card"').slice(1)) {
    const id = /id="attention-([\w-]+)"/.exec(card)?.[1]
    if (!id) continue
    const lines = [
      ...card.matchAll(
        /<dt class="govuk-summary-list__key">\s*([^<]+?)\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*<a class="govuk-link" href="([^"]+)">(?:<strong>)?([^<]+)/g,
      ),
    ].map((m) => ({ text: m[1]!, href: m[2]!.replaceAll('&amp;', '&'), value: m[3]! }))
    tiles.set(id, lines)
  }
  return { person, tiles }
}

async function statusCount(forceId: string, status: string): Promise<number> {
  const list = await t.app.db.withForce(forceId, (tx) =>
    t.app.services.messaging.scheduling.messages(tx, { forceId, limit: 1000 }),
  )
  return list.filter((m) => m.status === status).length
}

test('a force administrator sees every tile, with their force’s counts, each linking to a list they can open', async () => {
  const { person, tiles } = await dashboard(['force_admin'])
  assert.deepEqual(
    [...tiles.keys()],
    [
      'approvals',
      'messages',
      'conversations',
      'victims-code',
      'source-events',
      'writeback',
      'integration-health',
    ],
  )

  const messages = tiles.get('messages')!
  let failed = 0
  for (const status of ['permanent-failure', 'temporary-failure', 'technical-failure']) {
    const count = await statusCount('kent', status)
    failed += count
    const line = messages.find((l) => l.href === `/console/outbox?status=${status}`)
    assert.equal(line?.value, String(count), status)
    assert.match(line!.text, /^Not delivered: /)
  }
  assert.equal(failed, 1, 'the one Kent message to a number that does not work, not Essex’s two')

  // One Kent event is quarantined; Essex's three do not count.
  assert.equal(tiles.get('source-events')![0]!.value, '1')
  assert.equal(tiles.get('source-events')![0]!.href, '/console/sources')
  assert.equal(tiles.get('writeback')![0]!.value, '0')

  const health = tiles.get('integration-health')!
  assert.match(health.find((l) => l.text.startsWith('STORM'))!.value, /2026/)

  for (const line of [...tiles.values()].flat()) {
    assert.equal(
      (await person.get(line.href)).statusCode,
      200,
      `${line.href} opens for a force administrator`,
    )
  }
})

/** The list each tile links to. */
const tileLists: Record<string, string> = {
  approvals: '/console/approvals',
  conversations: '/console/conversations',
  messages: '/console/outbox',
  'victims-code': '/console/journeys/victims-code',
  'source-events': '/console/sources',
  writeback: '/console/writeback',
  'integration-health': '/console/sources',
}

test('each role sees the counts it may open and no others; the lists behind the tiles it does not see refuse it', async () => {
  const expected: [StaffRole, string[]][] = [
    ['investigating_officer', ['conversations', 'victims-code']],
    ['analyst', ['victims-code']],
    ['supervisor', ['messages', 'conversations', 'victims-code']],
    ['journey_designer', ['approvals', 'messages', 'victims-code']],
    ['service_support', ['messages', 'writeback']],
    ['contact_handler', ['conversations']],
    ['auditor', []],
  ]
  for (const [role, ids] of expected) {
    const { person, tiles } = await dashboard([role])
    assert.deepEqual([...tiles.keys()], ids, role)
    for (const line of [...tiles.values()].flat())
      assert.equal((await person.get(line.href)).statusCode, 200, `${role} opens ${line.href}`)
    for (const [id, href] of Object.entries(tileLists).filter(([id]) => !ids.includes(id)))
      assert.equal(
        (await person.get(href)).statusCode,
        403,
        `${role} is refused ${href}, so sees no ${id} tile`,
      )
  }
})

test('a system administrator, who belongs to no force, is shown no force’s counts', async () => {
  const { tiles } = await dashboard(['system_admin'], null)
  assert.equal(tiles.size, 0)
})

test('Essex’s dashboard counts Essex’s records only', async () => {
  const { tiles } = await dashboard(['force_admin'], 'essex')
  assert.equal(tiles.get('source-events')![0]!.value, '3')
  assert.equal(tiles.get('messages')!.find((l) => l.href.endsWith('permanent-failure'))?.value, '2')
  assert.equal(await statusCount('essex', 'permanent-failure'), 2)
})

test('a count is bounded: it stops at the cap and says so', async () => {
  assert.equal(attentionCap, 1000)
  const counted = await t.app.services.sources.needsAttention('essex', 2)
  assert.equal(counted.quarantined, 2, 'three quarantined, counted up to a cap of two')
})
