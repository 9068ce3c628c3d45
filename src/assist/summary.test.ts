// Automated summaries end to end: STORM and Athena events build a person, their case and a
// domestic abuse marker; texts arrive from them by the same path as GOV.UK Notify's. A contact
// handler's single view (CRM-11) and an officer's crime page (CP-120) show a summary whose every
// sentence is one the records hold, linked to the record; the marker is surfaced; the force
// administrator's switch (audited) takes it away; other forces' staff and other roles are refused.
// The pages pass axe at 1280 and 320 pixels, and the summary is there without JavaScript.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { Browser } from 'playwright-core'
import { checkAccessibility, launchChromium } from '../../test/support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { anAthenaEvent, aStormEvent } from '../sources/test-support/events.ts'
import { summarise } from './summary.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let handler: SignedIn
let officer: SignedIn
let priya: string
let crimeId: string
let incidentId: string
let itemId: string

const texts = [
  ['2026-06-01T18:00:00Z', 'Thank you for calling me back today.'],
  ['2026-06-02T08:00:00Z', 'Is there any news on my burglary? I am at work until five.'],
  [
    '2026-06-02T21:00:00Z',
    'He came back to the house tonight. He threatened me with a knife and said he would return.',
  ],
  ['2026-06-02T22:00:00Z', 'Ok thanks.'],
] as const

async function receive(system: 'storm' | 'athena', body: string) {
  const result = await t.app.services.sources.receive('essex', system, body, 'application/json')
  assert.equal(result.status, 'applied', result.reason ?? '')
}

/** The summary on a page: each sentence, the item it names and the link to it. */
function summaryOf(body: string) {
  const start = body.indexOf('id="automated-summary"')
  if (start < 0) return null
  const block = body.slice(start, body.indexOf('</details>', start))
  const sentences = [
    ...block.matchAll(
      /<li class="govuk-!-margin-bottom-3" data-summary-item="([^"]+)">\s*<p[^>]*>(?:<strong[^>]*>Risk<\/strong> )?([^<]+)<\/p>\s*<span[^>]*>From (?:<a class="govuk-link" href="([^"]+)">)?/g,
    ),
  ].map((m) => ({ item: m[1]!, text: htmlText(m[2]!), href: m[3] ?? null }))
  return { block, sentences }
}

const htmlText = (s: string) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')

before(async () => {
  t = await createTestApp({}, { clock })
  await receive(
    'storm',
    aStormEvent({
      id: 'AS-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-0101',
      grading: 'PRI',
      log: { openedAt: '2026-06-01T10:00:00Z', incidentType: 'Burglary - residential' },
      persons: [{ nominalId: 'N-11', name: 'Priya Ashby', role: 'VIC', phone: '07700 900931' }],
    }),
  )
  await receive(
    'athena',
    anAthenaEvent({
      id: 'AS-2',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-01T12:00:00Z',
      crimeRef: '42/931/26',
      investigation: {
        linkedLogs: ['ESX-20260601-0101'],
        crimeType: 'Burglary - residential',
        status: 'OPEN',
      },
      persons: [{ urn: 'P-11', name: 'Priya Ashby', role: 'VIC', phone: '07700900931', markers: ['DA'] }],
    }),
  )
  for (let i = 0; i < 3; i++) await t.app.jobs.drain()
  priya = (await t.app.services.cases.search('essex', 'Priya Ashby')).people[0]!.id
  crimeId = (await t.app.services.cases.search('essex', '42/931/26')).cases.find(
    (c) => c.kind === 'crime',
  )!.id
  incidentId = (await t.app.services.cases.search('essex', 'ESX-20260601-0101')).cases.find(
    (c) => c.kind === 'incident',
  )!.id
  // A ready handler takes the texts' contact, and rates it with THRIVE.
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  assert.equal((await handler.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  for (const [i, [at, body]] of texts.entries()) {
    clock.set(new Date(at))
    await t.app.services.conversations.receiveText(
      'essex',
      {
        channel: 'sms',
        provider: 'notify',
        providerRef: `as-in-${i}`,
        from: '07700900931',
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
    rows<{ id: string; assignedTo: string | null }>(
      tx,
      sql`select id, assigned_to as "assignedTo" from contact_items order by enqueued_at limit 1`,
    ),
  )
  itemId = item!.id
  if (item!.assignedTo !== handler.userId)
    assert.equal((await handler.post(`/console/contact/queue/contacts/${itemId}/claim`)).statusCode, 303)
  const rated = await handler.post(`/console/contact/queue/contacts/${itemId}/thrive`, {
    threat: '3',
    harm: '2',
    risk: '2',
    investigation: '1',
    vulnerability: '2',
    engagement: '1',
    note: 'She fears he will come back tonight and will not open the door to anyone.',
  })
  assert.equal(rated.statusCode, 303)
  clock.set(new Date('2026-06-03T09:00:00Z'))
  officer = await t.signInAs(['investigating_officer'], 'essex', 'DC Rhea Stone')
})

after(() => t.close())

test('CRM-11: the single view shows an automated summary whose sentences come from the person’s records and link to them, risk first, and the view is audited', async () => {
  const page = await handler.get(`/console/contact/people/${priya}`)
  assert.equal(page.statusCode, 200)
  const summary = summaryOf(page.body)
  assert.ok(summary, 'the summary is shown')
  assert.match(summary.block, /Automated summary/)
  assert.match(summary.block, /picked by a computer, word for word, from the records below/)
  assert.ok(summary.sentences.length >= 3, `${summary.sentences.length} sentences`)
  // Viewing the summary is viewing the person: audited once for this view.
  const viewed = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'person.viewed' and record_id = ${priya}
          and actor_id = ${handler.userId}`,
    ),
  )
  assert.equal(viewed[0]!.n, 1)
  // Every sentence is one a record holds, and links to that record's page.
  const sources = [
    ...texts.map(([, body]) => body),
    'Incident opened (Prompt)',
    'Crime recorded: Burglary - residential',
    'Marker added: domestic abuse',
    'Person added as victim',
    'She fears he will come back tonight and will not open the door to anyone.',
  ]
  for (const s of summary.sentences) {
    // (A THRIVE assessment's reasons are Waypoint's words; its page is checked below.)
    assert.ok(
      sources.some((body) => body.includes(s.text)) || s.href?.includes('/queue/contacts/'),
      `"${s.text}" is not in the records`,
    )
    assert.ok(s.href, `"${s.text}" links to its record`)
    assert.match(
      s.href,
      /^\/console\/(conversations\/[0-9a-f-]{36}|contact\/queue\/contacts\/[0-9a-f-]{36}|cases\/(crimes|incidents)\/[0-9a-f-]{36}#event-\d+)$/,
    )
    const [path, anchor] = s.href.split('#')
    const record = await handler.get(path!)
    assert.equal(record.statusCode, 200, s.href)
    // The record's page holds the sentence; a CAD or RMS line, at the entry linked to.
    const at = anchor ? record.body.indexOf(`id="${anchor}"`) : 0
    assert.ok(at >= 0, `${s.href} is on its page`)
    assert.ok(htmlText(record.body.slice(at, anchor ? at + 600 : undefined)).includes(s.text), s.href)
  }
  // The threat with a knife is surfaced, marked as risk, and links to the conversation it was in.
  const knife = summary.sentences.find((s) => /knife/.test(s.text))
  assert.ok(knife, 'the risk sentence is in the summary')
  assert.match(knife.item, /^m:/)
  assert.match(summary.block, /<strong class="govuk-tag govuk-tag--orange">Risk<\/strong> He threatened me/)
  // The THRIVE assessment's note is read with the rest, and links to the contact it was made on.
  const thrive = summary.sentences.find((s) => s.href === `/console/contact/queue/contacts/${itemId}`)
  assert.ok(thrive, 'a THRIVE sentence is in the summary')
  assert.match(summary.block, /THRIVE: THRIVE graded [A-Za-z ]+, vulnerable<\/a>/)
  // The marker is surfaced with its source and the record that added it.
  assert.match(
    summary.block,
    /govuk-tag--red">domestic abuse<\/strong> <span class="govuk-body-s">from ATHENA/,
  )
  // Small talk does not make it.
  assert.ok(!summary.sentences.some((s) => s.text === 'Ok thanks.'))
  // It summarises every source, so a view filtered to some sources leaves it out.
  const filtered = await handler.get(`/console/contact/people/${priya}?source=sms`)
  assert.equal(filtered.statusCode, 200)
  assert.equal(summaryOf(filtered.body), null)
})

test('CP-120: the crime page shows the investigating officer a summary of its RMS and CAD records, each sentence linked to its timeline entry, with the marker', async () => {
  const page = await officer.get(`/console/cases/crimes/${crimeId}`)
  assert.equal(page.statusCode, 200)
  const summary = summaryOf(page.body)
  assert.ok(summary, 'the summary is shown')
  assert.ok(summary.sentences.length >= 2)
  for (const s of summary.sentences) {
    assert.match(s.href ?? '', /^#event-\d+$/)
    // The link lands on the timeline entry that holds the sentence.
    const entry = page.body.indexOf(`id="${s.href!.slice(1)}"`)
    assert.ok(entry > 0, `${s.href} is on the page`)
    assert.ok(page.body.slice(entry, entry + 600).includes(s.text), `${s.text} is in its entry`)
  }
  assert.match(summary.block, /govuk-tag--red">domestic abuse<\/strong>/)
  assert.match(summary.block, /Marker added: domestic abuse/)
  // The incident page has its own, from its own timeline.
  const incident = await officer.get(`/console/cases/incidents/${incidentId}`)
  const ofIncident = summaryOf(incident.body)
  assert.ok(ofIncident && ofIncident.sentences.length >= 1)
  for (const s of ofIncident.sentences) assert.ok(incident.body.includes(`id="${s.href!.slice(1)}"`), s.href!)
  const viewed = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'crime.viewed' and record_id = ${crimeId}
          and actor_id = ${officer.userId}`,
    ),
  )
  assert.equal(viewed[0]!.n, 1)
})

test('CRM-11, CP-120: another force’s handler and officer are refused the person and the case, and other roles the pages and the switch', async () => {
  const kentHandler = await t.signInAs(['contact_handler'], 'kent')
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await kentHandler.get(`/console/contact/people/${priya}`)).statusCode, 404)
  assert.equal((await kentOfficer.get(`/console/cases/crimes/${crimeId}`)).statusCode, 404)
  const analyst = await t.signInAs(['analyst'], 'essex')
  assert.equal((await analyst.get(`/console/cases/crimes/${crimeId}`)).statusCode, 403)
  assert.equal((await officer.get(`/console/contact/people/${priya}`)).statusCode, 403)
  assert.equal((await handler.get('/console/assist/summaries')).statusCode, 403)
  assert.equal((await handler.post('/console/assist/summaries', { enabled: 'no' })).statusCode, 403)
  assert.ok(summaryOf((await handler.get(`/console/contact/people/${priya}`)).body), 'still on')
})

test('CRM-11, CP-120: the force administrator switches summaries off, audited, and neither page shows one; a choice is required', async () => {
  const admin = await t.signInAs(['force_admin'], 'essex', 'Essex Admin')
  const form = await admin.get('/console/assist/summaries')
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /name="enabled" type="radio" value="yes" checked/)
  const empty = await admin.post('/console/assist/summaries', {})
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /There is a problem/)
  assert.match(empty.body, /Select whether to show automated summaries/)
  const off = await admin.post('/console/assist/summaries', { enabled: 'no' })
  assert.equal(off.statusCode, 303)
  assert.equal(summaryOf((await handler.get(`/console/contact/people/${priya}`)).body), null)
  assert.equal(summaryOf((await officer.get(`/console/cases/crimes/${crimeId}`)).body), null)
  // Kent's choice is its own.
  assert.equal((await t.app.services.summaries.setting('kent')).enabled, true)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ detail: { enabled: boolean }; forceId: string }>(
      tx,
      sql`select detail, force_id as "forceId" from audit_events where action = 'assist.summaries-switched'
          and actor_id = ${admin.userId}`,
    ),
  )
  assert.deepEqual(audited, [{ detail: { enabled: false }, forceId: 'essex' }])
  assert.equal((await admin.post('/console/assist/summaries', { enabled: 'yes' })).statusCode, 303)
  assert.ok(summaryOf((await handler.get(`/console/contact/people/${priya}`)).body))
})

test('CRM-11: the summary is the same for the same records, whatever their order', () => {
  const items = Array.from({ length: 60 }, (_, i) => ({
    id: `i${i}`,
    kind: 'Text message',
    at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
    title: 'Message received',
    body: `Update ${i} on the burglary at the flat. ${i % 7 === 0 ? 'The neighbour saw a man with a weapon.' : 'Nothing new.'}`,
    href: null,
  }))
  const once = summarise(items)
  assert.deepEqual(summarise([...items].reverse()), once)
  // Near-repeats ("Update 3 …", "Update 4 …") are quoted once, so fewer than five are chosen.
  assert.ok(once.sentences.length >= 3 && once.sentences.length <= 5, `${once.sentences.length}`)
  assert.equal(new Set(once.sentences.map((s) => s.text)).size, once.sentences.length)
  assert.ok(once.sentences.every((s) => s.item.id.startsWith('i')))
  assert.ok(once.sentences.some((s) => s.risk && /weapon/.test(s.text)))
})

test('CRM-11, CP-120: the pages with a summary pass axe at 1280 and 320 pixels, and the summary is there without JavaScript', async () => {
  const baseUrl = (await t.app.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')
  const browser: Browser = await launchChromium()
  try {
    for (const [who, url, expected] of [
      [handler, `/console/contact/people/${priya}`, 'He threatened me with a knife'],
      [officer, `/console/cases/crimes/${crimeId}`, 'Marker added: domestic abuse'],
    ] as const) {
      for (const javaScriptEnabled of [true, false]) {
        const context = await browser.newContext({ baseURL: baseUrl, javaScriptEnabled })
        context.setDefaultTimeout(20_000)
        const at = who.cookie.indexOf('=')
        await context.addCookies([
          {
            name: who.cookie.slice(0, at),
            value: who.cookie.slice(at + 1),
            url: baseUrl,
            httpOnly: true,
            sameSite: 'Lax',
          },
        ])
        const page = await context.newPage()
        for (const width of [1280, 320]) {
          await page.setViewportSize({ width, height: 900 })
          await page.goto(url)
          const details = page.locator('#automated-summary')
          assert.equal(await details.getAttribute('open'), '')
          const sentence = details.locator('li', { hasText: expected }).first()
          assert.ok(await sentence.isVisible())
          // Collapsible: closing it hides the sentences.
          await page.getByText('Automated summary', { exact: true }).click()
          assert.equal(await details.getAttribute('open'), null)
          assert.equal(await sentence.isVisible(), false)
          await page.getByText('Automated summary', { exact: true }).click()
          if (javaScriptEnabled) {
            // axe's WCAG 2.2 AA rules, run in the page itself (browser.ts).
            assert.deepEqual(
              (await checkAccessibility(page)).map((v) => `${v.id}: ${v.help} (${v.targets.join(', ')})`),
              [],
              `${url} at ${width}px`,
            )
          }
          const overflow = await page.evaluate(
            () =>
              document.querySelector('#automated-summary')!.scrollWidth >
              document.documentElement.clientWidth,
          )
          assert.equal(overflow, false, `the summary fits ${width}px`)
        }
        await context.close()
      }
    }
  } finally {
    await browser.close()
  }
})
