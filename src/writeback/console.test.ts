import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { auditEvents } from '../platform/audit/schema.ts'
import { WritebackReceiver } from './receiver.ts'
import { type WritebackEntry, writebackEndpoints, writebackEntries } from './schema.ts'

const RMS_TOKEN = 'kent-rms-token-abcdefghijklmnop-WXYZ'

let t: TestApp
let receiver: WritebackReceiver
let kentAdmin: SignedIn

before(async () => {
  t = await createTestApp()
  receiver = await WritebackReceiver.start({ expectAuthorization: { rms: `Bearer ${RMS_TOKEN}` } })
  kentAdmin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
})

after(async () => {
  await receiver.close()
  await t.close()
})

async function runDeliveryJob(): Promise<void> {
  await t.app.jobs.send(t.app.services.writeback.deliveryJob, {})
  await t.app.jobs.drain([t.app.services.writeback.deliveryJob.name])
}

async function kentEntries(where = eq(writebackEntries.forceId, 'kent')): Promise<WritebackEntry[]> {
  return t.app.db.withForce('kent', (tx) => tx.select().from(writebackEntries).where(where))
}

async function queueCadNote(content: string): Promise<WritebackEntry> {
  const { entry } = await t.app.db.withForce('kent', (tx) =>
    t.app.services.writeback.enqueue(tx, {
      forceId: 'kent',
      target: 'cad',
      targetRef: 'KNT-20260601-0100',
      kind: 'note',
      body: { time: t.clock.now().toISOString(), channel: 'console', content, author: 'Contact handler' },
      idempotencyKey: `note:${randomUUID()}`,
    }),
  )
  return entry
}

test('a force admin sets the RMS endpoint; the token is stored encrypted and never shown back in full', async () => {
  const invalid = await kentAdmin.post('/console/writeback/endpoints/rms', {
    url: 'not a web address',
    authKind: 'bearer',
    secret: '',
    timeoutSeconds: '600',
  })
  assert.equal(invalid.statusCode, 400)
  assert.match(invalid.body, /There is a problem/)
  assert.match(invalid.body, /href="#url"/)
  assert.match(invalid.body, /Enter the access token/)
  assert.match(invalid.body, /Enter a whole number of seconds from 1 to 60/)

  // Only hosts the deployment allows (here, this machine's loopback) may be named.
  for (const url of ['https://rms.example.net/entries', 'http://169.254.169.254/latest/meta-data']) {
    const elsewhere = await kentAdmin.post('/console/writeback/endpoints/rms', {
      url,
      authKind: 'none',
      timeoutSeconds: '5',
    })
    assert.equal(elsewhere.statusCode, 400, url)
    assert.match(elsewhere.body, /Waypoint may not connect to this host/)
  }

  const saved = await kentAdmin.post('/console/writeback/endpoints/rms', {
    url: receiver.url('rms'),
    authKind: 'bearer',
    secret: RMS_TOKEN,
    timeoutSeconds: '5',
    enabled: 'yes',
  })
  assert.equal(saved.statusCode, 303)
  const [row] = await t.app.db.withForce('kent', (tx) =>
    tx.select().from(writebackEndpoints).where(eq(writebackEndpoints.forceId, 'kent')),
  )
  assert.ok(row?.authSecretEncrypted)
  assert.ok(!row.authSecretEncrypted.includes(RMS_TOKEN))

  const form = await kentAdmin.get('/console/writeback/endpoints/rms')
  assert.equal(form.statusCode, 200)
  assert.ok(!form.body.includes(RMS_TOKEN))
  assert.match(form.body, /ending WXYZ/)

  // Saving again without retyping the token keeps it.
  const kept = await kentAdmin.post('/console/writeback/endpoints/rms', {
    url: receiver.url('rms'),
    authKind: 'bearer',
    secret: '',
    timeoutSeconds: '5',
    enabled: 'yes',
  })
  assert.equal(kept.statusCode, 303)
  const audits = await t.app.db.withForce('kent', (tx) =>
    tx.select().from(auditEvents).where(eq(auditEvents.action, 'writeback.endpoint.changed')),
  )
  assert.equal(audits.length, 2)
  assert.ok(!JSON.stringify(audits).includes(RMS_TOKEN))
})

test('CP-105: an investigating officer adds an RMS update that is written back with no message to the victim', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Jane Smith')
  const form = await officer.get('/console/rms-updates/new')
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /The victim is not sent a message or email/)
  const key = /name="idempotencyKey" value="([^"]+)"/.exec(form.body)?.[1]
  assert.ok(key)

  const empty = await officer.post('/console/rms-updates', {
    crimeReference: '',
    update: '',
    idempotencyKey: key,
  })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /Enter the crime reference/)
  assert.match(empty.body, /Enter the update for the crime record/)

  const update = {
    crimeReference: '46/55555/26',
    update: 'Suspect interviewed and released under investigation.',
  }
  const first = await officer.post('/console/rms-updates', { ...update, idempotencyKey: key })
  assert.equal(first.statusCode, 303)
  assert.equal(first.headers.location, '/console/rms-updates/new?recorded=46%2F55555%2F26')
  // A double submission of the same form records one update.
  const again = await officer.post('/console/rms-updates', { ...update, idempotencyKey: key })
  assert.equal(again.statusCode, 303)

  const entries = await kentEntries(eq(writebackEntries.kind, 'officer-update'))
  assert.equal(entries.length, 1)
  const [entry] = entries
  assert.equal(entry!.notifyVictim, false)
  assert.equal(entry!.target, 'rms')
  assert.equal(entry!.body.author, 'DC Jane Smith')

  await runDeliveryJob()
  const received = receiver.entries('rms').find((e) => e.idempotencyKey === entry!.idempotencyKey)
  assert.ok(received, 'the RMS received the update')
  assert.equal(received.body.notifyVictim, false)
  assert.equal(received.body.content, update.update)
  assert.equal(received.body.reference, '46/55555/26')

  const audited = await t.app.db.withForce('kent', (tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.action, 'writeback.officer-update.recorded'),
          eq(auditEvents.recordId, '46/55555/26'),
        ),
      ),
  )
  assert.equal(audited.length, 1)
})

test('CP-105: only investigating officers and supervisors may add RMS updates', async () => {
  const handler = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await handler.get('/console/rms-updates/new')).statusCode, 403)
  const refused = await handler.post('/console/rms-updates', {
    crimeReference: '46/55556/26',
    update: 'Should not be recorded',
    idempotencyKey: randomUUID(),
  })
  assert.equal(refused.statusCode, 403)
  assert.equal((await kentEntries(eq(writebackEntries.targetRef, '46/55556/26'))).length, 0)
})

test('CP-163: the console shows the backlog and dead letters with reason and attempts; replay one and replay all', async () => {
  await kentAdmin.post('/console/writeback/endpoints/cad', {
    url: receiver.url('cad'),
    authKind: 'none',
    timeoutSeconds: '5',
    enabled: 'yes',
  })
  receiver.setMode('reject', 'cad')
  const first = await queueCadNote('First note')
  const second = await queueCadNote('Second note')
  const third = await queueCadNote('Third note')
  await runDeliveryJob()

  const page = await kentAdmin.get('/console/writeback')
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /Dead letters \(need action\)\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*3/,
  )
  assert.match(page.body, /HTTP 400: .*refused the entry/)
  assert.match(page.body, new RegExp(`/console/writeback/entries/${first.id}/replay`))

  const detail = await kentAdmin.get(`/console/writeback/entries/${first.id}`)
  assert.equal(detail.statusCode, 200)
  assert.match(detail.body, /First note/)
  assert.match(detail.body, /<td class="govuk-table__cell">dead<\/td>/)

  receiver.setMode('accept', 'cad')
  const one = await kentAdmin.post(`/console/writeback/entries/${first.id}/replay`)
  assert.equal(one.statusCode, 303)
  assert.equal(one.headers.location, '/console/writeback?replayed=1')
  await runDeliveryJob()
  const afterOne = await kentEntries()
  assert.equal(afterOne.find((e) => e.id === first.id)?.status, 'delivered')
  assert.equal(afterOne.find((e) => e.id === second.id)?.status, 'dead')

  const all = await kentAdmin.post('/console/writeback/replay-all')
  assert.equal(all.headers.location, '/console/writeback?replayed=2')
  await runDeliveryJob()
  const afterAll = await kentEntries()
  for (const entry of [first, second, third]) {
    assert.equal(afterAll.find((e) => e.id === entry.id)?.status, 'delivered')
    assert.equal(receiver.entries('cad').filter((e) => e.idempotencyKey === entry.idempotencyKey).length, 1)
  }
  const replays = await t.app.db.withForce('kent', (tx) =>
    tx.select().from(auditEvents).where(eq(auditEvents.action, 'writeback.replayed')),
  )
  assert.equal(replays.length, 2)
})

test('UJ-5: another force’s staff cannot see or replay this force’s write-back entries', async () => {
  receiver.setMode('reject', 'cad')
  const entry = await queueCadNote('Kent only')
  // Deliver until the target's refusal makes it a dead letter: on a busy machine the first
  // attempt can end as a retry (e.g. a reset connection), which is not what this test is about.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await runDeliveryJob()
    const [current] = await kentEntries(eq(writebackEntries.id, entry.id))
    if (current?.status === 'dead') break
    t.clock.advance(2 * 60 * 60 * 1000)
  }
  receiver.setMode('accept', 'cad')
  const essexAdmin = await t.signInAs(['force_admin'], 'essex', 'Essex Admin')

  assert.equal((await essexAdmin.get(`/console/writeback/entries/${entry.id}`)).statusCode, 404)
  assert.equal((await essexAdmin.post(`/console/writeback/entries/${entry.id}/replay`)).statusCode, 404)
  const essexPage = await essexAdmin.get('/console/writeback')
  assert.equal(essexPage.statusCode, 200)
  assert.ok(!essexPage.body.includes(entry.id))
  await essexAdmin.post('/console/writeback/replay-all')
  const [still] = await kentEntries(eq(writebackEntries.id, entry.id))
  assert.equal(still?.status, 'dead')
})

test('the write-back console is refused to the wrong roles; service support may view but not change endpoints', async () => {
  const handler = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await handler.get('/console/writeback')).statusCode, 403)
  assert.equal((await handler.post('/console/writeback/replay-all')).statusCode, 403)

  const support = await t.signInAs(['service_support'], 'kent')
  assert.equal((await support.get('/console/writeback')).statusCode, 200)
  assert.equal((await support.get('/console/writeback/endpoints/cad')).statusCode, 403)
  const change = await support.post('/console/writeback/endpoints/cad', {
    url: 'https://attacker.example.org/',
    authKind: 'none',
    enabled: 'yes',
  })
  assert.equal(change.statusCode, 403)
  const [cad] = await t.app.db.withForce('kent', (tx) =>
    tx.select().from(writebackEndpoints).where(eq(writebackEndpoints.target, 'cad')),
  )
  assert.equal(cad?.url, receiver.url('cad'))

  const anonymous = await t.app.http.inject({ method: 'GET', url: '/console/writeback' })
  assert.equal(anonymous.statusCode, 302)
})
