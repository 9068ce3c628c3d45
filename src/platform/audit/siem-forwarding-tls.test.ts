import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { sql } from 'drizzle-orm'
import { productionSettings } from '../../../test/support/production-settings.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { rows } from '../db/database.ts'
import { retryDelayMs } from './forwarding-service.ts'

const certificates = new URL('./test-certificates/', import.meta.url)
const pem = (name: string) => readFileSync(new URL(name, certificates), 'utf8')
const caFile = new URL('ca.pem', certificates).pathname

/** A syslog collector on 127.0.0.1 speaking RFC 5425: octet-counted frames inside TLS. */
class TlsSyslogReceiver {
  frames: { declaredLength: number; bytes: number; message: string }[] = []
  /** Connections that completed the TLS handshake. */
  secureConnections = 0
  port = 0
  #server: TlsServer | undefined

  readonly certificate: 'collector' | 'stranger'

  constructor(certificate: 'collector' | 'stranger') {
    this.certificate = certificate
  }

  async start(port = 0): Promise<void> {
    this.#server = createTlsServer(
      { key: pem(`${this.certificate}-key.pem`), cert: pem(`${this.certificate}.pem`) },
      (socket) => {
        this.secureConnections += 1
        let buffer = Buffer.alloc(0)
        socket.on('error', () => {})
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
      },
    )
    this.#server.on('tlsClientError', () => {})
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

const collector = new TlsSyslogReceiver('collector')
let t: TestApp

before(async () => {
  await collector.start()
  t = await createTestApp({
    siem: {
      syslogHost: '127.0.0.1',
      syslogPort: collector.port,
      syslogTls: true,
      syslogCaFile: caFile,
      syslogServerName: undefined,
      syslogAllowPlaintext: false,
      hecUrl: undefined,
      hecToken: undefined,
    },
  })
})
after(async () => {
  await t.close()
  await collector.stop().catch(() => {})
})

const actor = { kind: 'staff' as const, id: 'u-1', name: 'Robin "RJ" [Ops]' }

test("CP-175: an audit event reaches the syslog collector over TLS (RFC 5425), the collector's certificate checked against the configured CA", async () => {
  const event = await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'kent',
    actor,
    recordType: 'tls-person',
    recordId: 'P-1',
    detail: { reason: 'welfare check' },
  })
  await t.app.jobs.drain()
  const [message] = collector.messagesFor('tls-person')
  assert.ok(message, 'the collector received the event')
  assert.ok(collector.secureConnections > 0)
  const frame = collector.frames.find((f) => f.message === message)!
  assert.equal(frame.declaredLength, frame.bytes)
  const header = /^<110>1 (\S+) (\S+) waypoint (\d+) person\.viewed \[waypoint@32473 (.*)\] \uFEFF(.*)$/.exec(
    message,
  )
  assert.ok(header, message)
  assert.equal(header[1], event.occurredAt.toISOString())
  assert.match(header[4], new RegExp(`^id="${event.id}" chain="kent" seq="${event.seq}" force="kent"`))
  assert.match(header[4], new RegExp(`hash="${event.hash}"`))
  assert.deepEqual(JSON.parse(header[5]), { reason: 'welfare check' })
  const left = await pendingFor('tls-person')
  assert.equal(left.length, 0)
})

test('CP-175: a collector whose certificate the CA did not sign is refused; the event waits and is delivered once the right collector answers', async () => {
  await t.app.jobs.drain()
  const port = collector.port
  await collector.stop()
  const stranger = new TlsSyslogReceiver('stranger')
  await stranger.start(port)
  let event: { id: number }
  try {
    event = await t.app.services.audit.record({
      action: 'person.viewed',
      forceId: 'essex',
      actor,
      recordType: 'tls-stranger',
      recordId: 'P-2',
    })
    await t.app.jobs.drain()
    assert.equal(stranger.frames.length, 0, 'nothing is written to an unverified collector')
    assert.equal(stranger.secureConnections, 0)
  } finally {
    await stranger.stop()
  }
  const waiting = await pendingFor('tls-stranger')
  assert.equal(waiting.length, 1)
  assert.equal(waiting[0].attempts, 1)
  assert.match(waiting[0].lastError, /syslog collector 127\.0\.0\.1:\d+ over TLS: .*certificate/)

  // The right collector answers; the next event to be recorded after the retry time starts delivery.
  await collector.start(port)
  t.clock.advance(retryDelayMs(1))
  const next = await t.app.services.audit.record({
    action: 'person.viewed',
    forceId: 'essex',
    actor,
    recordType: 'tls-stranger',
    recordId: 'P-3',
  })
  await t.app.jobs.drain()
  const delivered = collector.messagesFor('tls-stranger').map((m) => Number(/ id="(\d+)"/.exec(m)![1]))
  assert.deepEqual(delivered, [event!.id, next.id])
  assert.equal((await pendingFor('tls-stranger')).length, 0)
})

test('CP-175: production refuses to send syslog over plain TCP unless SIEM_SYSLOG_ALLOW_PLAINTEXT=true', () => {
  const production = { ...productionSettings, SIEM_SYSLOG_HOST: 'siem.example.org' }
  const tls = loadConfig(production).siem
  assert.equal(tls.syslogTls, true, 'TLS unless turned off')
  assert.equal(tls.syslogPort, 6514)
  assert.throws(
    () => loadConfig({ ...production, SIEM_SYSLOG_TLS: 'false' }),
    (error: Error) => error instanceof ConfigError && /SIEM_SYSLOG_ALLOW_PLAINTEXT=true/.test(error.message),
  )
  const allowed = loadConfig({ ...production, SIEM_SYSLOG_TLS: 'false', SIEM_SYSLOG_ALLOW_PLAINTEXT: 'true' })
  assert.equal(allowed.siem.syslogTls, false)
  const { SIEM_SYSLOG_HOST: _, ...withoutSyslog } = production
  assert.equal(loadConfig({ ...withoutSyslog, SIEM_SYSLOG_TLS: 'false' }).siem.syslogHost, undefined)
  assert.equal(loadConfig({ NODE_ENV: 'development', SIEM_SYSLOG_TLS: 'false' }).siem.syslogTls, false)
})

function pendingFor(recordType: string) {
  return t.app.db.asSystem((tx) =>
    rows<{ attempts: number; lastError: string }>(
      tx,
      sql`select f.attempts, f.last_error as "lastError" from audit_forwarding f
          join audit_events e on e.id = f.audit_event_id
          where e.record_type = ${recordType} and f.status = 'pending' order by f.id`,
    ),
  )
}
