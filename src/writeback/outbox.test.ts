import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { deliverOverHttp } from './http-delivery.ts'
import { WritebackReceiver } from './receiver.ts'
import { WritebackRepository } from './repository.ts'
import { type WritebackEntry, writebackEntries } from './schema.ts'
import { payloadOf, type WritebackEntryInput } from './service.ts'

const CAD_TOKEN = 'kent-cad-token-0123456789abcdef'
const RMS_USER = 'waypoint'
const RMS_PASSWORD = 'kent-rms-password-0123456789'
const MINUTE = 60_000

let t: TestApp
let receiver: WritebackReceiver

before(async () => {
  t = await createTestApp()
  receiver = await WritebackReceiver.start({
    expectAuthorization: {
      cad: `Bearer ${CAD_TOKEN}`,
      rms: `Basic ${Buffer.from(`${RMS_USER}:${RMS_PASSWORD}`).toString('base64')}`,
    },
  })
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  const cad = await admin.post('/console/writeback/endpoints/cad', {
    url: receiver.url('cad', '/logs/{reference}/entries'),
    authKind: 'bearer',
    secret: CAD_TOKEN,
    timeoutSeconds: '5',
    enabled: 'yes',
  })
  assert.equal(cad.statusCode, 303, cad.body)
  const rms = await admin.post('/console/writeback/endpoints/rms', {
    url: receiver.url('rms'),
    authKind: 'basic',
    username: RMS_USER,
    secret: RMS_PASSWORD,
    timeoutSeconds: '5',
    enabled: 'yes',
  })
  assert.equal(rms.statusCode, 303, rms.body)
})

after(async () => {
  await receiver.close()
  await t.close()
})

const writeback = () => t.app.services.writeback

/** Runs the delivery job the way a worker does: enqueued, then fetched and handled by pg-boss. */
async function runDeliveryJob(times = 1): Promise<void> {
  for (let i = 0; i < times; i += 1) await t.app.jobs.send(writeback().deliveryJob, {})
  await t.app.jobs.drain([writeback().deliveryJob.name])
}

async function entryById(id: string): Promise<WritebackEntry> {
  const [row] = await t.app.db.withForce('kent', (tx) =>
    tx.select().from(writebackEntries).where(eq(writebackEntries.id, id)),
  )
  assert.ok(row, `entry ${id} exists`)
  return row
}

function aNote(overrides: Partial<WritebackEntryInput> = {}): WritebackEntryInput {
  return {
    forceId: 'kent',
    target: 'cad',
    targetRef: 'KNT-20260601-0042',
    kind: 'note',
    body: {
      time: t.clock.now().toISOString(),
      channel: 'console',
      content: 'Caller rang back',
      author: 'PC Test',
    },
    idempotencyKey: `note:${randomUUID()}`,
    ...overrides,
  }
}

test('UJ-9: an SMS to a victim is written into the open Command and Control log with its time and content', async () => {
  const sentAt = t.clock.now()
  const [entry] = await t.app.db.withForce('kent', (tx) =>
    writeback().recordCommunication(tx, {
      forceId: 'kent',
      messageId: 'msg-uj9-open',
      direction: 'to-victim',
      channel: 'sms',
      time: sentAt,
      content: 'Kent Police: an officer will call you today about your report.',
      author: 'Waypoint Journeys',
      cadLog: { reference: 'KNT-20260601-0001', open: true },
    }),
  )
  assert.ok(entry)
  await runDeliveryJob()

  const received = receiver.entries('cad').find((e) => e.idempotencyKey === entry.idempotencyKey)
  assert.ok(received, 'the CAD received the entry')
  assert.equal(received.path, '/cad/logs/KNT-20260601-0001/entries')
  assert.equal(received.body.reference, 'KNT-20260601-0001')
  assert.equal(received.body.kind, 'message-sent')
  assert.equal(received.body.channel, 'sms')
  assert.equal(received.body.time, sentAt.toISOString())
  assert.equal(received.body.content, 'Kent Police: an officer will call you today about your report.')
  const stored = await entryById(entry.id)
  assert.equal(stored.status, 'delivered')
  assert.equal(stored.remoteRef, received.remoteRef)
})

test('UJ-9: no Command and Control entry is made once the log is closed', async () => {
  const entries = await t.app.db.withForce('kent', (tx) =>
    writeback().recordCommunication(tx, {
      forceId: 'kent',
      messageId: 'msg-uj9-closed',
      direction: 'to-victim',
      channel: 'email',
      time: t.clock.now(),
      content: 'Your report has been closed.',
      author: 'Waypoint Journeys',
      cadLog: { reference: 'KNT-20260601-0002', open: false },
    }),
  )
  assert.deepEqual(entries, [])
  assert.deepEqual(await writeback().entriesFor('kent', 'cad', 'KNT-20260601-0002'), [])
})

test('UJ-10: once crimed, an email to the victim is written into the crime record in the RMS', async () => {
  const entries = await t.app.db.withForce('kent', (tx) =>
    writeback().recordCommunication(tx, {
      forceId: 'kent',
      messageId: 'msg-uj10',
      direction: 'to-victim',
      channel: 'email',
      time: t.clock.now(),
      content: 'Your crime reference is 46/12345/26.',
      author: 'Waypoint Journeys',
      cadLog: { reference: 'KNT-20260601-0003', open: false },
      crimeReference: '46/12345/26',
    }),
  )
  assert.deepEqual(
    entries.map((e) => [e.target, e.targetRef]),
    [['rms', '46/12345/26']],
  )
  await runDeliveryJob()
  const received = receiver.entries('rms').find((e) => e.idempotencyKey === entries[0]!.idempotencyKey)
  assert.ok(received, 'the RMS received the entry (with basic credentials)')
  assert.equal(received.body.content, 'Your crime reference is 46/12345/26.')
  assert.equal(received.body.channel, 'email')
})

test('CP-101: an investigating officer’s message to the victim becomes part of the case file in the RMS', async () => {
  const [entry] = await t.app.db.withForce('kent', (tx) =>
    writeback().recordCommunication(tx, {
      forceId: 'kent',
      messageId: 'msg-cp101',
      direction: 'to-victim',
      channel: 'portal',
      time: t.clock.now(),
      content: 'I have reviewed the CCTV and will update you on Friday.',
      author: 'DC Jane Smith',
      crimeReference: '46/20001/26',
    }),
  )
  assert.ok(entry)
  await runDeliveryJob()
  const received = receiver.entries('rms').find((e) => e.idempotencyKey === entry.idempotencyKey)
  assert.equal(received?.body.author, 'DC Jane Smith')
  assert.equal(received?.body.kind, 'message-sent')
})

test('CP-87: a message from the victim to their investigating officer is written into the RMS', async () => {
  const [entry] = await t.app.db.withForce('kent', (tx) =>
    writeback().recordCommunication(tx, {
      forceId: 'kent',
      messageId: 'msg-cp87',
      direction: 'from-victim',
      channel: 'portal',
      time: t.clock.now(),
      content: 'I have found another photo of the van.',
      author: 'Victim (portal)',
      crimeReference: '46/20002/26',
    }),
  )
  assert.ok(entry)
  await runDeliveryJob()
  const received = receiver.entries('rms').find((e) => e.idempotencyKey === entry.idempotencyKey)
  assert.equal(received?.body.kind, 'message-received')
  assert.equal(received?.body.content, 'I have found another photo of the van.')
})

test('CRM-12: an update made in Waypoint is written back to the source system it belongs to', async () => {
  const { entry } = await t.app.db.withForce('kent', (tx) =>
    writeback().enqueue(
      tx,
      aNote({
        body: {
          time: t.clock.now().toISOString(),
          channel: 'console',
          content: 'Address corrected to 1 High Street',
          author: 'Contact handler',
        },
      }),
    ),
  )
  await runDeliveryJob()
  const received = receiver.entries('cad').find((e) => e.idempotencyKey === entry.idempotencyKey)
  assert.equal(received?.body.content, 'Address corrected to 1 High Street')
  assert.equal((await entryById(entry.id)).status, 'delivered')
})

test('an entry commits or rolls back with the transaction that caused it (transactional outbox)', async () => {
  const key = `note:${randomUUID()}`
  await assert.rejects(
    t.app.db.withForce('kent', async (tx) => {
      await writeback().enqueue(tx, aNote({ idempotencyKey: key }))
      throw new Error('the message send failed after the entry was queued')
    }),
    /message send failed/,
  )
  await runDeliveryJob()
  const rows = await t.app.db.withForce('kent', (tx) =>
    tx.select().from(writebackEntries).where(eq(writebackEntries.idempotencyKey, key)),
  )
  assert.equal(rows.length, 0)
  assert.ok(!receiver.entries().some((e) => e.idempotencyKey === key))
})

test('an entry is delivered once, with its Idempotency-Key, even when it is enqueued twice and the job runs twice', async () => {
  const input = aNote()
  const first = await t.app.db.withForce('kent', (tx) => writeback().enqueue(tx, input))
  const second = await t.app.db.withForce('kent', (tx) => writeback().enqueue(tx, input))
  assert.equal(first.created, true)
  assert.equal(second.created, false)
  assert.equal(second.entry.id, first.entry.id)
  const requestsBefore = receiver.requests
  await runDeliveryJob(2)
  await runDeliveryJob(1)
  assert.equal(receiver.requests - requestsBefore, 1)
  assert.equal(receiver.entries().filter((e) => e.idempotencyKey === input.idempotencyKey).length, 1)
})

test('a worker that dies after sending but before recording: the entry is taken again and the target dedupes it', async () => {
  const { entry } = await t.app.db.withForce('kent', (tx) => writeback().enqueue(tx, aNote()))
  const repository = new WritebackRepository(t.app.db)
  const now = t.clock.now()
  const claimed = await repository.claimDue(now, 100, new Date(now.getTime() + 2 * MINUTE))
  const mine = claimed.find((e) => e.id === entry.id)
  assert.ok(mine)
  // The crashed worker's request did reach the CAD; its outcome was never recorded.
  const sent = await deliverOverHttp(
    {
      url: receiver.url('cad', `/logs/${mine.targetRef}/entries`),
      auth: { kind: 'bearer', username: null, secret: CAD_TOKEN },
      idempotencyKey: mine.idempotencyKey,
      payload: payloadOf(mine),
      timeoutMs: 10_000,
    },
    t.app.outbound,
  )
  assert.equal(sent.kind, 'delivered')
  const duplicatesBefore = receiver.duplicates

  await runDeliveryJob()
  assert.equal((await entryById(entry.id)).status, 'sending', 'a live claim is not taken over')
  t.clock.advance(3 * MINUTE)
  await runDeliveryJob()

  const stored = await entryById(entry.id)
  assert.equal(stored.status, 'delivered')
  assert.equal(stored.attempts, 2)
  assert.equal(receiver.entries().filter((e) => e.idempotencyKey === entry.idempotencyKey).length, 1)
  assert.equal(receiver.duplicates - duplicatesBefore, 1)
})

test('CP-163: CAD and RMS down for an hour, then back: nothing is lost and each entry is delivered exactly once', async (ctx) => {
  const inputs = Array.from({ length: 20 }, (_, i) =>
    aNote({
      target: i % 2 === 0 ? 'cad' : 'rms',
      targetRef: i % 2 === 0 ? `KNT-OUTAGE-${i}` : `46/3000${i}/26`,
    }),
  )
  await receiver.refuseConnections()
  await t.app.db.withForce('kent', async (tx) => {
    for (const input of inputs) await writeback().enqueue(tx, input)
  })
  const requestsBefore = receiver.requests
  const outageStart = t.clock.now().getTime()
  // 30 minutes refusing connections, then 30 minutes answering 503.
  for (let minute = 0; minute <= 60; minute += 5) {
    if (minute === 30) {
      await receiver.acceptConnections()
      receiver.setMode('unavailable')
    }
    t.clock.set(new Date(outageStart + minute * MINUTE))
    await runDeliveryJob()
  }
  const during = await Promise.all(
    inputs.map(async (input) => (await writeback().entriesFor('kent', input.target, input.targetRef))[0]!),
  )
  assert.ok(
    during.every((e) => e.status === 'pending'),
    'all still queued, none dead',
  )
  assert.ok(
    during.every((e) => e.attempts >= 4),
    `retried with backoff: ${during.map((e) => e.attempts)}`,
  )
  assert.ok(
    during.every((e) => e.attempts <= 10),
    'backoff spaces the attempts out',
  )
  // The backlog is visible to operators while the targets are down.
  const ready = await t.app.http.inject({ method: 'GET', url: '/health/ready' })
  assert.equal(ready.json().checks.writeback.backlog, inputs.length)

  receiver.setMode('accept')
  const recoveredAt = t.clock.now().getTime()
  let minutesToDrain = 0
  while ((await writeback().backlog()) > 0) {
    assert.ok(minutesToDrain <= 65, 'the backlog drains within the longest backoff')
    minutesToDrain += 5
    t.clock.set(new Date(recoveredAt + minutesToDrain * MINUTE))
    await runDeliveryJob()
  }
  for (const input of inputs) {
    assert.equal(receiver.entries().filter((e) => e.idempotencyKey === input.idempotencyKey).length, 1)
  }
  const readyAfter = await t.app.http.inject({ method: 'GET', url: '/health/ready' })
  assert.equal(readyAfter.json().checks.writeback.backlog, 0)
  const accepted = receiver.entries().filter((e) => inputs.some((i) => i.idempotencyKey === e.idempotencyKey))
  assert.equal(accepted.length, inputs.length)
  const attemptsDuringOutage = during.map((e) => e.attempts)
  ctx.diagnostic(
    `outage: attempts per entry ${Math.min(...attemptsDuringOutage)}-${Math.max(...attemptsDuringOutage)}, ` +
      `requests ${receiver.requests - requestsBefore}, drained ${minutesToDrain} simulated minutes after recovery`,
  )
})

test('CP-163: a 4xx goes straight to the dead letters with its reason, and a replay delivers it once fixed', async () => {
  receiver.setMode('reject', 'cad')
  const { entry } = await t.app.db.withForce('kent', (tx) => writeback().enqueue(tx, aNote()))
  await runDeliveryJob()
  const dead = await entryById(entry.id)
  assert.equal(dead.status, 'dead')
  assert.equal(dead.attempts, 1)
  assert.equal(dead.lastHttpStatus, 400)
  assert.match(dead.lastError ?? '', /HTTP 400: .*refused the entry/)

  t.clock.advance(10 * MINUTE)
  await runDeliveryJob()
  assert.equal((await entryById(entry.id)).status, 'dead', 'a dead letter waits for a person')

  receiver.setMode('accept', 'cad')
  const admin = { actor: { kind: 'staff' as const, id: null, name: 'Kent Admin' } }
  assert.equal(await writeback().replay('kent', [entry.id], admin), 1)
  await runDeliveryJob()
  const replayed = await entryById(entry.id)
  assert.equal(replayed.status, 'delivered')
  assert.equal(replayed.replays, 1)
  assert.equal(receiver.entries().filter((e) => e.idempotencyKey === entry.idempotencyKey).length, 1)
})

test('an endpoint that hangs times out and is retried, not lost', async () => {
  receiver.setMode('hang', 'rms')
  const { entry } = await t.app.db.withForce('kent', (tx) =>
    writeback().enqueue(tx, aNote({ target: 'rms', targetRef: '46/40000/26' })),
  )
  await runDeliveryJob()
  const waiting = await entryById(entry.id)
  assert.equal(waiting.status, 'pending')
  assert.match(waiting.lastError ?? '', /No answer within 5000 ms/)
  receiver.setMode('accept', 'rms')
  t.clock.advance(2 * MINUTE)
  await runDeliveryJob()
  assert.equal((await entryById(entry.id)).status, 'delivered')
})

test('CP-163: after the maximum age an undeliverable entry becomes a dead letter instead of retrying for ever', async () => {
  receiver.setMode('unavailable', 'cad')
  const { entry } = await t.app.db.withForce('kent', (tx) => writeback().enqueue(tx, aNote()))
  await runDeliveryJob()
  assert.equal((await entryById(entry.id)).status, 'pending')
  t.clock.advance(t.app.config.writeback.maxAgeHours * 60 * MINUTE)
  await runDeliveryJob()
  const dead = await entryById(entry.id)
  assert.equal(dead.status, 'dead')
  assert.match(dead.lastError ?? '', /^Gave up after 2 attempts: HTTP 503/)
  receiver.setMode('accept', 'cad')
})

// The receiver shares this process's event loop with the embedded database, so endpoints get a
// timeout (5 s) long enough that a busy test machine does not turn slow answers into retries.
test('concurrent delivery runs never send the same entry twice', async () => {
  const inputs = Array.from({ length: 30 }, () => aNote())
  await t.app.db.withForce('kent', async (tx) => {
    for (const input of inputs) await writeback().enqueue(tx, input)
  })
  const requestsBefore = receiver.requests
  const runs = await Promise.all([
    writeback().deliverDue(),
    writeback().deliverDue(),
    writeback().deliverDue(),
  ])
  assert.equal(
    runs.reduce((n, r) => n + r.delivered, 0),
    30,
  )
  assert.equal(receiver.requests - requestsBefore, 30)
  for (const input of inputs) {
    assert.equal(receiver.entries().filter((e) => e.idempotencyKey === input.idempotencyKey).length, 1)
  }
})
