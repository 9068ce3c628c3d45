// The Portal's force pages through HTTP (decision 0035): rights and support, complaints, help and
// the Single Online Home links, each force's own words written by its administrator without code
// (safely, in versions, under second-person approval when the force wants it), the feedback
// survey, and the usage and satisfaction report; and who may do what (role, force, product).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { aSignedInCitizen, anInvitation, aVictimCase } from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'
import { parseContent } from './content.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  await t.app.services.portal.installDefaults('essex')
})
after(() => t?.close())

let seq = 0
/** A Kent victim with an account linked to their crime, signed in. */
async function aSignedInVictim(forceId = 'kent') {
  seq += 1
  const email = `content${seq}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    forceId,
    crimeRef: `46/${61000 + seq}/26`,
    eventId: `ATH-CONTENT-${seq}`,
    urn: `P-CONTENT-${seq}`,
    name: `Content Victim ${seq}`,
    phone: `0770093${String(seq).padStart(4, '0')}`,
    email,
  })
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: await anInvitation(t.app, forceId, crime),
    forceId,
  })
  return { crime, account, browser: await aSignedInCitizen(t.app, account.id, forceId) }
}

const kentAudit = (action: string) =>
  t.app.db.withForce('kent', (tx) =>
    rows<{ detail: Record<string, unknown>; actor_id: string | null }>(
      tx,
      sql`select detail, actor_id from audit_events where action = ${action} order by id`,
    ),
  )

test('CP-122, CP-132, CP-143, CP-144: the force pages give the Victims’ Code rights, support, how to complain and help with the force’s own name and phone number', async () => {
  const rights = await t.app.http.inject({ method: 'GET', url: '/f/kent/your-rights' })
  assert.equal(rights.statusCode, 200)
  assert.match(rights.body, /<h1 class="govuk-heading-l">Your rights as a victim and support services<\/h1>/)
  assert.match(rights.body, /Kent Police must give you these rights/)
  assert.match(rights.body, /to make a complaint about your rights not being met/)
  assert.match(rights.body, /href="tel:08081689111"/)
  assert.match(rights.body, /govuk-exit-this-page/)
  const complaints = await t.app.http.inject({ method: 'GET', url: '/f/kent/complaints' })
  assert.match(complaints.body, /Right 12/)
  assert.match(complaints.body, /href="https:\/\/www.policeconduct.gov.uk\/complaints-and-reviews"/)
  assert.match(
    complaints.body,
    /href="https:\/\/www.kent.police.uk\/contact\/af\/contact-us\/">Contact Kent Police online/,
  )
  // CP-144: what the built-in help cannot solve is referred to the force, by phone and online.
  const help = await t.app.http.inject({ method: 'GET', url: '/f/kent/help' })
  assert.match(help.body, /If this does not help/)
  assert.match(help.body, /Contact Kent Police on 101/)
  assert.match(help.body, /Contact Kent Police online/)
  // Every force page's footer links the others.
  for (const path of ['your-rights', 'complaints', 'help', 'online-services', 'feedback'])
    assert.match(help.body, new RegExp(`class="govuk-footer__link" href="/f/kent/${path}"`))
  // A force without the Portal has no such pages, nor has a force that does not exist.
  await t.app.services.forces.setProducts('suffolk', ['journeys'])
  assert.equal((await t.app.http.inject({ method: 'GET', url: '/f/suffolk/your-rights' })).statusCode, 404)
  assert.equal((await t.app.http.inject({ method: 'GET', url: '/f/nowhere/help' })).statusCode, 404)
})

test('CP-22, CP-73, CP-75, CP-122, CP-132: a signed-in person’s cases and case page link their force’s Single Online Home and the rights and complaints pages', async () => {
  const { crime, browser } = await aSignedInVictim()
  const dashboard = await browser.get('/portal')
  assert.equal(dashboard.statusCode, 200)
  assert.match(
    dashboard.body,
    /href="https:\/\/www.kent.police.uk\/ro\/report\/">Report a crime or incident to Kent Police/,
  )
  assert.match(
    dashboard.body,
    /href="https:\/\/www.kent.police.uk\/advice\/">Advice and information from Kent Police/,
  )
  assert.match(dashboard.body, /href="https:\/\/www.kent.police.uk\/a\/your-area\/">Your area/)
  assert.match(
    dashboard.body,
    /href="https:\/\/www.kent.police.uk\/contact\/af\/contact-us\/">Contact Kent Police/,
  )
  // The signed-in footer names the person's force.
  assert.match(dashboard.body, /class="govuk-footer__link" href="\/f\/kent\/your-rights"/)
  const page = await browser.get(`/portal/cases/${crime.crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /href="\/f\/kent\/your-rights">Your rights as a victim and support services/)
  assert.match(page.body, /href="\/f\/kent\/complaints">How to complain if your rights are not met/)
  assert.match(page.body, /href="https:\/\/www.kent.police.uk\/a\/your-area\/"/)
  const online = await t.app.http.inject({ method: 'GET', url: '/f/kent/online-services' })
  assert.match(online.body, /Single Online Home/)
  assert.match(online.body, /href="https:\/\/www.kent.police.uk\/ro\/report\/"/)
})

test('CP-186: a force administrator publishes the rights page’s words without code; they are text, never HTML, kept in versions and audited', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kim Admin')
  const list = await admin.get('/console/portal/content')
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /Waypoint’s words/)
  const editor = await admin.get('/console/portal/content/rights')
  assert.equal(editor.statusCode, 200)
  assert.match(editor.body, /to be able to understand and to be understood/)

  // HTML and links that are not https://, mailto:, tel: or this site are refused, by field.
  const refused = await admin.post('/console/portal/content/rights', {
    body: 'Hello <script>alert(1)</script>\n\n[click](javascript:alert(1))',
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary/)
  assert.match(refused.body, /href="#body"/)
  assert.match(refused.body, /The text cannot contain HTML/)
  assert.match(refused.body, /The link “click” must start with https:\/\//)
  const saved = await admin.post('/console/portal/content/rights', {
    body: '## Rights in ((force))\n\nCall ((phone)) & ask for "Victim Care" > 1 [Kent Victim Care](https://www.kentvictimcare.org.uk/)\n\n- first\n- second',
  })
  assert.equal(saved.statusCode, 303)
  assert.equal(saved.headers.location, '/console/portal/content?done=published#rights')
  const page = await t.app.http.inject({ method: 'GET', url: '/f/kent/your-rights' })
  assert.match(page.body, /<h2 class="govuk-heading-m">Rights in Kent Police<\/h2>/)
  assert.match(
    page.body,
    /Call 101 &amp; ask for &quot;Victim Care&quot; &gt; 1 <a class="govuk-link" href="https:\/\/www.kentvictimcare.org.uk\/">Kent Victim Care<\/a>/,
  )
  assert.match(page.body, /<li>first<\/li>\s*<li>second<\/li>/)
  assert.doesNotMatch(page.body, /to be able to understand and to be understood/)
  // Essex's page keeps Waypoint's words: a force's words are its own.
  const essex = await t.app.http.inject({ method: 'GET', url: '/f/essex/your-rights' })
  assert.match(essex.body, /Essex Police must give you these rights/)

  // A second version; the first is kept and can be used again.
  assert.equal(
    (await admin.post('/console/portal/content/rights', { body: 'Version two words.' })).statusCode,
    303,
  )
  const versions = await admin.get('/console/portal/content/rights')
  assert.match(versions.body, /2 \(current\)/)
  assert.match(versions.body, /by Kim Admin/)
  assert.equal((await admin.post('/console/portal/content/rights/versions/1/publish')).statusCode, 303)
  assert.match(
    (await t.app.http.inject({ method: 'GET', url: '/f/kent/your-rights' })).body,
    /Rights in Kent Police/,
  )
  const audited = await kentAudit('portal.content-published')
  assert.deepEqual(
    audited.map((a) => a.detail.version),
    [1, 2, 3],
  )
  assert.equal(audited[0]!.actor_id, admin.userId)
  // Saving the same words again makes no version.
  const same = await admin.post('/console/portal/content/rights/versions/3/publish')
  assert.equal(same.headers.location, '/console/portal/content?done=unchanged#rights')
})

test('CP-22, CP-73, CP-75, CP-186: a force administrator sets the Single Online Home addresses; each must be https://', async () => {
  const admin = await t.signInAs(['force_admin'], 'essex')
  const links = {
    report: 'https://www.essex.police.uk/ro/report/ocr/af/how-to-report-a-crime/',
    advice: 'https://www.essex.police.uk/advice/',
    yourArea: 'http://www.essex.police.uk/a/your-area/',
    contact: 'https://www.essex.police.uk/contact/',
  }
  const refused = await admin.post('/console/portal/content/links', links)
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /href="#yourArea"/)
  assert.equal(
    (
      await admin.post('/console/portal/content/links', {
        ...links,
        yourArea: 'https://www.essex.police.uk/a/your-area/',
      })
    ).statusCode,
    303,
  )
  const online = await t.app.http.inject({ method: 'GET', url: '/f/essex/online-services' })
  assert.match(
    online.body,
    /href="https:\/\/www.essex.police.uk\/ro\/report\/ocr\/af\/how-to-report-a-crime\/"/,
  )
  assert.match(online.body, /href="https:\/\/www.essex.police.uk\/contact\/"/)
  // Kent's links are untouched.
  assert.match(
    (await t.app.http.inject({ method: 'GET', url: '/f/kent/online-services' })).body,
    /kent.police.uk\/contact\/af/,
  )
})

test('CP-186: with approval on, a change waits for a second force administrator, who publishes it; the author cannot approve their own', async () => {
  const author = await t.signInAs(['force_admin'], 'essex', 'Ash Author')
  const approver = await t.signInAs(['force_admin'], 'essex', 'Bo Approver')
  assert.equal((await author.post('/console/approvals/settings', { required: 'yes' })).statusCode, 303)
  const asked = await author.post('/console/portal/content/help', { body: 'New help for ((force)).' })
  assert.equal(asked.headers.location, '/console/portal/content?done=requested#help')
  assert.doesNotMatch((await t.app.http.inject({ method: 'GET', url: '/f/essex/help' })).body, /New help for/)
  const [request] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from change_requests where kind = 'portal-content' and status = 'pending'`,
    ),
  )
  assert.ok(request)
  const change = await approver.get(`/console/approvals/${request.id}`)
  assert.match(change.body, /New help for \(\(force\)\)/)
  assert.equal((await author.post(`/console/approvals/${request.id}/approve`)).statusCode, 403)
  // Kent's administrator cannot see or decide Essex's change.
  const kentAdmin = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await kentAdmin.post(`/console/approvals/${request.id}/approve`)).statusCode, 404)
  assert.equal((await approver.post(`/console/approvals/${request.id}/approve`)).statusCode, 303)
  assert.match(
    (await t.app.http.inject({ method: 'GET', url: '/f/essex/help' })).body,
    /New help for Essex Police\./,
  )
  const editor = await approver.get('/console/portal/content/help')
  assert.match(editor.body, /by Ash Author, approved by Bo Approver/)
  await author.post('/console/approvals/settings', { required: 'no' })
})

test('CP-186, CP-145: only the force’s own administrator reaches the Portal pages’ and usage consoles: other roles, staff of no force and a force without the Portal are refused', async () => {
  const pages = [
    '/console/portal/content',
    '/console/portal/content/rights',
    '/console/portal/usage',
    '/console/portal/usage?format=csv',
  ]
  for (const role of [
    'investigating_officer',
    'supervisor',
    'journey_designer',
    'auditor',
    'contact_handler',
  ] as const) {
    const wrong = await t.signInAs([role], 'kent')
    for (const url of pages) assert.equal((await wrong.get(url)).statusCode, 403, `${role} ${url}`)
    assert.equal(
      (await wrong.post('/console/portal/content/rights', { body: 'Not mine to change.' })).statusCode,
      403,
    )
  }
  const regionWide = await t.signInAs(['system_admin'], null)
  for (const url of pages) assert.equal((await regionWide.get(url)).statusCode, 403, url)
  // A force that has not bought the Portal: its administrator is refused too.
  await t.app.services.forces.setProducts('suffolk', ['journeys'])
  const suffolk = await t.signInAs(['force_admin'], 'suffolk')
  assert.equal((await suffolk.get('/console/portal/content')).statusCode, 403)
  // An administrator changes only their own force's words, whatever they post.
  const essex = await t.signInAs(['force_admin'], 'essex')
  await essex.post('/console/portal/content/complaints', { body: 'Essex complaints words.', forceId: 'kent' })
  assert.doesNotMatch(
    (await t.app.http.inject({ method: 'GET', url: '/f/kent/complaints' })).body,
    /Essex complaints words/,
  )
  assert.match(
    (await t.app.http.inject({ method: 'GET', url: '/f/essex/complaints' })).body,
    /Essex complaints words/,
  )
  // A person signed in to the Portal is not staff.
  const { browser } = await aSignedInVictim()
  assert.ok([401, 403].includes((await browser.get('/console/portal/content')).statusCode))
})

test('CP-127: a person rates the service for the force, with optional comments; the answer keeps no account and a wrong answer is named', async () => {
  const { browser } = await aSignedInVictim()
  const form = await browser.get('/f/kent/feedback')
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /Overall, how do you feel about this service\?/)
  const refused = await browser.post('/f/kent/feedback', { comment: 'x'.repeat(1201) })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /href="#rating"/)
  assert.match(refused.body, /Select how you feel about this service/)
  const sent = await browser.post('/f/kent/feedback', {
    rating: '4',
    foundWhatNeeded: 'partly',
    comment: 'Clear, but I wanted more updates.',
  })
  assert.equal(sent.statusCode, 303)
  assert.equal(sent.headers.location, '/f/kent/feedback?sent=yes')
  assert.match((await browser.get('/f/kent/feedback?sent=yes')).body, /Thank you for your feedback/)
  // Someone who is not signed in can rate it too (after signing out).
  const anonymous = await t.app.http.inject({ method: 'GET', url: '/f/kent/feedback' })
  assert.equal(anonymous.statusCode, 200)
  const [row] = await t.app.db.withForce('kent', (tx) =>
    rows<Record<string, unknown>>(tx, sql`select * from portal_feedback where comment like 'Clear,%'`),
  )
  assert.deepEqual(Object.keys(row!).sort(), [
    'comment',
    'force_id',
    'found_what_needed',
    'given_at',
    'id',
    'rating',
  ])
  assert.equal(row!.rating, 4)
  const audited = await kentAudit('portal.feedback-given')
  assert.equal(audited.at(-1)!.actor_id, null)
  assert.equal((await browser.post('/f/suffolk/feedback', { rating: '5' })).statusCode, 404)
})

test('CP-145, CP-146, CP-150: the force administrator reads invitations, accounts, visits, messages and satisfaction by week, on the page and as CSV, and Power BI reads the answers from the OData feed', async () => {
  const { browser } = await aSignedInVictim('essex')
  await browser.get('/portal')
  await t.app.services.portal.content.giveFeedback('essex', { rating: '5' })
  await t.app.services.portal.content.giveFeedback('essex', {
    rating: '2',
    comment: 'Could not find the messages.',
  })
  const admin = await t.signInAs(['force_admin'], 'essex')
  const page = await admin.get('/console/portal/usage?weeks=4')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Could not find the messages\./)
  const csv = await admin.get('/console/portal/usage?weeks=4&format=csv')
  assert.equal(csv.statusCode, 200)
  assert.match(csv.headers['content-type'] as string, /^text\/csv/)
  const lines = csv.body.trim().split(/\r?\n/)
  assert.equal(lines.length, 5)
  assert.match(
    lines[0]!,
    /^Week beginning,Invitations sent,Invitations accepted,Accounts linked,People who opened their cases/,
  )
  // 2026-06-10 is a Wednesday: its week begins on Monday 8 June.
  assert.equal(lines[4], '2026-06-08,1,1,1,1,0,0,2,3.5,1')
  assert.match(lines[1]!, /^2026-05-18,0,0,0,0,0,0,0,,0$/)
  // Kent's report does not count Essex's.
  const kent = await (await t.signInAs(['force_admin'], 'kent')).get(
    '/console/portal/usage?weeks=1&format=csv',
  )
  assert.doesNotMatch(kent.body, /,3\.5,/)
  // Power BI reads each answer, without its comment, from the OData feed's PortalFeedback set.
  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  const feed = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/odata/PortalFeedback?$orderby=Rating',
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
  })
  assert.equal(feed.statusCode, 200, feed.body)
  const answers = feed.json().value as Record<string, unknown>[]
  assert.deepEqual(
    answers.map((a) => [a.Force, a.Rating, a.Satisfied, a.HasComment, a.GivenDate]),
    [
      ['essex', 2, false, true, '2026-06-10'],
      ['essex', 5, true, false, '2026-06-10'],
    ],
  )
  assert.ok(!('Comment' in answers[0]!))
})

test('CP-186: the restricted markup keeps every character as text and follows only safe links', () => {
  const blocks = parseContent(
    '<b>bold</b> [a](https://x.example) [b](data:text/html,hi) [c](//evil.example)',
    {
      name: 'Kent Police',
    },
  )
  assert.deepEqual(blocks, [
    {
      kind: 'paragraph',
      parts: [
        { text: '<b>bold</b> ' },
        { text: 'a', href: 'https://x.example' },
        { text: ' ' },
        { text: '[b](data:text/html,hi)' },
        { text: ' ' },
        { text: '[c](//evil.example)' },
      ],
    },
  ])
})

test('CP-186, CP-155: a force administrator (no other role) writes a Welsh version of a page beside the English; a person whose language is Welsh reads it on a Welsh page, and everyone else the English; a page without Welsh words shows the English marked lang="en"', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kim Admin')
  const editor = await admin.get('/console/portal/content/complaints')
  assert.equal(editor.statusCode, 200)
  assert.match(editor.body, /Words on the page in English/)
  assert.match(editor.body, /<textarea[^>]*id="bodyCy"[^>]*lang="cy"|<textarea[^>]*lang="cy"[^>]*id="bodyCy"/)
  assert.match(editor.body, /has not published Welsh words for this page yet/)
  // The Single Online Home addresses are the same in both languages: no Welsh form, and none taken.
  assert.doesNotMatch((await admin.get('/console/portal/content/links')).body, /bodyCy/)
  assert.equal(
    (await admin.post('/console/portal/content/links', { language: 'cy', bodyCy: 'Dim' })).statusCode,
    404,
  )

  // Only the force's administrator writes them: another role is refused.
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal(
    (await analyst.post('/console/portal/content/complaints', { language: 'cy', bodyCy: 'Dim.' })).statusCode,
    403,
  )

  // The Welsh words are checked like the English, and the error names the Welsh box.
  const refused = await admin.post('/console/portal/content/complaints', {
    language: 'cy',
    bodyCy: 'Cwyno <b>yma</b>',
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /href="#bodyCy"/)
  assert.match(refused.body, /The text cannot contain HTML/)
  const saved = await admin.post('/console/portal/content/complaints', {
    language: 'cy',
    bodyCy: '## Sut i gwyno i ((force))\n\nFfoniwch ((phone)).',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  assert.equal(saved.headers.location, '/console/portal/content?done=published#complaints')
  const list = await admin.get('/console/portal/content')
  assert.match(list.body, /Version 1, /)
  const [audited] = (await kentAudit('portal.content-published')).filter((a) => a.detail.key === 'complaints')
  assert.deepEqual(audited?.detail, { key: 'complaints', language: 'cy', version: 1 })
  assert.equal(audited?.actor_id, admin.userId)
  const afterWelsh = await admin.get('/console/portal/content/complaints')
  assert.match(afterWelsh.body, /Sut i gwyno i \(\(force\)\)/)
  assert.match(afterWelsh.body, /Welsh versions/)

  // Nobody signed in, and a person whose language is English: the English words.
  const anonymous = await t.app.http.inject({ method: 'GET', url: '/f/kent/complaints' })
  assert.match(anonymous.body, /<h1 class="govuk-heading-l">How to complain<\/h1>/)
  assert.doesNotMatch(anonymous.body, /<html lang="cy"|<div lang="cy"|Sut i gwyno/)
  const english = await aSignedInVictim()
  const englishPage = await english.browser.get('/f/kent/complaints')
  assert.doesNotMatch(englishPage.body, /Sut i gwyno/)

  // A person whose language on the force's records is Welsh: the Welsh words, marked as Welsh.
  const welsh = await aSignedInVictim()
  const changed = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: `ATH-CONTENT-CY-${seq}`,
      type: 'CRIMED',
      at: clock.now().toISOString(),
      crimeRef: welsh.crime.crimeRef,
      persons: [{ urn: `P-CONTENT-${seq}`, name: `Content Victim ${seq}`, role: 'VIC', language: 'cy' }],
    }),
    'application/json',
  )
  assert.equal(changed.status, 'applied', String(changed.reason))
  const welshPage = await welsh.browser.get('/f/kent/complaints')
  assert.equal(welshPage.statusCode, 200)
  assert.match(welshPage.body, /<h1 class="govuk-heading-l">Sut i gwyno<\/h1>/)
  assert.match(welshPage.body, /<h2 class="govuk-heading-m">Sut i gwyno i Kent Police<\/h2>/)
  assert.match(welshPage.body, /Ffoniwch 101\./)
  // The page around the words is Welsh too (decision 0057), so the words need no mark of their own.
  assert.match(welshPage.body, /<html lang="cy"/)
  assert.doesNotMatch(welshPage.body, /<div lang=/)
  // A page the force has not written in Welsh: the English words, marked as English on the Welsh page.
  const helpPage = await welsh.browser.get('/f/kent/help')
  assert.match(helpPage.body, /<div lang="en">\s*<h1 class="govuk-heading-l">Help using this service<\/h1>/)
  // Essex's pages are Essex's: no Welsh words there, so the English words, marked as English.
  assert.match(
    (await welsh.browser.get('/f/essex/complaints')).body,
    /<div lang="en">\s*<h1 class="govuk-heading-l">How to complain<\/h1>/,
  )

  // An earlier Welsh version is used again from its own table.
  await admin.post('/console/portal/content/complaints', { language: 'cy', bodyCy: 'Ail fersiwn.' })
  const again = await admin.post('/console/portal/content/complaints/versions/1/publish', { language: 'cy' })
  assert.equal(again.headers.location, '/console/portal/content?done=published#complaints')
  assert.match((await welsh.browser.get('/f/kent/complaints')).body, /Sut i gwyno i Kent Police/)
  assert.deepEqual(
    (await kentAudit('portal.content-published'))
      .filter((a) => a.detail.key === 'complaints')
      .map((a) => [a.detail.language, a.detail.version]),
    [
      ['cy', 1],
      ['cy', 2],
      ['cy', 3],
    ],
  )
  // The English page is untouched by the Welsh versions.
  assert.match(
    (await admin.get('/console/portal/content/complaints')).body,
    /Your force has not published its own words/,
  )
})

test('CP-186: with approval on, a Welsh change waits for a second administrator like an English one', async () => {
  const author = await t.signInAs(['force_admin'], 'essex', 'Ash Author')
  const approver = await t.signInAs(['force_admin'], 'essex', 'Bo Approver')
  assert.equal((await author.post('/console/approvals/settings', { required: 'yes' })).statusCode, 303)
  const asked = await author.post('/console/portal/content/rights', {
    language: 'cy',
    bodyCy: 'Eich hawliau.',
  })
  assert.equal(asked.headers.location, '/console/portal/content?done=requested#rights')
  const [request] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; subject_id: string; subject_name: string }>(
      tx,
      sql`select id, subject_id, subject_name from change_requests where kind = 'portal-content' and status = 'pending'`,
    ),
  )
  assert.equal(request?.subject_id, 'rights:cy')
  assert.match(request?.subject_name ?? '', /\(Welsh\)/)
  assert.match((await author.get('/console/portal/content/rights')).body, /See the Welsh change/)
  assert.equal((await approver.post(`/console/approvals/${request!.id}/approve`)).statusCode, 303)
  const editor = await approver.get('/console/portal/content/rights')
  assert.match(editor.body, /Eich hawliau\./)
  assert.match(editor.body, /by Ash Author, approved by Bo Approver/)
  // The English rights page of Essex is still Waypoint's.
  assert.match(
    (await t.app.http.inject({ method: 'GET', url: '/f/essex/your-rights' })).body,
    /Essex Police must give you these rights/,
  )
  await author.post('/console/approvals/settings', { required: 'no' })
})
