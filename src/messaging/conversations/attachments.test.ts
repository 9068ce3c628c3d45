// Attachments: files that come with an email over real SMTP are stored with their checksum and
// scanned by the scan job (the built-in checks, then clamd over INSTREAM, here a small TCP server
// that speaks clamd's protocol); staff may download one only once it is clean, as the type its
// bytes show. Another force and other roles are refused.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import nodemailer from 'nodemailer'
import { createTestApp, type SignedIn, type TestApp } from '../../../test/support/test-app.ts'
import { FixedClock } from '../../platform/clock.ts'
import { loadConfig } from '../../platform/config.ts'
import { OutboundPolicy, parseHostRules } from '../../platform/outbound.ts'
import { BuiltInScanner, ClamdScanner, sniffType } from './attachment-scanner.ts'
import { attachmentLimits } from './service.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
const jpeg = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF a photo of a window'),
])
/** Passes the built-in checks (a JPEG by its bytes); the test's clamd finds a signature in it. */
const jpegWithVirus = Buffer.concat([jpeg, Buffer.from('FAKE-VIRUS-SIGNATURE')])
/** A Windows program (MZ) named and declared as a photo. */
const program = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), Buffer.alloc(64, 1)])

let t: TestApp
let clamd: Server
let clamdPort: number
let clamdStreams = 0
let smtpPort: number
let officer: SignedIn

/** A clamd that answers INSTREAM: `zINSTREAM\0`, length-prefixed chunks, a zero length. */
function startClamd(): Promise<void> {
  clamd = createServer((socket) => {
    let buffer = Buffer.alloc(0)
    let content = Buffer.alloc(0)
    let commandRead = false
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      if (!commandRead) {
        const end = buffer.indexOf(0)
        if (end < 0) return
        assert.equal(buffer.subarray(0, end).toString(), 'zINSTREAM')
        commandRead = true
        buffer = buffer.subarray(end + 1)
      }
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0)
        if (length === 0) {
          clamdStreams += 1
          socket.end(
            content.includes(Buffer.from('FAKE-VIRUS-SIGNATURE'))
              ? 'stream: Win.Test.Fake-1 FOUND\0'
              : 'stream: OK\0',
          )
          return
        }
        if (buffer.length < 4 + length) return
        content = Buffer.concat([content, buffer.subarray(4, 4 + length)])
        buffer = buffer.subarray(4 + length)
      }
    })
  })
  return new Promise((resolve) =>
    clamd.listen(0, '127.0.0.1', () => {
      clamdPort = (clamd.address() as AddressInfo).port
      resolve()
    }),
  )
}

before(async () => {
  await startClamd()
  const config = loadConfig({ NODE_ENV: 'test', CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(clamdPort) })
  t = await createTestApp(
    {
      ...config,
      inboundEmail: { ...config.inboundEmail, port: 0, domain: 'replies.waypoint.test', maxBytes: 500_000 },
    },
    { clock },
  )
  smtpPort = await t.app.inboundEmail.listen()
  officer = await t.signInAs(['investigating_officer'], 'essex', 'DC Hale')
})

after(async () => {
  await t.close()
  await new Promise<void>((resolve) => clamd.close(() => resolve()))
})

const query = <T>(forceId: string, statement: ReturnType<typeof sql>) =>
  t.app.db.withForce(forceId, async (tx) => ((await tx.execute(statement)) as unknown as { rows: T[] }).rows)

test('the built-in scanner judges a file by its bytes, not its declared type, and finds the EICAR signature', async () => {
  const scanner = new BuiltInScanner(attachmentLimits)
  const scan = (content: Buffer, declaredType = 'image/jpeg') =>
    scanner.scan({ filename: 'file', declaredType, content })
  assert.deepEqual(await scan(jpeg), { status: 'clean', detectedType: 'image/jpeg', detail: null })
  const disguised = await scan(program)
  assert.equal(disguised.status, 'failed')
  assert.match(disguised.detail ?? '', /Not a kind of file that is accepted \(declared as image\/jpeg/)
  assert.deepEqual(await scan(Buffer.from(eicar), 'text/plain'), {
    status: 'infected',
    detectedType: null,
    detail: 'The EICAR test signature',
  })
  const tooLarge = await scan(Buffer.concat([jpeg, Buffer.alloc(attachmentLimits.maxAttachmentBytes)]))
  assert.equal(tooLarge.status, 'failed')
  assert.equal(sniffType(Buffer.from('%PDF-1.7\n')), 'application/pdf')
  assert.equal(sniffType(Buffer.from('Statement: I saw the car.\n')), 'text/plain')
  assert.equal(sniffType(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02])), null, 'an ELF program is not text')
})

test('clamd is reached only on a host the deployment allows for scanning', async () => {
  const nowhere = new OutboundPolicy({
    rules: { warehouse: [], writeback: [], scanner: parseHostRules('clamd.internal.example'), webhook: [] },
    ownDatabase: async () => ({
      database: 'waypoint',
      systemIdentifier: null,
      serverAddress: null,
      serverPort: null,
    }),
  })
  const before = clamdStreams
  const scanner = new ClamdScanner({ host: '127.0.0.1', port: clamdPort, timeoutMs: 2000 }, nowhere)
  await assert.rejects(
    scanner.scan({ filename: 'a.jpg', declaredType: 'image/jpeg', content: jpeg }),
    /is not allowed: 127\.0\.0\.1:\d+ is not on the scanner allow-list/,
  )
  assert.equal(clamdStreams, before, 'nothing was sent')
})

test('email attachments are stored with their checksum, scanned by the job (built-in, then clamd), and downloadable only once clean', async () => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
  })
  await transport.sendMail({
    from: 'witness@example.org',
    to: 'essex@replies.waypoint.test',
    subject: 'Photos',
    text: 'Four files attached.',
    attachments: [
      { filename: 'window.jpg', content: jpeg, contentType: 'image/jpeg' },
      { filename: 'eicar.txt', content: eicar, contentType: 'text/plain' },
      { filename: 'holiday.jpg', content: program, contentType: 'image/jpeg' },
      { filename: 'door.jpg', content: jpegWithVirus, contentType: 'image/jpeg' },
    ],
  })
  transport.close()
  const [message] = await query<{ conversation_id: string }>(
    'essex',
    sql`select conversation_id from conversation_messages where body = 'Four files attached.'`,
  )
  const conversationId = message!.conversation_id
  const stored = await query<{ id: string; filename: string; sha256: string; scan_status: string }>(
    'essex',
    sql`select id, filename, sha256, scan_status from conversation_attachments order by filename`,
  )
  const byName = Object.fromEntries(stored.map((a) => [a.filename, a]))
  assert.deepEqual(
    stored.map((a) => a.scan_status),
    ['pending', 'pending', 'pending', 'pending'],
  )
  assert.equal(byName['window.jpg']?.sha256, createHash('sha256').update(jpeg).digest('hex'))
  const download = (id: string, as = officer) =>
    as.get(`/console/conversations/${conversationId}/attachments/${id}`)
  const early = await download(byName['window.jpg']!.id)
  assert.equal(early.statusCode, 409, 'not served before its scan')
  assert.match(early.body, /has not been scanned for viruses yet/)
  const waiting = await officer.get(`/console/conversations/${conversationId}`)
  assert.match(waiting.body, /window\.jpg \(\d+ bytes\): waiting for its virus scan/)

  const streamsBefore = clamdStreams
  await t.app.jobs.drain()
  const scanned = await query<{
    filename: string
    scan_status: string
    detected_type: string
    scan_detail: string
  }>(
    'essex',
    sql`select filename, scan_status, detected_type, scan_detail from conversation_attachments order by filename`,
  )
  assert.deepEqual(
    scanned.map((a) => [a.filename, a.scan_status]),
    [
      ['door.jpg', 'infected'],
      ['eicar.txt', 'infected'],
      ['holiday.jpg', 'failed'],
      ['window.jpg', 'clean'],
    ],
  )
  assert.equal(scanned[0]?.scan_detail, 'clamd found Win.Test.Fake-1')
  assert.equal(clamdStreams - streamsBefore, 2, 'clamd is asked only about files the built-in checks passed')

  const clean = await download(byName['window.jpg']!.id)
  assert.equal(clean.statusCode, 200)
  assert.equal(clean.headers['content-type'], 'image/jpeg')
  assert.match(String(clean.headers['content-disposition']), /^attachment; filename="window\.jpg"/)
  assert.equal(clean.headers['x-content-type-options'], 'nosniff')
  assert.deepEqual(clean.rawPayload, jpeg)
  for (const name of ['eicar.txt', 'holiday.jpg', 'door.jpg']) {
    const refused = await download(byName[name]!.id)
    assert.equal(refused.statusCode, 409, name)
    assert.match(refused.body, /cannot be downloaded: the scan found it/)
  }
  const page = await officer.get(`/console/conversations/${conversationId}`)
  assert.match(page.body, /Download window\.jpg/)
  assert.doesNotMatch(page.body, /Download eicar\.txt/)

  const audited = await query<{ action: string; n: number }>(
    'essex',
    sql`select action, count(*)::int as n from audit_events where record_type = 'conversation-attachment' group by action order by action`,
  )
  assert.deepEqual(audited, [
    { action: 'conversation-attachment.scanned', n: 4 },
    { action: 'conversation-attachment.viewed', n: 1 },
  ])

  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await download(byName['window.jpg']!.id, kentOfficer)).statusCode, 404)
  const designer = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await download(byName['window.jpg']!.id, designer)).statusCode, 403)
})

test('an attachment clamd cannot scan stays pending and is not served', async () => {
  await new Promise<void>((resolve) => clamd.close(() => resolve()))
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
  })
  await transport.sendMail({
    from: 'witness@example.org',
    to: 'essex@replies.waypoint.test',
    text: 'One more photo.',
    attachments: [{ filename: 'later.jpg', content: jpeg, contentType: 'image/jpeg' }],
  })
  transport.close()
  await t.app.jobs.drain()
  const [later] = await query<{ scan_status: string }>(
    'essex',
    sql`select scan_status from conversation_attachments where filename = 'later.jpg'`,
  )
  assert.equal(later?.scan_status, 'pending')
  await startClamd()
})
