// Letters from a contact end to end (CRM-21): STORM and Athena events build a person with an
// address, an incident and a crime with its officer; a text from her becomes a contact. A journey
// designer writes a letter in the template editor beside the text message (in English and Welsh,
// with the same placeholders, an unknown one refused). The handler chooses the template and the
// case, previews the letter filled from the case with the address on record, and makes it: a PDF
// kept in the contact's conversation, scanned like any file, on the person's single view and
// audited. The PDF is read back. Other forces, other roles, a person without an address and an
// unmatched sender are refused.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { PDFParse } from 'pdf-parse'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { anAthenaEvent, aStormEvent } from '../sources/test-support/events.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let handler: SignedIn
let designer: SignedIn
let priya: string
let itemId: string
let conversationId: string
let crimeId: string

async function receive(system: 'storm' | 'athena', body: string) {
  const result = await t.app.services.sources.receive('essex', system, body, 'application/json')
  assert.equal(result.status, 'applied', result.reason ?? '')
}

const decode = (s: string) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')

const audited = (action: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ detail: Record<string, unknown>; actorId: string; recordId: string }>(
      tx,
      sql`select detail, actor_id as "actorId", record_id as "recordId" from audit_events
          where action = ${action} order by occurred_at, id`,
    ),
  )

async function text(from: string, ref: string, body: string) {
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: ref,
      from,
      fromName: null,
      to: null,
      subject: null,
      body,
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
}

async function itemOf(address: string) {
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; conversationId: string }>(
      tx,
      sql`select i.id, i.conversation_id as "conversationId" from contact_items i
            join conversations c on c.id = i.conversation_id
          where c.citizen_address_key = ${address} order by i.enqueued_at limit 1`,
    ),
  )
  return item!
}

const letterBody = [
  'Dear ((force_name)) caller,',
  '',
  'We are writing about your report ((crime_reference)) of ((crime_type)). ((officer_name)) is looking after it and its status is ((case_status)).',
  '',
  'Yours sincerely,',
  'The contact centre',
].join('\n')

before(async () => {
  t = await createTestApp({}, { clock })
  await receive(
    'storm',
    aStormEvent({
      id: 'LT-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-0303',
      grading: 'PRI',
      log: { openedAt: '2026-06-01T10:00:00Z', incidentType: 'Burglary - residential' },
      persons: [
        {
          nominalId: 'N-31',
          name: 'Priya Ashby',
          role: 'VIC',
          phone: '07700 900941',
          address: '12 Mill Lane, Chelmsford CM1 1AA',
        },
        { nominalId: 'N-32', name: 'Owen Marsh', role: 'WIT', phone: '07700 900942' },
      ],
    }),
  )
  await receive(
    'athena',
    anAthenaEvent({
      id: 'LT-2',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-01T12:00:00Z',
      crimeRef: '42/941/26',
      investigation: { linkedLogs: ['ESX-20260601-0303'], crimeType: 'Burglary', status: 'OPEN' },
      persons: [{ urn: 'P-31', name: 'Priya Ashby', role: 'VIC', phone: '07700900941' }],
    }),
  )
  await receive(
    'athena',
    anAthenaEvent({
      id: 'LT-3',
      type: 'OFFICER_ASSIGNED',
      at: '2026-06-01T13:00:00Z',
      crimeRef: '42/941/26',
      investigation: { officer: { collarNumber: '4521', name: 'DC Jo Reed', team: 'Chelmsford CID' } },
    }),
  )
  for (let i = 0; i < 3; i++) await t.app.jobs.drain()
  priya = (await t.app.services.cases.search('essex', 'Priya Ashby')).people[0]!.id
  crimeId = (await t.app.services.cases.search('essex', '42/941/26')).cases.find(
    (c) => c.kind === 'crime',
  )!.id
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  designer = await t.signInAs(['journey_designer'], 'essex', 'Dee Designer')
  await text('07700900941', 'lt-in-1', 'Can you send me a letter about my burglary for my insurer?')
  await text('07700900942', 'lt-in-2', 'I saw the burglary, can you write to me?')
  await text('07700900999', 'lt-in-3', 'Who is this?')
  const item = await itemOf('+447700900941')
  itemId = item.id
  conversationId = item.conversationId
})

after(() => t.close())

test('CRM-21: a designer writes a letter in the template editor beside the text message, in English and Welsh, with the same placeholders; an unknown one is refused', async () => {
  const wrong = await designer.post('/console/templates', {
    key: 'insurance-letter',
    title: 'Letter for your insurer',
    smsBody: '((force_name)): we have posted you a letter about ((reference)).',
    letterBody: 'Your report ((crime_refrence)).',
    action: 'save',
  })
  assert.equal(wrong.statusCode, 400)
  assert.match(
    decode(wrong.body),
    /The letter uses \(\(crime_refrence\)\), which Waypoint cannot fill in\. Did you mean \(\(crime_reference\)\)\?/,
  )
  const previewed = await designer.post('/console/templates', {
    key: 'insurance-letter',
    title: 'Letter for your insurer',
    smsBody: '((force_name)): we have posted you a letter about ((reference)).',
    letterBody,
    action: 'preview',
  })
  assert.equal(previewed.statusCode, 200, previewed.body.slice(0, 300))
  assert.match(decode(previewed.body), /<h3 class="govuk-heading-m">Letter<\/h3>/)
  assert.match(decode(previewed.body), /We are writing about your report 37\/12345\/26 of Burglary\./)
  const saved = await designer.post('/console/templates', {
    key: 'insurance-letter',
    title: 'Letter for your insurer',
    smsBody: '((force_name)): we have posted you a letter about ((reference)).',
    letterBody,
    action: 'save',
  })
  assert.equal(saved.statusCode, 303, saved.body.slice(0, 300))
  const welsh = await designer.post('/console/templates/insurance-letter/edit?language=cy', {
    title: 'Letter for your insurer',
    smsBody: '((force_name)): rydym wedi anfon llythyr atoch am ((reference)).',
    letterBody:
      'Annwyl alwr,\n\nRydym yn ysgrifennu am eich adroddiad ((crime_reference)). Mae ((officer_name)) yn gofalu amdano.',
    action: 'save',
  })
  assert.equal(welsh.statusCode, 303, welsh.body.slice(0, 300))
  const versions = await t.app.db.withForce('essex', (tx) =>
    rows<{ channel: string; language: string; version: number }>(
      tx,
      sql`select channel, language, version from message_templates where key = 'insurance-letter'
          order by language, channel`,
    ),
  )
  assert.deepEqual(
    versions.map((v) => `${v.language} ${v.channel} ${v.version}`),
    ['cy letter 1', 'cy sms 1', 'en letter 1', 'en sms 1'],
  )
  const page = await designer.get('/console/templates/insurance-letter')
  assert.match(page.body, /English: letter/)
  assert.match(page.body, /Welsh \(Cymraeg\): letter/)
})

let templateId: string

test('CRM-21: the handler chooses the letter and the case on a contact, and previews it filled from the case with the address on record; a missing choice is refused', async () => {
  const contact = await handler.get(`/console/contact/queue/contacts/${itemId}`)
  assert.match(
    contact.body,
    new RegExp(`href="/console/contact/queue/contacts/${itemId}/letter">Make a letter</a>`),
  )
  const page = await handler.get(`/console/contact/queue/contacts/${itemId}/letter`)
  assert.equal(page.statusCode, 200, page.body.slice(0, 300))
  assert.match(page.body, /id="letter-address">Priya Ashby<br>12 Mill Lane<br>Chelmsford CM1 1AA</)
  assert.match(page.body, /Letter for your insurer \(English\)/)
  assert.match(page.body, /Letter for your insurer \(Welsh\)/)
  assert.match(page.body, /Crime 42\/941\/26/)
  assert.match(page.body, /Incident ESX-20260601-0303/)
  templateId = /value="([0-9a-f-]{36})"[^>]*>\s*<label[^>]*>\s*Letter for your insurer \(English\)/.exec(
    page.body,
  )![1]!

  const empty = await handler.post(`/console/contact/queue/contacts/${itemId}/letter`, { action: 'preview' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /There is a problem/)
  assert.match(empty.body, /Select a letter template/)
  assert.match(decode(empty.body), /Select the case the letter is about, or no case/)

  const noCase = await handler.post(`/console/contact/queue/contacts/${itemId}/letter`, {
    template: templateId,
    case: 'none',
    action: 'preview',
  })
  // Without a case the journeys' words for what is not known yet stand in, as in a message.
  assert.equal(noCase.statusCode, 200, noCase.body.slice(0, 500))
  assert.match(decode(noCase.body), /your report not recorded yet of not recorded yet/)
  assert.doesNotMatch(decode(noCase.body), /Reference: /)

  const preview = await handler.post(`/console/contact/queue/contacts/${itemId}/letter`, {
    template: templateId,
    case: `crime:${crimeId}`,
    action: 'preview',
  })
  assert.equal(preview.statusCode, 200, preview.body.slice(0, 500))
  const shown = decode(preview.body)
  assert.match(shown, /<p class="govuk-body govuk-!-font-weight-bold">Essex Police<\/p>/)
  assert.match(shown, /3 June 2026<br>Reference: 42\/941\/26/)
  assert.match(
    shown,
    /We are writing about your report 42\/941\/26 of Burglary\. .*Jo Reed.* is looking after it/,
  )
  assert.match(shown, /Make the letter/)
  const views = (await audited('person.viewed')).filter(
    (a) => a.recordId === priya && String(a.detail.view).startsWith('letter'),
  )
  assert.deepEqual(
    views.map((v) => v.detail.view),
    ['letter', 'letter', 'letter-preview', 'letter-preview'],
  )
})

test('CRM-21: making the letter keeps a PDF in the conversation, scanned, on the single view and audited; the PDF reads back with the address, the case and the text', async () => {
  const made = await handler.post(`/console/contact/queue/contacts/${itemId}/letter`, {
    template: templateId,
    case: `crime:${crimeId}`,
    action: 'create',
  })
  assert.equal(made.statusCode, 303, made.body.slice(0, 500))
  const letterUrl = String(made.headers.location).replace(/\?made=1$/, '')
  const letterId = letterUrl.split('/').pop()!
  const waiting = await handler.get(letterUrl)
  assert.equal(waiting.statusCode, 200)
  assert.match(waiting.body, /Waiting for its virus scan/)

  await t.app.jobs.drain()
  const page = await handler.get(letterUrl)
  const download =
    /href="(\/console\/conversations\/[0-9a-f-]{36}\/attachments\/[0-9a-f-]{36})" download>Download the letter/.exec(
      page.body,
    )
  assert.ok(download, page.body.slice(0, 2000))
  assert.ok(download[1]!.startsWith(`/console/conversations/${conversationId}/`))
  const pdf = await handler.get(download[1]!)
  assert.equal(pdf.statusCode, 200)
  assert.equal(pdf.headers['content-type'], 'application/pdf')
  assert.match(
    String(pdf.headers['content-disposition']),
    /attachment; filename="letter-insurance-letter-2026-06-03\.pdf"/,
  )
  const parsed = (await new PDFParse({ data: new Uint8Array(pdf.rawPayload) }).getText()).text.replace(
    /\s+/g,
    ' ',
  )
  for (const expected of [
    'Essex Police',
    'Priya Ashby 12 Mill Lane Chelmsford CM1 1AA',
    '3 June 2026',
    'Reference: 42/941/26',
    'Letter for your insurer',
    'Dear Essex Police caller,',
    'We are writing about your report 42/941/26 of Burglary.',
    'Jo Reed',
    'Yours sincerely, The contact centre',
  ])
    assert.ok(parsed.includes(expected), `the PDF says ${expected}: ${parsed}`)

  const [stored] = await t.app.db.withForce('essex', (tx) =>
    rows<{ sha256: string; scanStatus: string; channel: string; status: string; templateVersion: number }>(
      tx,
      sql`select l.sha256, a.scan_status as "scanStatus", m.channel, m.delivery_status as status,
            l.template_version as "templateVersion"
          from contact_letters l join conversation_attachments a on a.id = l.attachment_id
            join conversation_messages m on m.id = l.message_id where l.id = ${letterId}`,
    ),
  )
  assert.deepEqual(
    { ...stored, sha256: undefined },
    { sha256: undefined, scanStatus: 'clean', channel: 'letter', status: 'queued', templateVersion: 1 },
  )
  assert.equal(stored!.sha256, createHash('sha256').update(pdf.rawPayload).digest('hex'))

  const [created] = await audited('contact-letter.created')
  assert.equal(created!.actorId, handler.userId)
  assert.equal(created!.recordId, letterId)
  assert.deepEqual(
    { ...created!.detail, attachment: undefined, sha256: undefined, bytes: undefined },
    {
      contact: itemId,
      person: priya,
      template: 'insurance-letter',
      version: 1,
      language: 'en',
      crime: crimeId,
      attachment: undefined,
      sha256: undefined,
      bytes: undefined,
    },
  )
  assert.equal(created!.detail.sha256, stored!.sha256)
  assert.equal((await audited('conversation-attachment.viewed')).length, 1, 'the download is audited')

  const view = await handler.get(`/console/contact/people/${priya}?source=letter`)
  assert.equal(view.statusCode, 200)
  assert.match(view.body, /Letter: Letter for your insurer/)
  const conversation = await handler.get(`/console/conversations/${conversationId}`)
  assert.match(conversation.body, /Letter \(PDF\)/)
  assert.match(conversation.body, /To print and post/)
  assert.match(conversation.body, /Download letter-insurance-letter-2026-06-03\.pdf/)
})

test('CRM-21: another force finds no letter, roles outside contact are refused, and a person without an address or an unmatched sender gets none', async () => {
  const [letter] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; attachmentId: string }>(
      tx,
      sql`select id, attachment_id as "attachmentId" from contact_letters limit 1`,
    ),
  )
  const download = `/console/conversations/${conversationId}/attachments/${letter!.attachmentId}`
  const kent = await t.signInAs(['contact_handler'], 'kent', 'Kent Handler')
  assert.equal((await kent.get(`/console/contact/letters/${letter!.id}`)).statusCode, 404)
  assert.equal((await kent.get(`/console/contact/queue/contacts/${itemId}/letter`)).statusCode, 404)
  assert.equal((await kent.get(download)).statusCode, 404)
  const kentMade = await kent.post(`/console/contact/queue/contacts/${itemId}/letter`, {
    template: templateId,
    case: 'none',
    action: 'create',
  })
  assert.equal(kentMade.statusCode, 404)

  const officer = await t.signInAs(['investigating_officer'], 'essex', 'DC Hale')
  assert.equal((await officer.get(`/console/contact/queue/contacts/${itemId}/letter`)).statusCode, 403)
  assert.equal((await officer.get(`/console/contact/letters/${letter!.id}`)).statusCode, 403)
  assert.equal(
    (
      await officer.post(`/console/contact/queue/contacts/${itemId}/letter`, {
        template: templateId,
        case: `crime:${crimeId}`,
        action: 'create',
      })
    ).statusCode,
    403,
  )
  assert.equal(
    (await designer.get(download)).statusCode,
    403,
    'a journey designer does not read conversations',
  )
  assert.equal((await officer.get(download)).statusCode, 200, 'those who read conversations may download it')

  const witness = (await itemOf('+447700900942')).id
  const noAddress = await handler.post(`/console/contact/queue/contacts/${witness}/letter`, {
    template: templateId,
    case: 'none',
    action: 'create',
  })
  assert.equal(noAddress.statusCode, 400)
  assert.match(noAddress.body, /The person has no address on record/)
  const stranger = (await itemOf('+447700900999')).id
  assert.equal((await handler.get(`/console/contact/queue/contacts/${stranger}/letter`)).statusCode, 409)
  const count = await t.app.db.withForce('essex', (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_letters`),
  )
  assert.equal(count[0]!.n, 1)
})
