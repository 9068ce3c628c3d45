import assert from 'node:assert/strict'
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { rows } from '../db/database.ts'
import { retryDelayMs } from './forwarding-service.ts'

/** A syslog collector on 127.0.0.1 that splits RFC 6587 octet-counted frames. */
class SyslogReceiver {
  frames: { declaredLength: number; bytes: number; message: string }[] = []
  port = 0
  #server: TcpServer | undefined

  async start(port = 0): Promise<void> {
    this.#server = createTcpServer((socket) => {
      let buffer = Buffer.alloc(0)
      socket.on('data', (chunk) => {
        buffer = Buffer.concat([buffer, chunk])
        for (;;) {
          const space = buffer.indexOf(0x20)
          if (space < 0) return
          const declaredLength = Number(buffer.subarray(0, space).toString('ascii'))
          if (buffer.length < space + 1 + declaredLength) return
          const body = buffer.subarray(space + 1, space + 1 + declaredLength)
          this.frames.push({ declaredLength, bytes: body.length, message: body.toString('utf8') })
          buffer = buffer.subarray(space + 1 + declaredLength)
        }
      })
    })
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve))
    this.port = (this.#server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()))
  }

  messagesFor(recordType: string): string[] {
    return this.frames.map((f) => f.message).filter((m) => m.includes(`recordType="${recordType}"`))
  }
}

/** A Splunk HTTP Event Collector on 127.0.0.1 that can be switched to refuse (503). */
class HecReceiver {
  requests: { url: string; headers: IncomingHttpHeaders; events: Record<string, any>[] }[] = []
  refusing = false
  refused = 0
  port = 0
  #server: Server | undefined

  async start(): Promise<void> {
    this.#server = createHttpServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        if (this.refusing) {
          this.refused += 1
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"text":"Server is busy","code":9}')
          return
        }
        const events = body
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
        this.requests.push({ url: req.url ?? '', headers: req.headers, events })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}')
      })
    })
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.#server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections()
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()))
  }

  eventsFor(recordType: string): Record<string, any>[] {
    return this.requests.flatMap((r) => r.events).filter((e) => e.event.recordType === recordType)
  }
}

const syslog = new SyslogReceiver()
const hec = new HecReceiver()
let t: TestApp

before(async () => {
  await syslog.start()
  await hec.start()
  t = await createTestApp({
    siem: {
      syslogHost: '127.0.0.1',
      syslogPort: syslog.port,
      // This collector listens on plain TCP; the TLS collector has its own tests.
      syslogTls: false,
      syslogCaFile: undefined,
      syslogServerName: undefined,
      syslogAllowPlaintext: false,
      hecUrl: `http://127.0.0.1:${hec.port}`,
      hecToken: 'hec-token-123',
    },
  })
})
after(async () => {
  await t.close()
  await hec.stop()
  await syslog.stop().catch(() => {})
})

const actor = { kind: 'staff' as const, id: 'u-1', name: 'Robin "RJ" [Ops]' }

test('CP-175: an audit event reaches the syslog collector as RFC 5424 with octet-counting framing', async () => {
  const event = await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'kent',
    actor,
    recordType: 'syslog-person',
    recordId: 'P-1',
    detail: { reason: 'welfare check' },
    ip: '10.0.0.8',
    correlationId: 'corr-abcdef12',
  })
  await t.app.jobs.drain()
  const [message] = syslog.messagesFor('syslog-person')
  assert.ok(message, 'the collector received the event')
  const frame = syslog.frames.find((f) => f.message === message)!
  assert.equal(frame.declaredLength, frame.bytes)
  const header = /^<110>1 (\S+) (\S+) waypoint (\d+) person\.viewed \[waypoint@32473 (.*)\] \uFEFF(.*)$/.exec(
    message,
  )
  assert.ok(header, message)
  assert.equal(header[1], event.occurredAt.toISOString())
  const params = header[4]
  assert.match(params, new RegExp(`^id="${event.id}" chain="kent" seq="${event.seq}" force="kent"`))
  assert.match(params, /actorName="Robin \\"RJ\\" \[Ops\\]"/)
  assert.match(params, /recordId="P-1"/)
  assert.match(params, /ip="10\.0\.0\.8" correlationId="corr-abcdef12"/)
  assert.match(params, new RegExp(`hash="${event.hash}"`))
  assert.deepEqual(JSON.parse(header[5]), { reason: 'welfare check' })
})

test('CP-176: an audit event reaches Splunk HEC as a JSON event with the Splunk token', async () => {
  const event = await t.app.services.audit.record({
    action: 'case.updated',
    forceId: 'essex',
    actor,
    recordType: 'hec-case',
    recordId: 'C-9',
    detail: { field: 'status' },
  })
  await t.app.jobs.drain()
  const request = hec.requests.find((r) => r.events.some((e) => e.event.recordType === 'hec-case'))
  assert.ok(request, 'HEC received the event')
  assert.equal(request.url, '/services/collector/event')
  assert.equal(request.headers.authorization, 'Splunk hec-token-123')
  assert.match(String(request.headers['content-type']), /application\/json/)
  const [sent] = hec.eventsFor('hec-case')
  assert.equal(sent.time, event.occurredAt.getTime() / 1000)
  assert.equal(sent.source, 'waypoint')
  assert.equal(sent.sourcetype, 'waypoint:audit')
  assert.equal(typeof sent.host, 'string')
  assert.equal(sent.event.id, event.id)
  assert.equal(sent.event.action, 'case.updated')
  assert.equal(sent.event.forceId, 'essex')
  assert.deepEqual(sent.event.actor, { kind: 'staff', id: 'u-1', name: actor.name })
  assert.deepEqual(sent.event.detail, { field: 'status' })
  assert.equal(sent.event.hash, event.hash)
})

test('CP-175: an event whose transaction rolls back is neither kept nor forwarded', async () => {
  await assert.rejects(
    t.app.db.withForce('kent', async (tx) => {
      await t.app.services.audit.record(
        { action: 'person.viewed', forceId: 'kent', actor, recordType: 'rolled-back', recordId: 'X' },
        tx,
      )
      throw new Error('the change failed')
    }),
  )
  await t.app.jobs.drain()
  assert.equal(syslog.messagesFor('rolled-back').length, 0)
  assert.equal(hec.eventsFor('rolled-back').length, 0)
})

test('CP-175, CP-176: while the SIEMs are down events wait with backoff; when back, all arrive once, in order', async () => {
  await t.app.jobs.drain()
  await syslog.stop()
  hec.refusing = true
  const recorded: number[] = []
  for (let i = 1; i <= 5; i += 1) {
    const e = await t.app.services.audit.record({
      action: 'person.viewed',
      forceId: 'norfolk',
      actor,
      recordType: 'outage-person',
      recordId: `P-${i}`,
    })
    recorded.push(e.id)
  }
  await t.app.jobs.drain()
  assert.equal(hec.refused, 1, 'one attempt per destination, then it waits')
  const backlog = await t.app.db.asSystem((tx) =>
    rows<{ destination: string; attempts: number; next: Date }>(
      tx,
      sql`select f.destination, f.attempts, f.next_attempt_at as next from audit_forwarding f
          join audit_events e on e.id = f.audit_event_id
          where e.record_type = 'outage-person' and f.status = 'pending' order by f.id`,
    ),
  )
  assert.equal(backlog.length, 10)
  assert.ok(backlog.every((b) => b.attempts === 1))
  assert.equal(new Date(backlog[0].next).getTime(), t.clock.now().getTime() + retryDelayMs(1))

  // Before the retry time, new events queue behind the waiting ones; nothing is attempted.
  const sixth = await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'norfolk',
    actor,
    recordType: 'outage-person',
    recordId: 'P-6',
  })
  recorded.push(sixth.id)
  await t.app.jobs.drain()
  assert.equal(hec.refused, 1)

  // Still down at the retry time: the next delay doubles.
  t.clock.advance(retryDelayMs(1))
  const eighth = await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'norfolk',
    actor,
    recordType: 'outage-person',
    recordId: 'P-8',
  })
  recorded.push(eighth.id)
  await t.app.jobs.drain()
  assert.equal(hec.refused, 2)
  const health = await t.app.http.inject({ method: 'GET', url: '/health/ready' })
  assert.match(health.body, /"siem"/)
  assert.equal(syslog.messagesFor('outage-person').length, 0)
  assert.equal(hec.eventsFor('outage-person').length, 0)

  // The SIEMs return.
  await syslog.start(syslog.port)
  hec.refusing = false
  t.clock.advance(retryDelayMs(2))
  const ninth = await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'norfolk',
    actor,
    recordType: 'outage-person',
    recordId: 'P-9',
  })
  recorded.push(ninth.id)
  await t.app.jobs.drain()
  await t.app.jobs.drain()

  const viaSyslog = syslog.messagesFor('outage-person').map((m) => Number(/ id="(\d+)"/.exec(m)![1]))
  const viaHec = hec.eventsFor('outage-person').map((e) => e.event.id)
  assert.deepEqual(viaSyslog, recorded)
  assert.deepEqual(viaHec, recorded)
  const left = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from audit_forwarding where status = 'pending'`),
  )
  assert.equal(Number(left[0].n), 0)
})

test('CP-176: a backlog built up during an outage is delivered in batches when the SIEM returns', async (ctx) => {
  await t.app.jobs.drain()
  hec.refusing = true
  await t.app.services.audit.record({
    action: 'case.viewed',
    forceId: 'kent',
    actor,
    recordType: 'backlog-case',
    recordId: 'B-0',
  })
  await t.app.jobs.drain()
  const recordStart = performance.now()
  for (let i = 1; i < 250; i += 1) {
    await t.app.services.audit.record({
      action: 'case.viewed',
      forceId: 'kent',
      actor,
      recordType: 'backlog-case',
      recordId: `B-${i}`,
    })
  }
  const recordMs = performance.now() - recordStart
  hec.refusing = false
  t.clock.advance(15 * 60_000)
  const requestsBefore = hec.requests.length
  const drainStart = performance.now()
  await t.app.jobs.drain()
  const drainMs = performance.now() - drainStart
  const delivered = hec.eventsFor('backlog-case').map((e) => Number(e.event.recordId.slice(2)))
  assert.deepEqual(
    delivered,
    Array.from({ length: 250 }, (_, i) => i),
  )
  assert.ok(hec.requests.length - requestsBefore <= 4, 'batched, not one request per event')
  assert.equal(syslog.messagesFor('backlog-case').length, 250)
  ctx.diagnostic(
    `recorded 249 events with forwarding queued in ${recordMs.toFixed(0)} ms; drained 250 events to syslog and HEC in ${drainMs.toFixed(0)} ms`,
  )
})
