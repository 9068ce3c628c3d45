// Contact's single view pages in Chromium: a contact handler finds a person, reads their single
// view, finds another record of them, merges it without JavaScript, unmerges it, and settles a
// disagreement between CAD and RMS. Each page gets every console check (one h1, axe at 1280 and
// 320 px, no sideways scroll at 320 px or with text at 200%, and the page without JavaScript).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { FixedClock } from '../../src/platform/clock.ts'
import { anAthenaEvent, aStormEvent } from '../../src/sources/test-support/events.ts'
import { type BrowserHarness, startBrowser } from '../support/browser.ts'
import { checkLoadedPage, checkPages as checkPagesIn } from '../support/page-checks.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let browser: BrowserHarness
let handler: SignedIn
let alex: string
let alec: string
let queuedItem: string

before(async () => {
  t = await createTestApp({}, { clock })
  const receive = async (system: 'storm' | 'athena', body: string) =>
    assert.equal(
      (await t.app.services.sources.receive('essex', system, body, 'application/json')).status,
      'applied',
    )
  await receive(
    'storm',
    aStormEvent({
      id: 'CB-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-0100',
      grading: 'PRI',
      log: { openedAt: '2026-06-01T10:00:00Z', incidentType: 'Criminal damage' },
      persons: [
        {
          nominalId: 'N-100',
          name: 'Alex Morgan-Whitfield',
          dateOfBirth: '1990-01-02',
          role: 'VIC',
          phone: '07700 900100',
        },
      ],
    }),
  )
  await receive(
    'athena',
    anAthenaEvent({
      id: 'CB-2',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-01T12:00:00Z',
      crimeRef: '42/100/26',
      investigation: { linkedLogs: ['ESX-20260601-0100'], crimeType: 'Criminal damage', status: 'OPEN' },
      persons: [
        {
          urn: 'P-100',
          name: 'Alex Morgan-Whitfield',
          dateOfBirth: '1990-02-01',
          role: 'VIC',
          phone: '07700900100',
        },
      ],
    }),
  )
  await receive(
    'athena',
    anAthenaEvent({
      id: 'CB-3',
      type: 'INVESTIGATION_CREATED',
      at: '2026-05-01T12:00:00Z',
      crimeRef: '42/050/26',
      investigation: { crimeType: 'Theft', status: 'OPEN' },
      persons: [{ urn: 'P-101', name: 'Alec Morgan Whitfield', dateOfBirth: '1990-01-02', role: 'VIC' }],
    }),
  )
  alex = (await t.app.services.cases.search('essex', 'Alex Morgan')).people[0]!.id
  alec = (await t.app.services.cases.search('essex', 'Alec Morgan')).people[0]!.id
  browser = await startBrowser(t)
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
})

after(async () => {
  await browser?.close()
  await t?.close()
})

async function checkPages(paths: [string, string][], who: SignedIn = handler) {
  const context = await browser.newContext({ signedIn: who })
  const plain = await browser.newContext({ signedIn: who, javaScriptEnabled: false })
  try {
    await checkPagesIn(context, plain, paths)
  } finally {
    await context.close()
    await plain.close()
  }
}

test('CRM-10, CRM-14: finding a person, their single view, the records that may be them and the discrepancies list meet WCAG 2.2 AA, fit 320 px and work without JavaScript', async () => {
  await checkPages([
    ['/console/contact/people?q=Morgan', 'contact-find-person'],
    [`/console/contact/people/${alex}`, 'contact-single-view'],
    [`/console/contact/people/${alex}?source=cad&source=rms`, 'contact-single-view-filtered'],
    [`/console/contact/people/${alex}/matches`, 'contact-matches'],
    ['/console/contact/discrepancies', 'contact-discrepancies'],
  ])
})

test('CRM-10: without JavaScript a handler merges a record, sees a refused form with its error summary, and unmerges it', async () => {
  const context = await browser.newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await context.newPage()
    await page.goto(`/console/contact/people/${alex}/matches`)
    await page.getByRole('button', { name: 'Merge into this view' }).click()
    await page.locator('.govuk-error-summary').getByText('Choose the record to merge').waitFor()
    await page.getByLabel(/Alec Morgan Whitfield/).check()
    await page.getByRole('button', { name: 'Merge into this view' }).click()
    await page.getByText('The records are merged into this view.').waitFor()
    assert.match((await page.locator('main').textContent()) ?? '', /42\/050\/26/)
    await page.getByRole('link', { name: /Unmerge/ }).click()
    await page.getByRole('button', { name: 'Unmerge' }).click()
    await page
      .locator('.govuk-error-summary')
      .getByText('Enter why the records are not the same person')
      .waitFor()
  } finally {
    await context.close()
  }
  const link = (await t.app.services.contact.singleView.view('essex', alex, { pageSize: 1 }, async () => {}))
    .merged[0]!
  await checkPages([[`/console/contact/people/${alex}/links/${link.id}/unmerge`, 'contact-unmerge']])
  const context2 = await browser.newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await context2.newPage()
    await page.goto(`/console/contact/people/${alex}/links/${link.id}/unmerge`)
    await page.getByLabel('Why are they not the same person?').fill('Brothers: the caller confirmed')
    await page.getByRole('button', { name: 'Unmerge' }).click()
    await page.getByText('The records are unmerged.').waitFor()
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /42\/050\/26/)
  } finally {
    await context2.close()
  }
  assert.ok(alec)
})

test('CRM-14, CRM-12: without JavaScript a handler settles a date of birth CAD and RMS disagree about', async () => {
  const context = await browser.newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await context.newPage()
    await page.goto(`/console/contact/people/${alex}`)
    await page.getByRole('button', { name: 'Send the correction to the source systems' }).click()
    await page.locator('.govuk-error-summary').getByText('Choose the right date of birth').waitFor()
    await page.getByLabel('1990-01-02').check()
    await page.getByRole('button', { name: 'Send the correction to the source systems' }).click()
    await page.getByText('The correction is recorded and sent to the source systems.').waitFor()
    assert.match((await page.locator('main').textContent()) ?? '', /sent to ATHENA/)
  } finally {
    await context.close()
  }
})

test('the live queue and a contact meet WCAG 2.2 AA and fit 320 px; without JavaScript a handler becomes ready, is given the contact, ends it and records its outcome', async () => {
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'browser-queue-1',
      from: '07700900100',
      fromName: null,
      to: null,
      subject: null,
      body: 'Any news about the damage to my car?',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [item] = (
    await t.app.services.contact.queue.board(
      'essex',
      { actor: { kind: 'staff', id: handler.userId }, staffId: handler.userId, name: 'Sam Handler' },
      async () => {},
    )
  ).waiting
  assert.ok(item)
  queuedItem = item.id
  await checkPages([
    ['/console/contact/queue', 'contact-queue'],
    [`/console/contact/queue/contacts/${item.id}`, 'contact-waiting'],
  ])
  const context = await browser.newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await context.newPage()
    await page.goto('/console/contact/queue')
    await page.getByLabel('Not ready', { exact: true }).check()
    await page.getByRole('button', { name: 'Change state' }).click()
    await page.locator('.govuk-error-summary').getByText('Choose why you are not ready').waitFor()
    await page.getByLabel('Ready for contacts').check()
    await page.getByRole('button', { name: 'Change state' }).click()
    await page.getByRole('heading', { name: /You are Ready/ }).waitFor()
    await page.locator('main').getByRole('link', { name: 'Alex Morgan-Whitfield' }).first().click()
    await page.getByRole('button', { name: 'End contact and wrap up' }).click()
    await page.getByRole('heading', { name: 'Outcome' }).waitFor()
  } finally {
    await context.close()
  }
  await checkPages([[`/console/contact/queue/contacts/${item.id}`, 'contact-wrap-up']])
  const plain = await browser.newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await plain.newPage()
    await page.goto(`/console/contact/queue/contacts/${item.id}`)
    await page.getByRole('button', { name: 'Record outcome' }).click()
    await page.locator('.govuk-error-summary').getByText('Choose the outcome of the contact').waitFor()
    await page.getByLabel('Asked for an update on their case').check()
    await page.getByRole('button', { name: 'Record outcome' }).click()
    await page.getByText('You have no contacts.').waitFor()
  } finally {
    await plain.close()
  }
})

test("a contact's private notes and the queue's mention notice meet WCAG 2.2 AA and fit 320 px; without JavaScript a handler adds a note after an error summary", async () => {
  const pat = await t.signInAs(['contact_handler'], 'essex', 'Pat Handler')
  await t.app.services.contact.tools.addNote(
    'essex',
    queuedItem,
    { body: 'Please call back after 5pm', mention: [handler.userId] },
    { actor: { kind: 'staff', id: pat.userId }, staffId: pat.userId, name: 'Pat Handler' },
  )
  await checkPages([['/console/contact/queue', 'contact-queue-mention']])
  const plain = await browser.newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await plain.newPage()
    await page.goto('/console/contact/queue')
    await page.getByRole('link', { name: 'Pat Handler mentioned you in a note on a contact' }).click()
    await page.getByText('Please call back after 5pm').waitFor()
    await page.getByRole('button', { name: 'Add note' }).click()
    await page.locator('.govuk-error-summary').getByText('Enter the note').waitFor()
    await page.getByLabel('Add a note').fill('Called back; no answer')
    await page.getByLabel('Pat Handler').check()
    await page.getByRole('button', { name: 'Add note' }).click()
    await page.getByText('Called back; no answer').waitFor()
    assert.match((await page.locator('main').textContent()) ?? '', /Mentioned: Pat Handler/)
  } finally {
    await plain.close()
  }
  await checkPages([[`/console/contact/queue/contacts/${queuedItem}/notes`, 'contact-notes']])
})

test('CRM-21: the canned responses pages and the reply page meet WCAG 2.2 AA and fit 320 px; without JavaScript a supervisor adds one after an error summary and a handler puts it into a reply', async () => {
  const sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  const plain = await browser.newContext({ signedIn: sue, javaScriptEnabled: false })
  try {
    const page = await plain.newPage()
    await page.goto('/console/contact/canned-responses')
    await page.getByRole('button', { name: 'Add response' }).click()
    await page.locator('.govuk-error-summary').getByText('Enter a title').waitFor()
    await page.getByLabel('Title').fill('Case update')
    await page.getByLabel('Response').fill('Your officer will call you within 2 working days.')
    await page.getByRole('button', { name: 'Add response' }).click()
    await page.getByText('Your officer will call you within 2 working days.').waitFor()
  } finally {
    await plain.close()
  }
  const [response] = await t.app.services.contact.canned.list('essex')
  assert.ok(response)
  const supervisorContext = await browser.newContext({ signedIn: sue })
  const supervisorPlain = await browser.newContext({ signedIn: sue, javaScriptEnabled: false })
  try {
    await checkPagesIn(supervisorContext, supervisorPlain, [
      ['/console/contact/canned-responses', 'contact-canned-responses'],
      [`/console/contact/canned-responses/${response.id}`, 'contact-canned-response'],
    ])
  } finally {
    await supervisorContext.close()
    await supervisorPlain.close()
  }
  const handlerPlain = await browser.newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await handlerPlain.newPage()
    await page.goto(`/console/contact/queue/contacts/${queuedItem}`)
    await page.getByRole('link', { name: 'Reply with a canned response' }).click()
    await page.getByLabel('Canned response').selectOption({ label: 'Case update' })
    await page.getByRole('button', { name: 'Use this response' }).click()
    assert.equal(
      await page.getByLabel('Your reply').inputValue(),
      'Your officer will call you within 2 working days.',
    )
  } finally {
    await handlerPlain.close()
  }
  await checkPages([
    [`/console/contact/queue/contacts/${queuedItem}/reply?canned=${response.id}`, 'contact-reply'],
  ])
})

test('the labels pages and the queue filtered by a label meet WCAG 2.2 AA and fit 320 px; without JavaScript a supervisor adds a label after an error summary and a handler puts it on a contact and filters the queue by it', async () => {
  const sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Labels')
  const supervisorPlain = await browser.newContext({ signedIn: sue, javaScriptEnabled: false })
  try {
    const page = await supervisorPlain.newPage()
    await page.goto('/console/contact/labels')
    await page.getByRole('button', { name: 'Add label' }).click()
    await page.locator('.govuk-error-summary').getByText('Enter the label').waitFor()
    await page.getByLabel('Label').fill('Complaint')
    await page.getByRole('button', { name: 'Add label' }).click()
    await page.locator('.govuk-tag', { hasText: 'Complaint' }).waitFor()
  } finally {
    await supervisorPlain.close()
  }
  const supervisorContext = await browser.newContext({ signedIn: sue })
  const supervisorChecks = await browser.newContext({ signedIn: sue, javaScriptEnabled: false })
  try {
    const page = await supervisorContext.newPage()
    assert.equal((await page.goto('/console/contact/labels'))?.status(), 200)
    const findings = await checkLoadedPage(
      page,
      await supervisorChecks.newPage(),
      '/console/contact/labels',
      'contact-labels',
    )
    assert.deepEqual(findings.problems, [], findings.widths)
  } finally {
    await supervisorContext.close()
    await supervisorChecks.close()
  }
  const [label] = await t.app.services.contact.labels.list('essex')
  assert.ok(label)
  const handlerPlain = await browser.newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await handlerPlain.newPage()
    await page.goto(`/console/contact/queue/contacts/${queuedItem}`)
    await page.getByRole('link', { name: 'Labels', exact: true }).click()
    await page.getByLabel('Complaint').check()
    await page.getByRole('button', { name: 'Save labels' }).click()
    await page.getByText(/Now:\s*Complaint/).waitFor()
    await page.goto('/console/contact/queue')
    await page.getByLabel('Show contacts labelled').selectOption({ label: 'Complaint' })
    await page.getByRole('button', { name: 'Show', exact: true }).click()
    assert.match(page.url(), new RegExp(`label=${label.id}`))
  } finally {
    await handlerPlain.close()
  }
  await checkPages([
    [`/console/contact/queue/contacts/${queuedItem}/labels`, 'contact-item-labels'],
    [`/console/contact/queue?label=${label.id}`, 'contact-queue-labelled'],
  ])
})

test('CRM-23: the quality scorecard, a contact being scored, a handler’s scored review and the quality report meet WCAG 2.2 AA, fit 320 px and work without JavaScript', async () => {
  const sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Quality')
  const quinn = await t.signInAs(['contact_handler'], 'essex', 'Quinn Handler')
  // Sam goes offline, so routing leaves the next text for Quinn to claim.
  assert.equal((await handler.post('/console/contact/queue/state', { state: 'offline' })).statusCode, 303)
  const received = await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'browser-qa-1',
      from: '07700900177',
      fromName: null,
      to: null,
      subject: null,
      body: 'Has anyone looked at the CCTV yet?',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const quinnActing = {
    actor: { kind: 'staff' as const, id: quinn.userId },
    staffId: quinn.userId,
    name: 'Quinn Handler',
  }
  const item = (await t.app.services.contact.queue.board('essex', quinnActing, async () => {})).waiting.find(
    (i) => i.conversationId === received.conversationId,
  )!
  const base = `/console/contact/queue/contacts/${item.id}`
  assert.equal((await quinn.post(`${base}/claim`)).statusCode, 303)
  assert.equal((await quinn.post(`${base}/end`)).statusCode, 303)
  assert.equal((await quinn.post(`${base}/outcome`, { outcome: 'information-given' })).statusCode, 303)
  assert.equal(
    (
      await sue.post('/console/contact/qa/scorecard', {
        name: 'Contact quality',
        samplePercent: '100',
        lowRatingMax: '2',
        complaintLabel: '',
      })
    ).statusCode,
    303,
  )
  for (const q of [
    { text: 'THRIVE assessed', weight: '10', failAll: 'yes' },
    { text: 'Tone and empathy', weight: '30' },
  ] as Record<string, string>[])
    assert.equal((await sue.post('/console/contact/qa/scorecard/questions', q)).statusCode, 303)
  assert.equal((await sue.post('/console/contact/qa/sample')).statusCode, 303)
  const review = (await t.app.services.contact.qa.reviews('essex')).toScore.find((r) => r.itemId === item.id)!
  assert.ok(review)
  await checkPages(
    [
      ['/console/contact/qa/scorecard', 'contact-qa-scorecard'],
      [`/console/contact/qa/reviews/${review.id}`, 'contact-qa-scoring'],
    ],
    sue,
  )
  const { questions } = await t.app.services.contact.qa.scorecard('essex')
  const scored = await sue.post(`/console/contact/qa/reviews/${review.id}/score`, {
    [`q-${questions[0]!.id}`]: 'na',
    [`q-${questions[1]!.id}`]: 'yes',
    comment: 'Clear and kind.',
  })
  assert.equal(scored.statusCode, 303)
  await checkPages([[`/console/contact/qa/reviews/${review.id}`, 'contact-qa-my-review']], quinn)
  await checkPages([['/console/contact/qa/report', 'contact-qa-report']], sue)
})
