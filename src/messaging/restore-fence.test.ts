// After a restore to an earlier moment, the database holds as scheduled a message the lost
// timeline already handed to GOV.UK Notify. The fence (`waypoint messages after-restore`) makes
// reconciliation ask Notify by reference before anything due is sent, so each reaches Notify once;
// what is not due yet is left alone. A whole Waypoint and a fake Notify over real HTTP.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'
import { fenceAfterRestore } from './restore-fence.ts'

const key = {
  serviceId: '11111111-1111-4111-8111-111111111111',
  secret: '22222222-2222-4222-8222-222222222222',
  templates: [{ id: '33333333-3333-4333-8333-333333333333', type: 'sms' as const }],
}
const clock = new FixedClock('2026-06-02T12:00:00Z')
let t: TestApp
let notify: FakeNotifyServer

before(async () => {
  notify = new FakeNotifyServer({ keys: [key] })
  await notify.listen()
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      messaging: {
        ...defaults.messaging,
        notify: {
          ...defaults.messaging.notify,
          baseUrl: notify.url,
          apiKeys: { kent: notifyApiKey('waypoint_test', key) },
          smsTemplateId: key.templates[0]!.id,
          timeoutMs: 5000,
        },
        reconcileAfterSeconds: 60,
      },
    },
    { clock },
  )
  await t.app.db.withForce('kent', async (tx) => {
    await t.app.services.messaging.settings.saveSettings(tx, 'kent', { smsChannel: 'notify' }, null)
    await t.app.services.messaging.templates.addTemplateVersion(tx, {
      forceId: 'kent',
      key: 'crime-recorded',
      title: 'Crime recorded',
      channel: 'sms',
      body: 'Your crime ((crime_ref)) has been recorded.',
    })
  })
})
after(async () => {
  await t?.close()
  await notify?.close()
})

const schedule = (to: string, dueAt: Date) =>
  t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'kent',
      channel: 'sms',
      to,
      templateKey: 'crime-recorded',
      personalisation: { crime_ref: '46/1234/26' },
      dueAt,
    }),
  )
const dispatch = async () => {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
}
const statusOf = async (id: string) =>
  (
    await t.app.db.asSystem((tx) =>
      rows<{ status: string }>(tx, sql`select status from messages where id = ${id}`),
    )
  )[0]!.status

test('CP-48, UJ-1: after a restore to an earlier moment, a due message the lost timeline had sent is asked about, not sent again; one it had not sent goes once; one not yet due waits', async () => {
  const sentBefore = await schedule('07700 900201', clock.now())
  await dispatch()
  assert.equal(notify.byReference(sentBefore.reference).length, 1)
  // The restored database is as it was before that send: the message is scheduled again, with
  // nothing of its hand-over kept. Another was due and not yet sent; a third is due tomorrow.
  await t.app.db.asSystem((tx) =>
    tx.execute(sql`update messages set status = 'scheduled', provider_ref = null, sent_at = null,
      sending_since = null where id = ${sentBefore.id}`),
  )
  const notSent = await schedule('07700 900202', clock.now())
  const tomorrow = await schedule('07700 900203', new Date(clock.now().getTime() + 86_400_000))

  const { fenced, byProvider } = await fenceAfterRestore(t.app.db, clock, 60)
  assert.equal(fenced, 2)
  assert.deepEqual(byProvider, { notify: 2 })
  assert.equal(await statusOf(sentBefore.id), 'sending')
  assert.equal(await statusOf(notSent.id), 'sending')
  assert.equal(await statusOf(tomorrow.id), 'scheduled')

  // The first worker on the restored database, a little later: reconciliation asks Notify by
  // reference.
  clock.advance(10_000)
  await dispatch()
  assert.equal(notify.byReference(sentBefore.reference).length, 1, 'not sent again')
  assert.equal(notify.byReference(notSent.reference).length, 1, 'sent once')
  assert.equal(notify.byReference(tomorrow.reference).length, 0)
  assert.ok(['sent', 'delivered'].includes(await statusOf(sentBefore.id)))
  assert.ok(['sent', 'delivered'].includes(await statusOf(notSent.id)))
  const [event] = await t.app.db.asSystem((tx) =>
    rows<{ detail: string }>(
      tx,
      sql`select detail from message_events where message_id = ${sentBefore.id} and detail like 'Restored%'`,
    ),
  )
  assert.match(event!.detail, /asked whether it already has this message/)
  // A second run finds nothing left to fence.
  assert.equal((await fenceAfterRestore(t.app.db, clock, 60)).fenced, 0)
})
