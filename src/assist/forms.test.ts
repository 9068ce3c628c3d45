// Assist's standard forms end to end (CRM-20): STORM and Athena events build a person with a date
// of birth, an address, a crime, an incident and a domestic abuse marker; texts arrive from her by
// the same path as GOV.UK Notify's, a handler takes the contact, rates it with THRIVE and adds a
// note. With the force's switch on (off by default, audited), the contact's page offers a
// safeguarding referral; the form comes filled in, each field saying where its value came from;
// the handler's bad input is refused with an error summary and the declared limits; their edited
// submission is kept with how each field stands to the suggestion, audited; the PDF holds the
// submitted values. Other forces' staff, other roles and a force with the switch off are refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { PDFParse } from 'pdf-parse'
import { checkAccessibility, startBrowser } from '../../test/support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { anAthenaEvent, aStormEvent } from '../sources/test-support/events.ts'
import { categoriesIn, changeOf, formDefinition, validate } from './forms.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let handler: SignedIn
let admin: SignedIn
let priya: string
let itemId: string
let conversationId: string
let crimeId: string

const texts = [
  ['2026-06-02T20:00:00Z', 'Is there any news on my burglary?'],
  [
    '2026-06-02T21:00:00Z',
    'He came back to the house tonight. He threatened me with a knife and said he would return. My ex partner has done this before.',
  ],
] as const

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

/** A field on the form page: its value (text, or the boxes ticked) and the sources it names. */
function fieldOn(body: string, name: string) {
  const textarea = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(body)
  const input = new RegExp(`<input[^>]*name="${name}"[^>]*type="text"[^>]*value="([^"]*)"`).exec(body)
  const checked = [
    ...body.matchAll(new RegExp(`name="${name}" type="(?:checkbox|radio)" value="([^"]+)"[^>]*checked`, 'g')),
  ].map((m) => m[1]!)
  const source = new RegExp(`data-source-for="${name}">([\\s\\S]*?)</span>`).exec(body)
  return {
    value: decode(textarea?.[1]?.trim() ?? input?.[1] ?? ''),
    checked,
    automatic: Boolean(source && source[1]!.includes('Filled automatically')),
    sources: source
      ? [...source[1]!.matchAll(/href="([^"]+)">([^<]+)</g)].map((m) => ({
          href: decode(m[1]!),
          label: decode(m[2]!),
        }))
      : [],
  }
}

const audited = (action: string, recordId?: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ detail: Record<string, unknown>; actorId: string; recordId: string }>(
      tx,
      sql`select detail, actor_id as "actorId", record_id as "recordId" from audit_events
          where action = ${action} ${recordId ? sql`and record_id = ${recordId}` : sql``} order by occurred_at, id`,
    ),
  )

before(async () => {
  t = await createTestApp({}, { clock })
  await receive(
    'storm',
    aStormEvent({
      id: 'FM-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-0202',
      grading: 'PRI',
      log: { openedAt: '2026-06-01T10:00:00Z', incidentType: 'Domestic incident' },
      persons: [
        {
          nominalId: 'N-21',
          name: 'Priya Ashby',
          role: 'VIC',
          phone: '07700 900932',
          dateOfBirth: '1990-04-12',
          address: '12 Mill Lane, Chelmsford CM1 1AA',
        },
      ],
    }),
  )
  await receive(
    'athena',
    anAthenaEvent({
      id: 'FM-2',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-01T12:00:00Z',
      crimeRef: '42/932/26',
      investigation: { linkedLogs: ['ESX-20260601-0202'], crimeType: 'Assault', status: 'OPEN' },
      persons: [{ urn: 'P-21', name: 'Priya Ashby', role: 'VIC', phone: '07700900932', markers: ['DA'] }],
    }),
  )
  for (let i = 0; i < 3; i++) await t.app.jobs.drain()
  priya = (await t.app.services.cases.search('essex', 'Priya Ashby')).people[0]!.id
  crimeId = (await t.app.services.cases.search('essex', '42/932/26')).cases.find(
    (c) => c.kind === 'crime',
  )!.id
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  admin = await t.signInAs(['force_admin'], 'essex', 'Essex Admin')
  assert.equal((await handler.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  for (const [i, [at, body]] of texts.entries()) {
    clock.set(new Date(at))
    await t.app.services.conversations.receiveText(
      'essex',
      {
        channel: 'sms',
        provider: 'notify',
        providerRef: `fm-in-${i}`,
        from: '07700900932',
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
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; assignedTo: string | null; conversationId: string }>(
      tx,
      sql`select id, assigned_to as "assignedTo", conversation_id as "conversationId" from contact_items
          order by enqueued_at limit 1`,
    ),
  )
  itemId = item!.id
  conversationId = item!.conversationId
  if (item!.assignedTo !== handler.userId)
    assert.equal((await handler.post(`/console/contact/queue/contacts/${itemId}/claim`)).statusCode, 303)
  const rated = await handler.post(`/console/contact/queue/contacts/${itemId}/thrive`, {
    threat: '3',
    harm: '2',
    risk: '2',
    investigation: '1',
    vulnerability: '2',
    engagement: '1',
    note: 'She is frightened he will come back tonight.',
  })
  assert.equal(rated.statusCode, 303)
  const noted = await handler.post(`/console/contact/queue/contacts/${itemId}/notes`, {
    body: 'Caller says her ex partner has keys to the house.',
  })
  assert.ok([200, 303].includes(noted.statusCode), `${noted.statusCode}`)
  clock.set(new Date('2026-06-03T09:00:00Z'))
})

after(() => t.close())

const prepareUrl = () => `/console/contact/queue/contacts/${itemId}/forms/safeguarding-referral`

test('CRM-20: form filling is off until the force administrator turns it on: not offered and refused; the switch is audited', async () => {
  const page = await handler.get(`/console/contact/queue/contacts/${itemId}`)
  assert.equal(page.statusCode, 200)
  assert.doesNotMatch(page.body, /Prepare a safeguarding referral/)
  assert.equal((await handler.get(prepareUrl())).statusCode, 403)
  const empty = await admin.post('/console/assist/forms/settings', {})
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /There is a problem/)
  assert.match(empty.body, /Select whether to fill in standard forms/)
  assert.equal((await admin.post('/console/assist/forms/settings', { enabled: 'yes' })).statusCode, 303)
  assert.deepEqual(
    (await audited('assist.forms-switched')).map((a) => [a.detail, a.actorId]),
    [[{ enabled: true }, admin.userId]],
  )
  assert.equal((await t.app.services.forms.setting('kent')).enabled, false)
  const offered = await handler.get(`/console/contact/queue/contacts/${itemId}`)
  assert.match(offered.body, new RegExp(`href="${prepareUrl()}">Prepare a safeguarding referral</a>`))
  assert.match(offered.body, /Prepare a public protection notice/)
})

let formId: string

test('CRM-20: the safeguarding referral comes filled in from the contact and the single view, each field marked and linked to its source, and what was shown is kept and audited', async () => {
  const page = await handler.get(prepareUrl())
  assert.equal(page.statusCode, 200, page.body.slice(0, 500))
  formId = /action="\/console\/assist\/forms\/([0-9a-f-]{36})"/.exec(page.body)![1]!
  const person = `/console/contact/people/${priya}`
  const name = fieldOn(page.body, 'subjectName')
  assert.equal(name.value, 'Priya Ashby')
  assert.ok(name.automatic)
  assert.deepEqual(
    name.sources.map((s) => s.href),
    [person],
  )
  assert.equal(fieldOn(page.body, 'dateOfBirth').value, '12/4/1990')
  assert.equal(fieldOn(page.body, 'address').value, '12 Mill Lane, Chelmsford CM1 1AA')
  assert.equal(fieldOn(page.body, 'contactDetails').value, '+447700900932')
  const atRisk = fieldOn(page.body, 'atRisk')
  assert.deepEqual(atRisk.checked, ['adult'])
  assert.match(atRisk.sources[0]!.label, /Date of birth on the single view \(36 years old\)/)
  assert.deepEqual(fieldOn(page.body, 'agency').checked, ['adult-social-care'])
  // The nature of concern: sentences naming a risk, word for word, each linked to its message or note.
  const concern = fieldOn(page.body, 'concern')
  assert.match(concern.value, /He threatened me with a knife and said he would return\./)
  assert.match(concern.value, /Caller says her ex partner has keys to the house\./)
  assert.doesNotMatch(concern.value, /news on my burglary/)
  const [message] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from conversation_messages where body like '%knife%'`),
  )
  const messageLink = `/console/conversations/${conversationId}#message-${message!.id}`
  assert.ok(
    concern.sources.some((s) => s.href === messageLink),
    JSON.stringify(concern.sources),
  )
  assert.ok(concern.sources.some((s) => s.href === `/console/contact/queue/contacts/${itemId}/notes`))
  // Then the person's history as the summary reads it: the crime's marker, linked to its entry.
  assert.match(concern.value, /Marker added: domestic abuse/)
  assert.ok(concern.sources.some((s) => s.href.startsWith(`/console/cases/crimes/${crimeId}#event-`)))
  // The link lands on the message.
  const conversation = await handler.get(`/console/conversations/${conversationId}`)
  const at = conversation.body.indexOf(`id="message-${message!.id}"`)
  assert.ok(at > 0)
  assert.match(decode(conversation.body.slice(at, at + 3000)), /threatened me with a knife/)
  // The kinds of risk: from the words (wink-nlp stems) and the person's domestic abuse marker.
  const category = fieldOn(page.body, 'riskCategory')
  assert.deepEqual(category.checked.sort(), ['domestic-abuse', 'violence'])
  assert.ok(category.sources.some((s) => /domestic abuse marker \(ATHENA\)/.test(s.label)))
  assert.match(
    fieldOn(page.body, 'whatWasSaid').value,
    /Is there any news on my burglary\?[\s\S]*threatened me with a knife/,
  )
  const thrive = fieldOn(page.body, 'thrive')
  assert.match(
    thrive.value,
    /Threat: High; Harm: Medium; Risk: Medium; Investigation: Low; Vulnerability: Medium; Engagement: Low\./,
  )
  assert.match(thrive.value, /Grading: Immediate, vulnerable\./)
  assert.deepEqual(
    thrive.sources.map((s) => s.href),
    [`/console/contact/queue/contacts/${itemId}#thrive`],
  )
  const related = fieldOn(page.body, 'related')
  assert.match(related.value, /42\/932\/26 \(crime\)/)
  assert.match(related.value, /ESX-20260601-0202 \(incident\)/)
  assert.ok(related.sources.some((s) => s.href === `/console/cases/crimes/${crimeId}`))
  assert.equal(fieldOn(page.body, 'referrer').value, 'Sam Handler, contact centre')
  // Declared limits, and the warning that the handler decides.
  assert.match(page.body, /Up to 2000 characters\./)
  assert.match(page.body, /maxlength="2000"/)
  assert.match(page.body, /you decide what is submitted/)
  // Kept, and audited by field name and number of sources, never the values.
  const [prefilled] = await audited('assist.form-prefilled', formId)
  assert.equal(prefilled!.actorId, handler.userId)
  assert.equal(prefilled!.detail.form, 'safeguarding-referral')
  assert.equal((prefilled!.detail.filled as Record<string, number>).concern, concern.sources.length)
  assert.doesNotMatch(JSON.stringify(prefilled!.detail), /knife|Priya/)
  assert.ok((await audited('person.viewed', priya)).some((a) => a.detail.view === 'assist-form'))
})

test('CRM-20: bad input is refused with an error summary, the declared limits and the handler’s values kept; the edited submission records the human’s final choice and each change', async () => {
  const bad = await handler.post(`/console/assist/forms/${formId}`, {
    subjectName: 'Priya Ashby',
    dateOfBirth: '31/2/1990',
    atRisk: 'adult',
    riskCategory: ['violence'],
    concern: 'x'.repeat(2001),
    referrer: '',
    agency: 'adult-social-care',
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /There is a problem/)
  assert.match(bad.body, /href="#concern">Nature of the concern must be 2,000 characters or fewer/)
  assert.match(bad.body, /href="#dateOfBirth">Date of birth must be a real date/)
  assert.match(bad.body, /href="#referrer">Enter referrer/)
  assert.equal(fieldOn(bad.body, 'dateOfBirth').value, '31/2/1990')
  // Still marked with where the suggestion came from.
  assert.ok(fieldOn(bad.body, 'subjectName').automatic)
  const none = await handler.post(`/console/assist/forms/${formId}`, { subjectName: 'Priya Ashby' })
  assert.equal(none.statusCode, 400)
  assert.match(none.body, /Select at least one kind of risk/)
  assert.match(none.body, /Select who is at risk/)

  const page = await handler.get(`/console/assist/forms/${formId}`)
  const keep = (name: string) => fieldOn(page.body, name).value
  const submitted = await handler.post(`/console/assist/forms/${formId}`, {
    subjectName: keep('subjectName'),
    dateOfBirth: keep('dateOfBirth'),
    address: keep('address'),
    contactDetails: keep('contactDetails'),
    atRisk: 'adult',
    riskCategory: ['domestic-abuse', 'violence', 'stalking-harassment'],
    concern: 'Her ex partner threatened her with a knife last night and has keys to her house.',
    whatWasSaid: '',
    thrive: keep('thrive'),
    related: keep('related'),
    referrer: 'Sam Handler, contact centre',
    agency: 'idva',
  })
  assert.equal(submitted.statusCode, 303)
  assert.equal(submitted.headers.location, `/console/assist/forms/${formId}?submitted=1`)
  const [row] = await t.app.db.withForce('essex', (tx) =>
    rows<{
      status: string
      submitted: Record<string, unknown>
      changes: Record<string, { change: string; suggested: unknown; final: unknown }>
    }>(tx, sql`select status, submitted, changes from assist_forms where id = ${formId}`),
  )
  assert.equal(row!.status, 'submitted')
  assert.equal(row!.submitted.agency, 'idva')
  assert.equal(row!.changes.subjectName!.change, 'accepted')
  assert.equal(row!.changes.concern!.change, 'edited')
  assert.match(String(row!.changes.concern!.suggested), /knife/)
  assert.equal(
    row!.changes.concern!.final,
    'Her ex partner threatened her with a knife last night and has keys to her house.',
  )
  assert.equal(row!.changes.riskCategory!.change, 'edited')
  assert.equal(row!.changes.whatWasSaid!.change, 'cleared')
  assert.equal(row!.changes.agency!.change, 'edited')
  assert.equal(row!.changes.referrer!.change, 'accepted')
  // Each change audited by field, without the values; then the submission.
  const changed = await audited('assist.form-field-changed', formId)
  assert.deepEqual(changed.map((a) => `${a.detail.field} ${a.detail.change}`).sort(), [
    'agency edited',
    'concern edited',
    'riskCategory edited',
    'whatWasSaid cleared',
  ])
  assert.ok(changed.every((a) => a.actorId === handler.userId && Object.keys(a.detail).length === 3))
  const [done] = await audited('assist.form-submitted', formId)
  assert.equal(done!.detail.edited, 3)
  assert.equal(done!.detail.cleared, 1)
  // The submitted page shows the handler's values and how each stands to the suggestion.
  const shown = await handler.get(`/console/assist/forms/${formId}?submitted=1`)
  assert.equal(shown.statusCode, 200)
  assert.match(shown.body, /is submitted/)
  assert.match(shown.body, /Independent domestic violence adviser \(IDVA\) service/)
  assert.match(shown.body, /Filled automatically, changed by the referrer/)
  assert.match(shown.body, /Filled automatically, checked by the referrer/)
  assert.ok((await audited('assist-form.viewed', formId)).length >= 2)
  // Once submitted it is not submitted again.
  const again = await handler.post(`/console/assist/forms/${formId}`, { subjectName: 'Someone else' })
  assert.equal(again.statusCode, 400)
  assert.match(again.body, /already been submitted/)
  const list = await handler.get('/console/assist/forms')
  assert.equal(list.statusCode, 200)
  assert.match(list.body, new RegExp(`href="/console/assist/forms/${formId}">Safeguarding referral`))
})

test('CRM-20: the PDF of the submitted referral holds the submitted values, and each download is audited', async () => {
  const pdf = await handler.get(`/console/assist/forms/${formId}/form.pdf`)
  assert.equal(pdf.statusCode, 200)
  assert.equal(pdf.headers['content-type'], 'application/pdf')
  assert.match(String(pdf.headers['content-disposition']), /attachment; filename="safeguarding-referral-/)
  const text = (await new PDFParse({ data: new Uint8Array(pdf.rawPayload) }).getText()).text.replace(
    /\s+/g,
    ' ',
  )
  assert.match(text, /Safeguarding referral/)
  assert.match(text, /Priya Ashby/)
  assert.match(text, /12 Mill Lane, Chelmsford CM1 1AA/)
  assert.match(text, /Her ex partner threatened her with a knife last night and has keys to her house\./)
  assert.match(text, /Independent domestic violence adviser \(IDVA\) service/)
  assert.match(text, /Stalking or harassment/)
  assert.match(text, /Threat: High; Harm: Medium/)
  assert.match(text, /Submitted .* by Sam Handler/)
  assert.match(text, /Filled automatically, changed by the referrer/)
  assert.doesNotMatch(text, /Is there any news on my burglary/)
  assert.equal((await audited('assist-form.downloaded', formId)).length, 1)
})

test('CRM-20: a public protection notice is prepared and submitted from the same definitions', async () => {
  const page = await handler.get(`/console/contact/queue/contacts/${itemId}/forms/public-protection-notice`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<h1 class="govuk-heading-l">Public protection notice<\/h1>/)
  assert.doesNotMatch(page.body, /name="agency"/)
  const id = /action="\/console\/assist\/forms\/([0-9a-f-]{36})"/.exec(page.body)![1]!
  assert.equal(fieldOn(page.body, 'subjectName').value, 'Priya Ashby')
  const done = await handler.post(`/console/assist/forms/${id}`, {
    subjectName: 'Priya Ashby',
    riskCategory: fieldOn(page.body, 'riskCategory').checked,
    concern: fieldOn(page.body, 'concern').value,
    actionTaken: 'Advised to call 999 if he returns; patrol asked to pass the address.',
    referrer: fieldOn(page.body, 'referrer').value,
  })
  assert.equal(done.statusCode, 303)
  const [row] = await t.app.db.withForce('essex', (tx) =>
    rows<{ changes: Record<string, { change: string }> }>(
      tx,
      sql`select changes from assist_forms where id = ${id}`,
    ),
  )
  assert.equal(row!.changes.concern!.change, 'accepted')
  assert.equal(row!.changes.actionTaken!.change, 'entered')
  assert.equal(row!.changes.address!.change, 'cleared')
})

test('CRM-20: without JavaScript a handler goes from the contact to a submitted referral through the error summary; the pages pass axe at 1280 and 320 pixels', async () => {
  const harness = await startBrowser(t)
  try {
    const noJs = await harness.newContext({ javaScriptEnabled: false, signedIn: handler })
    const page = await noJs.newPage()
    await page.goto(`/console/contact/queue/contacts/${itemId}`)
    await page.getByRole('link', { name: 'Prepare a safeguarding referral' }).click()
    await page.getByRole('heading', { level: 1, name: 'Safeguarding referral' }).waitFor()
    const formUrl = new URL(page.url()).pathname
    assert.equal(await page.getByLabel('The subject’s full name').inputValue(), 'Priya Ashby')
    await page.getByLabel('Referrer').fill('')
    await page.getByRole('button', { name: 'Submit safeguarding referral' }).click()
    await page.getByText('There is a problem').waitFor()
    const errorUrl = new URL(page.url()).pathname
    await page.getByRole('link', { name: 'Enter referrer' }).waitFor()
    await page.getByLabel('Referrer').fill('Sam Handler, contact centre (browser)')
    await page.getByRole('button', { name: 'Submit safeguarding referral' }).click()
    await page.getByText('The safeguarding referral is submitted.').waitFor()
    const submittedUrl = new URL(page.url()).pathname
    assert.match(submittedUrl, /^\/console\/assist\/forms\/[0-9a-f-]{36}$/)
    assert.equal(errorUrl, submittedUrl)
    const withJs = await harness.newContext({ signedIn: handler })
    const check = await withJs.newPage()
    const adminContext = await harness.newContext({ signedIn: admin })
    const adminPage = await adminContext.newPage()
    for (const [on, url] of [
      [check, formUrl],
      [check, submittedUrl],
      [check, '/console/assist/forms'],
      [adminPage, '/console/assist/forms/settings'],
    ] as const) {
      for (const width of [1280, 320]) {
        await on.setViewportSize({ width, height: 900 })
        const response = await on.goto(url)
        assert.equal(response?.status(), 200, url)
        assert.deepEqual(await checkAccessibility(on), [], `${url} at ${width}px`)
        const overflow = await on.evaluate(
          () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
        )
        assert.equal(overflow, false, `${url} fits ${width}px`)
      }
    }
    // The form with its error summary, at 320 pixels.
    await check.goto(prepareUrl())
    await check.getByLabel('Nature of the concern').fill('')
    await check.getByRole('button', { name: 'Submit safeguarding referral' }).click()
    await check.getByText('There is a problem').waitFor()
    assert.deepEqual(await checkAccessibility(check), [], 'the form with errors at 320px')
  } finally {
    await harness.close()
  }
})

test('CRM-20: another force’s handler, other roles and the wrong force are refused the forms, and handlers the switch', async () => {
  const kent = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await kent.get(prepareUrl())).statusCode, 403, 'Kent has form filling off')
  await t
    .signInAs(['force_admin'], 'kent')
    .then((a) => a.post('/console/assist/forms/settings', { enabled: 'yes' }))
  assert.equal((await kent.get(prepareUrl())).statusCode, 404)
  assert.equal((await kent.get(`/console/assist/forms/${formId}`)).statusCode, 404)
  assert.equal((await kent.get(`/console/assist/forms/${formId}/form.pdf`)).statusCode, 404)
  assert.equal((await kent.post(`/console/assist/forms/${formId}`, { subjectName: 'x' })).statusCode, 404)
  assert.doesNotMatch((await kent.get('/console/assist/forms')).body, new RegExp(formId))
  const officer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await officer.get(prepareUrl())).statusCode, 403)
  assert.equal((await officer.get(`/console/assist/forms/${formId}`)).statusCode, 403)
  assert.equal((await officer.get(`/console/assist/forms/${formId}/form.pdf`)).statusCode, 403)
  assert.equal((await officer.get('/console/assist/forms')).statusCode, 403)
  assert.equal((await admin.get(`/console/assist/forms/${formId}`)).statusCode, 403)
  assert.equal((await handler.get('/console/assist/forms/settings')).statusCode, 403)
  assert.equal((await handler.post('/console/assist/forms/settings', { enabled: 'no' })).statusCode, 403)
  assert.equal((await t.app.services.forms.setting('essex')).enabled, true)
})

test('CRM-20: switched off again, the forms are not offered, and neither prepared nor submitted', async () => {
  const page = await handler.get(prepareUrl())
  const id = /action="\/console\/assist\/forms\/([0-9a-f-]{36})"/.exec(page.body)![1]!
  assert.equal((await admin.post('/console/assist/forms/settings', { enabled: 'no' })).statusCode, 303)
  assert.doesNotMatch((await handler.get(`/console/contact/queue/contacts/${itemId}`)).body, /Prepare a/)
  assert.equal((await handler.get(prepareUrl())).statusCode, 403)
  assert.equal(
    (await handler.post(`/console/assist/forms/${id}`, { subjectName: 'Priya Ashby' })).statusCode,
    403,
  )
  // What was submitted stays readable.
  assert.equal((await handler.get(`/console/assist/forms/${formId}`)).statusCode, 200)
})

test('CRM-20: the words of risk are found by their stems, and the values are checked against the form’s fields', () => {
  assert.deepEqual(categoriesIn('He threatens her and kicked the door'), ['violence'])
  assert.deepEqual(categoriesIn('She said she wants to kill herself'), ['violence'])
  assert.deepEqual(categoriesIn('I have been thinking about suicide'), ['self-harm'])
  assert.deepEqual(categoriesIn('Her son has not come home from school'), ['child-welfare', 'missing'])
  assert.deepEqual(categoriesIn('Thank you for calling me back'), [])
  const form = formDefinition('safeguarding-referral')!
  const now = new Date('2026-06-03T09:00:00Z')
  const { errors } = validate(
    form,
    { riskCategory: ['violence', 'made-up'], atRisk: 'dog', dateOfBirth: '1/1/2030' },
    now,
  )
  assert.deepEqual(
    errors.map((e) => e.field),
    ['subjectName', 'dateOfBirth', 'atRisk', 'riskCategory', 'concern', 'referrer', 'agency'],
  )
  assert.equal(changeOf({ value: ['a', 'b'], sources: [] }, ['b', 'a']), 'accepted')
  assert.equal(changeOf({ value: 'x', sources: [] }, 'y'), 'edited')
  assert.equal(changeOf(undefined, ''), 'empty')
})
