// The gazetteer (CRM-32): the embedded AddressBase-style sample matches fuzzily by UPRN; the OS
// Places adapter is tested against a local fake of the API (its find and uprn operations, the key
// header, the DPA records) and connects only where the deployment's allow-list says; the contact's
// caller page searches and confirms an address with the deployment's gazetteer, audited, and
// refuses the wrong users.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { rows } from '../platform/db/database.ts'
import { OutboundPolicy, type OwnDatabase, parseHostRules } from '../platform/outbound.ts'
import { EmbeddedGazetteer, parseCsv } from './gazetteer.ts'
import { OsPlacesGazetteer } from './gazetteer-os-places.ts'

const elsewhere: OwnDatabase = {
  database: 'waypoint',
  systemIdentifier: null,
  serverAddress: null,
  serverPort: null,
}
const loopback = new OutboundPolicy({
  rules: { gazetteer: parseHostRules('127.0.0.1') },
  ownDatabase: async () => elsewhere,
})
const embedded = EmbeddedGazetteer.fromFile()

/** A fake of OS Places: `find` matches words of its addresses, `uprn` one property; the key is checked. */
const places = [
  {
    UPRN: '10093456001',
    ADDRESS: '14, RAINSFORD ROAD, CHELMSFORD, CM1 2QL',
    POSTCODE: 'CM1 2QL',
    X_COORDINATE: 570224.0,
    Y_COORDINATE: 207164.0,
  },
  {
    UPRN: '10093456002',
    ADDRESS: '16, RAINSFORD ROAD, CHELMSFORD, CM1 2QL',
    POSTCODE: 'CM1 2QL',
    X_COORDINATE: 570226.0,
    Y_COORDINATE: 207166.0,
  },
]
const asked: IncomingMessage[] = []
let fake: Server
let fakeUrl: string

before(async () => {
  fake = createServer((request, response) => {
    asked.push(request)
    const url = new URL(request.url ?? '/', 'http://fake')
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (request.headers.key !== 'test-os-key')
      return send(401, { error: { statuscode: 401, message: 'Invalid key' } })
    if (url.pathname === '/search/places/v1/find') {
      const words = (url.searchParams.get('query') ?? '').toUpperCase().split(/\s+/).filter(Boolean)
      const found = places.filter((p) => words.every((w) => p.ADDRESS.includes(w)))
      return send(200, {
        header: { uri: request.url, query: url.searchParams.get('query'), totalresults: found.length },
        ...(found.length ? { results: found.map((p) => ({ DPA: { ...p, MATCH: 0.9 } })) } : {}),
      })
    }
    if (url.pathname === '/search/places/v1/uprn') {
      const found = places.filter((p) => p.UPRN === url.searchParams.get('uprn'))
      if (!found.length)
        return send(400, { error: { statuscode: 400, message: 'Requested UPRN must be valid' } })
      return send(200, { header: { totalresults: 1 }, results: [{ DPA: { ...found[0], MATCH: 1 } }] })
    }
    send(404, {})
  })
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/search/places/v1`
})
after(() => new Promise<void>((resolve) => fake.close(() => resolve())))

test('CRM-32: a gazetteer CSV without a UPRN column stops the start with a readable error; one with it is indexed on first use', async () => {
  assert.throws(
    () => new EmbeddedGazetteer('POSTCODE,THOROUGHFARE\nME14 1XX,HIGH STREET\n'),
    /no UPRN column/,
  )
  const small = new EmbeddedGazetteer(
    'UPRN,BUILDING_NUMBER,THOROUGHFARE,POST_TOWN,POSTCODE\r\n1,2,HIGH STREET,MAIDSTONE,ME14 1XX\r\n',
  )
  assert.equal(small.size, 1)
  assert.equal((await small.byUprn('1'))?.address, '2 HIGH STREET, MAIDSTONE, ME14 1XX')
})

test('CRM-32: the embedded gazetteer reads the AddressBase-style sample and finds addresses by UPRN despite misspellings', async () => {
  assert.ok(embedded.size >= 800)
  const [best] = await embedded.search('14 Rainsfrod Rd, Chelmsford')
  assert.equal(best?.address, '14 RAINSFORD ROAD, CHELMSFORD, CM1 2QL')
  assert.match(best!.uprn, /^\d{12}$/)
  assert.ok(best!.x && best!.y, 'with its grid reference')
  const byPostcode = await embedded.search('CM1 2QL')
  assert.ok(byPostcode.length >= 4)
  assert.ok(byPostcode.every((a) => a.postcode === 'CM1 2QL'))
  // The house number counts: 41 is not 14.
  const [fortyOne] = await embedded.search('41 rainsford road')
  assert.match(fortyOne!.address, /^41 RAINSFORD ROAD/)
  assert.deepEqual(await embedded.byUprn(best!.uprn), { ...best!, match: 1 })
  assert.deepEqual(await embedded.search('zzzz qqqq'), [])
  assert.deepEqual(parseCsv('UPRN,BUILDING_NAME\r\n1,"The ""Old"" Mill, Lane"\n'), [
    ['UPRN', 'BUILDING_NAME'],
    ['1', 'The "Old" Mill, Lane'],
  ])
})

test('CRM-32: the OS Places adapter asks find and uprn with the key header and reads the DPA records', async () => {
  const os = new OsPlacesGazetteer({ baseUrl: fakeUrl, key: 'test-os-key', outbound: loopback })
  const found = await os.search('rainsford road')
  assert.deepEqual(
    found.map((a) => [a.uprn, a.address, a.postcode, a.match]),
    [
      ['10093456001', '14, RAINSFORD ROAD, CHELMSFORD, CM1 2QL', 'CM1 2QL', 0.9],
      ['10093456002', '16, RAINSFORD ROAD, CHELMSFORD, CM1 2QL', 'CM1 2QL', 0.9],
    ],
  )
  const request = new URL(asked.at(-1)!.url!, 'http://fake')
  assert.equal(request.searchParams.get('dataset'), 'DPA')
  assert.equal(request.searchParams.get('maxresults'), '10')
  assert.equal(request.searchParams.get('key'), null, 'the key goes in a header, never the address')
  assert.deepEqual(await os.search('nowhere street'), [])
  assert.equal((await os.byUprn('10093456002'))?.address, '16, RAINSFORD ROAD, CHELMSFORD, CM1 2QL')
  assert.equal(await os.byUprn('999'), undefined)
  const badKey = new OsPlacesGazetteer({ baseUrl: fakeUrl, key: 'wrong', outbound: loopback })
  await assert.rejects(badKey.search('rainsford'), /did not answer/)
})

test('CRM-32: the OS Places adapter connects only to hosts the deployment allows for the gazetteer', async () => {
  const before = asked.length
  const nothing = new OutboundPolicy({
    rules: { gazetteer: [], webhook: parseHostRules('127.0.0.1') },
    ownDatabase: async () => elsewhere,
  })
  const refused = new OsPlacesGazetteer({ baseUrl: fakeUrl, key: 'test-os-key', outbound: nothing })
  await assert.rejects(refused.search('rainsford'), /not allowed to connect/)
  assert.equal(asked.length, before, 'no request reached the server')
})

let t: TestApp
let ana: SignedIn
let ben: SignedIn
let contact: string

test('CRM-32: on the caller page a handler searches the deployment’s gazetteer (OS Places) and confirms the caller’s address by UPRN, audited; others are refused', async () => {
  t = await createTestApp({
    gazetteer: {
      provider: 'os-places',
      osPlacesKey: 'test-os-key',
      osPlacesBaseUrl: fakeUrl,
      csvPath: undefined,
    },
  })
  try {
    const token = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
    const offered = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/contact/essex/telephony/events',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        eventId: 'g-1',
        type: 'call.offered',
        callId: 'g-call',
        occurredAt: new Date().toISOString(),
        caller: '07700900777',
      }),
    })
    contact = (offered.json() as { contact: string }).contact
    ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
    ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
    assert.equal((await ana.post(`/console/contact/queue/contacts/${contact}/claim`)).statusCode, 303)
    const empty = await ana.get(`/console/contact/queue/contacts/${contact}/caller?address=`)
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /govuk-error-summary[\s\S]*Enter an address, a street or a postcode/)
    const search = await ana.get(`/console/contact/queue/contacts/${contact}/caller?address=rainsford+road`)
    assert.equal(search.statusCode, 200)
    assert.match(search.body, /14, RAINSFORD ROAD, CHELMSFORD, CM1 2QL[\s\S]*UPRN 10093456001, match 90%/)
    const none = await ana.post(`/console/contact/queue/contacts/${contact}/caller/address`, {})
    assert.equal(none.statusCode, 400)
    assert.match(none.body, /Choose the caller’s address/)
    const notHis = await ben.post(`/console/contact/queue/contacts/${contact}/caller/address`, {
      uprn: '10093456001',
    })
    assert.equal(notHis.statusCode, 400)
    assert.match(notHis.body, /Only the handler who has this contact may confirm the caller’s address/)
    const supervisor = await t.signInAs(['contact_supervisor'], 'essex')
    assert.equal(
      (
        await supervisor.post(`/console/contact/queue/contacts/${contact}/caller/address`, {
          uprn: '10093456001',
        })
      ).statusCode,
      403,
    )
    const kent = await t.signInAs(['contact_handler'], 'kent')
    assert.equal(
      (await kent.get(`/console/contact/queue/contacts/${contact}/caller?address=rainsford`)).statusCode,
      404,
    )
    const confirmed = await ana.post(`/console/contact/queue/contacts/${contact}/caller/address`, {
      uprn: '10093456001',
    })
    assert.equal(confirmed.statusCode, 303)
    const page = await ana.get(`/console/contact/queue/contacts/${contact}/caller`)
    assert.match(page.body, /<strong>14, RAINSFORD ROAD, CHELMSFORD, CM1 2QL<\/strong> \(UPRN 10093456001\)/)
    const audited = await t.app.db.asSystem((tx) =>
      rows<{ detail: { uprn: string; gazetteer: string } }>(
        tx,
        sql`select detail from audit_events where action = 'contact.address-confirmed' and record_id = ${contact}`,
      ),
    )
    assert.deepEqual(audited[0]?.detail, { uprn: '10093456001', gazetteer: 'os-places' })
  } finally {
    await t.close()
  }
})
