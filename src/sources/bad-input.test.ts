// Awkward input through the real source API: every event a source sends ends in the inbox as
// applied, quarantined (with a reason a person understands) or a duplicate. Never lost, never a
// 500, and no personal value in the log (decision 0011).
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { createLogger } from '../platform/logger.ts'
import { fieldLimits, readableApplyReason, refusedByData } from './input-checks.ts'
import { aStormEvent, anAthenaEvent } from './test-support/events.ts'

const force = 'bedfordshire'
const logLines: string[] = []
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk))
    done()
  },
})

// Planted personal values: none may appear in the log.
const name = 'Zebedee Quillfeather-Okonkwo'
const phone = '07700 900461'
const email = 'zebedee.quillfeather@example.org'
const address = '7 Marrowbone Lane, Dunstable LU6 3QQ'
const planted = ['Quillfeather', '900461', '7700900461', 'zebedee.quillfeather', 'Marrowbone']

let t: TestApp
let token: string
let athenaToken: string
let tried = 0
let lost = 0
let answered500 = 0
let seq = 0
const at = '2026-06-01T09:15:00Z'
const nextId = () => `STORM-BAD-${++seq}`
const person = (extra: Record<string, unknown> = {}) => ({
  nominalId: `N-${seq}`,
  name,
  role: 'VIC',
  phone,
  email,
  address,
  ...extra,
})
const storm = (
  extra: { id?: string; persons?: Record<string, unknown>[]; log?: Record<string, unknown> } = {},
) =>
  aStormEvent({
    id: extra.id ?? nextId(),
    at,
    ref: `BED-BAD-${seq}`,
    persons: extra.persons ?? [person()],
    ...(extra.log ? { log: extra.log } : {}),
  })

before(async () => {
  t = await createTestApp({}, { log: createLogger('debug', logStream) })
  token = await issueClientToken(t, { forceId: force, scopes: ['sources:write'] })
  athenaToken = token
})
after(async () => {
  console.log(`${tried} inputs tried, ${lost} lost, ${answered500} answered 500`)
  await t.close()
})

async function inboxCount(): Promise<number> {
  return (await t.app.services.sources.events(force, { limit: 100_000 })).length
}

interface Receipt {
  id: string
  status: string
  reason: string | null
  warnings: string[]
  duplicateOf?: string
}

/**
 * Sends one input and checks it ended in the inbox: `events` rows are expected (0 when the
 * request itself is refused, e.g. an empty batch), none left 'received', never a 500.
 */
async function send(
  label: string,
  body: string | Buffer,
  o: { batch?: boolean; system?: 'storm' | 'athena'; contentType?: string | null; events?: number } = {},
): Promise<{ statusCode: number; receipts: Receipt[] }> {
  tried++
  const before = await inboxCount()
  const response = await t.app.http.inject({
    method: 'POST',
    url: `/api/v1/sources/${force}/${o.system ?? 'storm'}${o.batch ? '/batch' : ''}`,
    headers: {
      authorization: `Bearer ${o.system === 'athena' ? athenaToken : token}`,
      ...(o.contentType === null
        ? {}
        : { 'content-type': o.contentType ?? (o.batch ? 'application/x-ndjson' : 'application/json') }),
    },
    payload: body,
  })
  if (response.statusCode >= 500) answered500++
  const expected = o.events ?? 1
  const stored = (await inboxCount()) - before
  if (stored !== expected) lost += Math.max(0, expected - stored)
  assert.ok(
    response.statusCode < 500,
    `${label}: answered ${response.statusCode} ${response.body.slice(0, 300)}`,
  )
  assert.equal(stored, expected, `${label}: ${expected} event(s) sent, ${stored} stored`)
  const json = response.json() as Receipt & { results?: Receipt[] }
  const receipts = expected === 0 ? [] : o.batch ? json.results! : [json]
  assert.equal(receipts.length, expected, `${label}: one receipt per event`)
  for (const r of receipts) {
    assert.ok(
      ['applied', 'quarantined', 'duplicate', 'superseded'].includes(r.status),
      `${label}: ${r.status}`,
    )
    const row = await t.app.services.sources.event(force, r.id)
    assert.ok(row, `${label}: receipt ${r.id} is in the inbox`)
    assert.equal(row.status, r.status, `${label}: the inbox row says ${row.status}`)
    if (r.status === 'quarantined') assertReadable(label, r.reason)
  }
  return { statusCode: response.statusCode, receipts }
}

function assertReadable(label: string, reason: string | null) {
  assert.ok(reason, `${label}: a quarantined event has a reason`)
  for (const raw of [
    /index row size/,
    /btree/,
    /invalid byte sequence/,
    /0x00/,
    /violates/,
    /syntax for type/,
  ])
    assert.doesNotMatch(reason, raw, `${label}: the reason is not a database error`)
  assert.ok(!reason.includes('\u0000'), `${label}: the reason holds no null character`)
}

const quarantined = async (label: string, body: string | Buffer, reason: RegExp, contentType?: string) => {
  const { receipts } = await send(label, body, contentType ? { contentType } : {})
  assert.equal(receipts[0]!.status, 'quarantined', `${label}: ${JSON.stringify(receipts[0])}`)
  assert.match(receipts[0]!.reason!, reason, label)
  return receipts[0]!
}

test('CP-163: an eventId of 3,000 characters is kept and quarantined, naming the field and the limit', async () => {
  const r = await quarantined(
    'eventId of 3,000 characters',
    storm({ id: 'E'.repeat(3000) }),
    /the event id is 3,000 characters long; at most 200 are accepted/,
  )
  const row = await t.app.services.sources.event(force, r.id)
  assert.match(row!.sourceEventId, /^unreadable:/, 'an id Waypoint refuses is not its identity')
})

test('CP-163: a null character in a phone number is refused: kept and quarantined, naming where it is', async () => {
  const body = storm({ persons: [person({ phone: '07700\u0000900461' })] })
  assert.ok(body.includes('\\u0000'))
  await quarantined(
    'null character (escaped) in a phone number',
    body,
    /"log\.persons\.0\.phone" contains a null character/,
  )
  const raw = Buffer.from(storm().replace('"role":"VIC"', '"role":"VI\u0000C"'), 'utf8')
  const r = await quarantined('a null byte in the body', raw, /null character \(U\+0000\) at character \d+/)
  const row = await t.app.services.sources.event(force, r.id)
  assert.ok(row!.payload.includes('VI\uFFFDC'), 'kept with U+FFFD in place of the null character')
})

test('CP-163: bytes that are not UTF-8 are refused: kept with U+FFFD and quarantined', async () => {
  const body = Buffer.concat([
    Buffer.from(storm().slice(0, 40), 'utf8'),
    Buffer.from([0xc3, 0x28, 0xff]),
    Buffer.from(storm().slice(40), 'utf8'),
  ])
  await quarantined('invalid UTF-8', body, /bytes that are not UTF-8/)
})

test('CP-157: one bad line in an NDJSON batch is quarantined on its own; the other lines apply', async () => {
  const lines = [storm(), storm({ persons: [person({ phone: '0770\u0000' })] }), storm()]
  const { receipts } = await send('batch of 3 with a null character in one', lines.join('\n'), {
    batch: true,
    events: 3,
  })
  assert.deepEqual(
    receipts.map((r) => r.status),
    ['applied', 'quarantined', 'applied'],
  )
  const withBadBytes = Buffer.concat([
    Buffer.from(`${storm()}\n`),
    Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]),
    Buffer.from(`${storm({ log: { location: 'x'.repeat(5000) } })}\r\n${storm()}\n\n`),
  ])
  const second = await send('batch with invalid bytes and an over-long line', withBadBytes, {
    batch: true,
    events: 4,
  })
  assert.deepEqual(
    second.receipts.map((r) => r.status),
    ['applied', 'quarantined', 'quarantined', 'applied'],
  )
  assert.match(second.receipts[1]!.reason!, /not UTF-8/)
  assert.match(second.receipts[2]!.reason!, /incident location is 5,000 characters long; at most 1,000/)
})

test('CP-163: a name over 2.7 KB is refused by name with the limit, never with a database error', async () => {
  await quarantined(
    'name of 3,000 characters',
    storm({ persons: [person({ name: 'N'.repeat(3000) })] }),
    /person 1 name is 3,000 characters long; at most 300 are accepted/,
  )
  await quarantined(
    'name of 3,000 bytes (1,000 characters of three bytes)',
    storm({ persons: [person({ name: '名'.repeat(1000) })] }),
    /person 1 name is 1,000 characters long/,
  )
})

test('CP-163: an over-long value of every field the profiles map is refused by name', async () => {
  const over = (field: string) => 'x'.repeat(fieldLimits[field]! + 1)
  const stormFields: [string, Record<string, unknown>, RegExp][] = [
    ['incident.cadRef', { reference: over('incident.cadRef') }, /incident cadRef is 101 characters/],
    [
      'incident.incidentType',
      { incidentType: over('incident.incidentType') },
      /incident incidentType is 201/,
    ],
    ['incident.openingCode', { openingCode: over('incident.openingCode') }, /incident openingCode is 101/],
    ['incident.closingCode', { closingCode: over('incident.closingCode') }, /incident closingCode is 101/],
    ['incident.location', { location: over('incident.location') }, /incident location is 1,001/],
  ]
  for (const [field, log, reason] of stormFields)
    await quarantined(`over-long ${field}`, storm({ log }), reason)
  const personFields: [string, Record<string, unknown>, RegExp][] = [
    ['person.stormNominal', { nominalId: over('person.stormNominal') }, /person 1 stormNominal is 101/],
    ['person.address', { address: over('person.address') }, /person 1 address is 1,001/],
    ['person.language', { language: over('person.language') }, /person 1 language is 36/],
  ]
  for (const [field, extra, reason] of personFields)
    await quarantined(`over-long ${field}`, storm({ persons: [person(extra)] }), reason)
  // A phone number or email address that cannot be used is a warning, not stored (as for any
  // unusable number); its warning is clipped, so the inbox row stays readable.
  const { receipts } = await send(
    'over-long phone',
    storm({ persons: [person({ phone: '0'.repeat(5000) })] }),
  )
  assert.equal(receipts[0]!.status, 'applied')
  assert.ok(receipts[0]!.warnings[0]!.length < 1100, 'the warning is clipped')
  assert.equal(
    (await send('over-long eventType', storm().replace('LOG_CREATED', 'T'.repeat(500)))).receipts[0]!.status,
    'quarantined',
  )

  const athenaFields: [string, Record<string, unknown>, RegExp][] = [
    ['crime.crimeType', { crimeType: over('crime.crimeType') }, /crime crimeType is 201/],
    [
      'crime.homeOfficeClass',
      { homeOfficeClass: over('crime.homeOfficeClass') },
      /crime homeOfficeClass is 101/,
    ],
    ['crime.outcome', { outcome: over('crime.outcome') }, /crime outcome is 201/],
    ['crime.vcopReason', { vcop: { reason: over('crime.vcopReason') } }, /crime vcopReason is 2,001/],
    [
      'crime.linkedCadRefs',
      { linkedLogs: ['BED-1', over('crime.linkedCadRefs')] },
      /crime linkedCadRefs 2 is 101/,
    ],
    [
      'crime.officer.collar',
      { officer: { collarNumber: over('crime.officer.collar') } },
      /crime officer collar is 51/,
    ],
    [
      'crime.officer.name',
      { officer: { collarNumber: '1', name: over('crime.officer.name') } },
      /crime officer name is 201/,
    ],
    [
      'crime.supervisor.team',
      { supervisor: { collarNumber: '2', team: over('crime.supervisor.team') } },
      /crime supervisor team is 201/,
    ],
  ]
  for (const [field, investigation, reason] of athenaFields) {
    const { receipts: r } = await send(
      `over-long ${field}`,
      anAthenaEvent({
        id: `ATH-BAD-${++seq}`,
        type: 'INVESTIGATION_CREATED',
        at,
        crimeRef: `BED/${seq}/26`,
        investigation,
      }),
      { system: 'athena' },
    )
    assert.equal(r[0]!.status, 'quarantined', field)
    assert.match(r[0]!.reason!, reason, field)
  }
  const { receipts: longRef } = await send(
    'over-long crimeRef',
    anAthenaEvent({
      id: `ATH-BAD-${++seq}`,
      type: 'INVESTIGATION_CREATED',
      at,
      crimeRef: over('crime.crimeRef'),
    }),
    { system: 'athena' },
  )
  assert.match(longRef[0]!.reason!, /crime crimeRef is 101 characters/)
})

test('CP-163: deep nesting, huge numbers, wrong types and unreadable documents are quarantined, never a 500', async () => {
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
  await send('100,000 nested arrays', deep)
  await quarantined(
    'deep nesting inside an event',
    storm({ log: { location: JSON.parse(`${'{"a":'.repeat(200)}1${'}'.repeat(200)}`) } }),
    /nested more than 64 levels deep/,
  )
  await send('deep XML', `<a>${'<b>'.repeat(5000)}x${'</b>'.repeat(5000)}</a>`, {
    contentType: 'application/xml',
  })
  await send(
    'huge numbers',
    `{"eventId":1e400,"eventType":"LOG_CREATED","timestamp":"${at}","log":{"reference":123456789012345678901234567890123,"persons":[{"name":-1e308,"phone":9e999}]}}`,
  )
  await quarantined(
    'an event id that is an object',
    storm().replace(/"eventId":"[^"]+"/, '"eventId":{"x":1}'),
    /no event id/,
  )
  await send('people as a string', storm().replace(/"persons":\[.*\]/, '"persons":"Zebedee"'))
  await send(
    'the log as an array',
    `{"eventId":"${nextId()}","eventType":"LOG_CREATED","timestamp":"${at}","log":[1,2]}`,
  )
  await send('a timestamp that is a number', storm().replace(`"${at}"`, '1717233300'))
  await send('a JSON array', '[1,2,3]')
  await send('a JSON string', '"Zebedee Quillfeather-Okonkwo"')
  await send('null', 'null')
  await send('truncated JSON', storm().slice(0, 50))
  await send('an empty body', '')
  await send('only spaces', '   ')
  await send('plain text', `call ${name} on ${phone}`, { contentType: 'text/plain' })
  await send('XML that is not well formed', '<log><reference>BED-1</log>', { contentType: 'application/xml' })
  await send('XML with a null character reference', `<log><eventId>${nextId()}</eventId><x>&#0;</x></log>`, {
    contentType: 'application/xml',
  })
  await send('a key with a null character', storm().replace('"eventType"', '"event\\u0000Type","eventType"'))
})

test('CP-163: too many people or list entries are refused by name; a body over the size limit is answered 413', async () => {
  await quarantined(
    '150 people in one event',
    storm({
      persons: Array.from({ length: 150 }, (_, i) => ({
        nominalId: `N-MANY-${i}`,
        name: `P ${i}`,
        role: 'VIC',
      })),
    }),
    /the event names 150 people; at most 100 are accepted/,
  )
  const { receipts } = await send(
    '500 linked logs',
    anAthenaEvent({
      id: `ATH-BAD-${++seq}`,
      type: 'INVESTIGATION_CREATED',
      at,
      crimeRef: `BED/${seq}/26`,
      investigation: { linkedLogs: Array.from({ length: 500 }, (_, i) => `BED-L-${i}`) },
    }),
    { system: 'athena' },
  )
  assert.match(receipts[0]!.reason!, /crime linkedCadRefs has 500 entries; at most 100/)
  await send(
    '__proto__ and constructor keys',
    storm().replace('{', '{"__proto__":{"eventId":"X"},"constructor":{"prototype":1},'),
  )
  const bom = await send(
    'a UTF-8 byte order mark',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(storm())]),
  )
  assert.equal(bom.receipts[0]!.status, 'applied', JSON.stringify(bom.receipts[0]))
  const bomXml = await send(
    'a byte order mark before XML',
    `\uFEFF<?xml version="1.0"?><e><eventId>${nextId()}</eventId><eventType>LOG_CREATED</eventType><timestamp>${at}</timestamp><log><reference>BED-BOM-${seq}</reference></log></e>`,
    { contentType: 'application/xml' },
  )
  assert.equal(bomXml.receipts[0]!.status, 'applied', JSON.stringify(bomXml.receipts[0]))
  const bare = await send('no content type', storm(), { contentType: null })
  assert.equal(bare.receipts[0]!.status, 'applied')
  const big = await send('a 2 MiB body', storm({ log: { location: 'x'.repeat(2 * 1_048_576) } }), {
    events: 0,
  })
  assert.equal(big.statusCode, 413)
})

test('CP-163: invalid and out-of-range dates are quarantined, naming the date', async () => {
  await quarantined(
    '30 February',
    storm().replace(at, '2026-02-30T10:00:00Z'),
    /event time "2026-02-30T10:00:00Z" is not a date/,
  )
  await quarantined('year 275760', storm().replace(at, '+275760-09-13T00:00:00Z'), /is not a date/)
  await quarantined(
    'year 2201',
    storm().replace(at, '2201-01-01T00:00:00Z'),
    /event time is outside 1850–2200/,
  )
  await quarantined(
    'opened in year 9999',
    storm({ log: { openedAt: '9999-12-31T23:59:59Z' } }),
    /incident openedAt is outside 1850–2200/,
  )
  await quarantined(
    'born in year 0',
    storm({ persons: [person({ dateOfBirth: '0000-01-01' })] }),
    /person 1 date of birth 0000-01-01 is outside 1850–2200/,
  )
  await quarantined('a date that is words', storm().replace(at, 'yesterday'), /is not a date/)
})

test('CP-157: emoji, right-to-left text and combining characters are applied as sent', async () => {
  const rtl = 'Zebedee 🦓 Quillfeather مرحبا עברית e\u0301'
  const { receipts } = await send('emoji and RTL name', storm({ persons: [person({ name: rtl })] }))
  assert.equal(receipts[0]!.status, 'applied', JSON.stringify(receipts[0]))
  const { receipts: astral } = await send(
    'astral characters by escape',
    storm().replace('"LOG_CREATED"', '"LOG_CREATED","note":"\\ud83e\\udd93"'),
  )
  assert.equal(astral[0]!.status, 'applied')
  await quarantined(
    'a lone surrogate',
    storm({ persons: [person({ name: 'Zebedee \ud800 Q' })] }),
    /lone surrogate/,
  )
  await quarantined('a lone low surrogate by escape', storm().replace('"VIC"', '"\\udc00"'), /lone surrogate/)
})

test('CP-157: a repeated event id within one batch is stored as a duplicate of the first', async () => {
  const id = nextId()
  const { receipts } = await send(
    'duplicate ids in a batch',
    [storm({ id }), storm({ id }), storm({ id })].join('\n'),
    {
      batch: true,
      events: 3,
    },
  )
  assert.deepEqual(
    receipts.map((r) => r.status),
    ['applied', 'duplicate', 'duplicate'],
  )
  assert.equal(receipts[1]!.duplicateOf, receipts[0]!.id)
})

test('CP-157: a 1,000-line batch with one bad line: 999 applied, the bad one quarantined', async () => {
  const lines = Array.from({ length: 1000 }, (_, i) =>
    i === 617 ? storm({ id: 'E'.repeat(3000) }) : storm({ persons: [] }),
  )
  const { receipts } = await send('1,000-line batch with one bad line', lines.join('\n'), {
    batch: true,
    events: 1000,
  })
  assert.equal(receipts.filter((r) => r.status === 'applied').length, 999)
  assert.equal(receipts[617]!.status, 'quarantined')
  await send('an empty batch', '\n\n', { batch: true, events: 0 })
  await send('1,001 lines', Array.from({ length: 1001 }, () => '{}').join('\n'), { batch: true, events: 0 })
})

test('CP-174: warehouse rows with awkward values end applied or quarantined', async () => {
  const rows = [
    {
      event_id: `DW-${++seq}`,
      event_type: 'CREATED',
      changed_at: at,
      crime_ref: `BED/DW/${seq}`,
      victim_name: name,
    },
    { event_id: 'W'.repeat(3000), event_type: 'CREATED', changed_at: at, crime_ref: 'BED/DW/x' },
    {
      event_id: `DW-${++seq}`,
      event_type: 'CREATED',
      changed_at: at,
      crime_ref: `BED/DW/${seq}`,
      victim_name: 'N'.repeat(3000),
    },
    {
      event_id: `DW-${++seq}`,
      event_type: 'CREATED',
      changed_at: '0001-01-01T00:00:00Z',
      crime_ref: `BED/DW/${seq}`,
    },
  ]
  tried += rows.length
  const results = await t.app.services.sources.receiveBatch(
    force,
    'warehouse',
    rows.map((row) => ({ payload: JSON.stringify(row), contentType: 'application/json' })),
  )
  assert.deepEqual(
    results.map((r) => r.status),
    ['applied', 'quarantined', 'quarantined', 'quarantined'],
  )
  for (const r of results) if (r.status === 'quarantined') assertReadable('warehouse', r.reason)
})

test('CP-163: a database error is given as a readable reason, never its text', async () => {
  // A CAD reference past the btree limit, applied to the case model directly (the source
  // limits would refuse it earlier): the database refuses it with "index row size …".
  const error = await t.database.db
    .withForce(force, (tx) =>
      t.app.services.cases.applySourceChanges(
        tx,
        force,
        [
          {
            change: {
              kind: 'incident.opened',
              incident: { cadRef: randomBytes(2000).toString('hex') },
              people: [],
            },
            provenance: { sourceSystem: 'storm', sourceEventId: randomUUID(), occurredAt: new Date(at) },
          },
        ],
        { delivery: 'later' },
      ),
    )
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  assert.ok(error, 'the database refuses the value')
  const reason = readableApplyReason(error, 'ref-1')
  assert.equal(reason, 'Could not apply: a value in the event is too long for Waypoint to store')
})

test('CP-163: a name longer than a btree entry (4,000 bytes) is stored and found again by its hash', async () => {
  // Random characters: a repeated one would be compressed below the btree limit.
  const long = `${name} ${Array.from(randomBytes(1400), (b, i) => String.fromCodePoint(0x4e00 + b * 64 + (i % 64))).join('')}`
  const apply = (ref: string) =>
    t.database.db.withForce(force, (tx) =>
      t.app.services.cases.applySourceChanges(
        tx,
        force,
        [
          {
            change: {
              kind: 'incident.opened',
              incident: { cadRef: ref },
              people: [
                {
                  name: long,
                  dateOfBirth: '1984-03-12',
                  role: 'victim',
                  phones: [],
                  emails: [],
                  markers: [],
                },
              ],
            },
            provenance: { sourceSystem: 'storm', sourceEventId: randomUUID(), occurredAt: new Date(at) },
          },
        ],
        { delivery: 'later' },
      ),
    )
  await apply('BED-LONG-1')
  await apply('BED-LONG-2')
  const first = await t.app.services.cases.findIncidentByRef(force, 'BED-LONG-1')
  const second = await t.app.services.cases.findIncidentByRef(force, 'BED-LONG-2')
  assert.ok(first && second)
  const [a, b] = [first, second]
  assert.equal(a.parties[0]?.displayName, long)
  assert.equal(
    a.parties[0]?.personId,
    b.parties[0]?.personId,
    'the second event found the person by name and date of birth',
  )
})

test('CP-166: no planted personal value reaches the log', () => {
  const log = logLines.join('')
  assert.ok(log.length > 0, 'the log was captured')
  for (const value of planted) assert.ok(!log.includes(value), `the log contains ${value}`)
  assert.equal(lost, 0)
  assert.equal(answered500, 0)
})

test('CP-157: the field limits are declared in the API description of both source endpoints', async () => {
  const openapi = (await t.app.http.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
    paths: Record<string, { post?: { description?: string } }>
  }
  for (const path of ['/api/v1/sources/{force}/storm', '/api/v1/sources/{force}/storm/batch']) {
    const description = openapi.paths[path]?.post?.description ?? ''
    assert.match(description, /eventId 200/, path)
    assert.match(description, /person\.name 300/, path)
    assert.match(description, /null character/, path)
  }
})

test('CP-174: a batch is taken again event by event only when the data was refused, not when the database is unavailable', async () => {
  const refused = await t.database.db
    .withForce(force, (tx) => tx.execute(sql`select repeat(md5('x'), 100)::varchar(10)::int`))
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  assert.ok(refused)
  assert.equal(refusedByData(refused), true, 'a value the database refused')
  const client = new pg.Client({ connectionString: 'postgres://nobody@127.0.0.1:1/none' })
  const unreachable = await client.connect().then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.ok(unreachable)
  assert.equal(refusedByData(unreachable), false, 'a database that cannot be reached')
  const shutdown = Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
  })
  assert.equal(
    refusedByData(new Error('Failed query', { cause: shutdown })),
    false,
    'a database shutting down',
  )
})
