import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../../test/support/test-app.ts'
import { auditEvents } from '../audit/schema.ts'

let t: TestApp
let system: SignedIn
let kentAdmin: SignedIn
before(async () => {
  t = await createTestApp()
  system = await t.signInAs(['system_admin'], null, 'Region Admin')
  kentAdmin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
})
after(() => t.close())

const profile = (changes: Record<string, string> = {}) => ({
  displayName: 'Kent Police Victim Care',
  logoText: 'Kent Police',
  logoUrl: 'https://www.kent.police.uk/logo.png',
  primaryColour: '#00205b',
  senderName: 'Kent Police',
  replyToEmail: 'victimcare@kent.police.example',
  contactPhone: '01622 690690',
  ...changes,
})

const auditOf = (action: string, recordId: string) =>
  t.app.db.asSystem((tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.recordId, recordId))),
  )

test('CP-1: the forces list shows each force’s products and colour as text beside the swatch', async () => {
  const page = await system.get('/console/forces')
  assert.equal(page.statusCode, 200)
  for (const name of ['Bedfordshire Police', 'Essex Police', 'Kent Police', 'Suffolk Constabulary'])
    assert.match(page.body, new RegExp(name))
  assert.match(page.body, /Journeys, Portal, Contact/)
  assert.match(page.body, /fill="#1c355e"[\s\S]*?#1c355e/)
})

test('CRM-5: a force administrator sees only their own force in the forces list', async () => {
  const page = await kentAdmin.get('/console/forces')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Kent Police/)
  assert.doesNotMatch(page.body, /Essex Police/)
})

test('UJ-12: a force administrator changes their force’s branding and sender settings, and it is audited', async () => {
  const saved = await kentAdmin.post('/console/forces/kent', profile())
  assert.equal(saved.statusCode, 303)
  assert.equal(saved.headers.location, '/console/forces/kent?saved=profile')
  const kent = await t.app.services.forces.get('kent')
  assert.equal(kent.branding.primaryColour, '#00205b')
  assert.equal(kent.branding.displayName, 'Kent Police Victim Care')
  assert.equal(kent.branding.logoUrl, 'https://www.kent.police.uk/logo.png')
  assert.deepEqual(kent.settings, {
    senderName: 'Kent Police',
    replyToEmail: 'victimcare@kent.police.example',
    contactPhone: '01622 690690',
  })
  const events = await auditOf('force.profile-updated', 'kent')
  assert.equal(events.length, 1)
  assert.equal(events[0].actorName, 'Kent Admin')
  assert.ok((events[0].detail.changed as string[]).includes('primaryColour'))
  const page = await kentAdmin.get('/console/forces/kent?saved=profile')
  assert.match(page.body, /Branding and settings saved/)
  assert.match(page.body, /value="#00205b"/)
})

test('CRM-1: a colour failing WCAG AA contrast with white text is refused with a clear error and nothing is lost', async () => {
  const page = await kentAdmin.post(
    '/console/forces/kent',
    profile({ primaryColour: '#ffdd00', senderName: 'Kent Victim Care' }),
  )
  assert.equal(page.statusCode, 400)
  assert.match(page.body, /There is a problem/)
  assert.match(page.body, /href="#primaryColour"/)
  assert.match(
    page.body,
    /Choose a darker primary colour: white text on #ffdd00 has a contrast of 1\.\d:1 and needs at least 4\.5:1/,
  )
  assert.match(page.body, /value="Kent Victim Care"/)
  assert.equal((await t.app.services.forces.get('kent')).branding.primaryColour, '#00205b')

  const notHex = await kentAdmin.post(
    '/console/forces/kent',
    profile({ primaryColour: 'navy', replyToEmail: 'not-an-email' }),
  )
  assert.equal(notHex.statusCode, 400)
  assert.match(notHex.body, /Enter the primary colour as a hex code/)
  assert.match(notHex.body, /Enter a reply-to email address in the correct format/)
})

test('CP-5: a force administrator cannot open or change another force', async () => {
  assert.equal((await kentAdmin.get('/console/forces/essex')).statusCode, 403)
  const refused = await kentAdmin.post('/console/forces/essex', profile({ primaryColour: '#0b0c0c' }))
  assert.equal(refused.statusCode, 403)
  assert.notEqual((await t.app.services.forces.get('essex')).branding.primaryColour, '#0b0c0c')
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get('/console/forces')).statusCode, 403)
  assert.equal((await analyst.post('/console/forces/kent', profile())).statusCode, 403)
})

test('UJ-5: only system administrators change a force’s products; force administrators are refused', async () => {
  const editPage = await kentAdmin.get('/console/forces/kent')
  assert.doesNotMatch(editPage.body, /Save products/)
  const refused = await kentAdmin.post('/console/forces/kent/products', { products: ['journeys'] })
  assert.equal(refused.statusCode, 403)
  assert.deepEqual((await t.app.services.forces.get('kent')).products, ['journeys', 'portal', 'contact'])
})

test('CP-5: turning Journeys off for Kent closes Kent’s Journeys pages and hides the links, while Essex keeps them', async () => {
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  const essexOfficer = await t.signInAs(['investigating_officer'], 'essex')
  const kentHome = await kentOfficer.get('/console/journeys')
  assert.equal(kentHome.statusCode, 200)
  assert.match(kentHome.body, /href="\/console\/journeys\/victims-code"/)

  const saved = await system.post('/console/forces/kent/products', { products: ['portal', 'contact'] })
  assert.equal(saved.statusCode, 303)
  const events = await auditOf('force.products-changed', 'kent')
  assert.deepEqual(events.at(-1)?.detail, {
    before: ['journeys', 'portal', 'contact'],
    after: ['portal', 'contact'],
  })

  const closed = await kentOfficer.get('/console/journeys')
  assert.equal(closed.statusCode, 403)
  assert.match(closed.body, /Your force does not use Waypoint journeys/)
  assert.equal((await kentOfficer.get('/console/journeys/victims-code')).statusCode, 403)
  const dashboard = await kentOfficer.get('/console')
  assert.equal(dashboard.statusCode, 200)
  assert.doesNotMatch(dashboard.body, /href="\/console\/journeys/)
  assert.match(dashboard.body, /href="\/console\/cases"/)

  const essexHome = await essexOfficer.get('/console/journeys')
  assert.equal(essexHome.statusCode, 200)
  assert.match(essexHome.body, /href="\/console\/journeys"/)

  await system.post('/console/forces/kent/products', { products: ['journeys', 'portal', 'contact'] })
  assert.equal((await kentOfficer.get('/console/journeys')).statusCode, 200)
})

test('a product’s home page and link are only for the roles that may open one of its pages', async () => {
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  const kentHandler = await t.signInAs(['contact_handler'], 'kent')
  assert.deepEqual((await t.app.services.forces.get('kent')).products, ['journeys', 'portal', 'contact'])
  // Contact's pages are for the contact centre: an officer is refused its home and is not shown it.
  assert.equal((await kentOfficer.get('/console/contact')).statusCode, 403)
  assert.doesNotMatch((await kentOfficer.get('/console')).body, /href="\/console\/contact"/)
  assert.equal((await kentHandler.get('/console/contact')).statusCode, 200)
  assert.match((await kentHandler.get('/console')).body, /href="\/console\/contact"/)
})

test('UJ-5: a system administrator creates a sharing agreement with GOV.UK date inputs, and it is audited', async () => {
  const form = await system.get('/console/sharing-agreements/new')
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /name="startsAt-day"/)
  const created = await system.post('/console/sharing-agreements', {
    fromForceId: 'essex',
    toForceId: 'kent',
    recordKinds: ['case', 'person'],
    purpose: 'Joint investigation into county lines',
    'startsAt-day': '1',
    'startsAt-month': '1',
    'startsAt-year': '2026',
    'expiresAt-day': '',
    'expiresAt-month': '',
    'expiresAt-year': '',
  })
  assert.equal(created.statusCode, 303)
  const agreement = (await t.app.services.forces.listAgreements()).find((a) =>
    a.purpose.includes('county lines'),
  )
  assert.ok(agreement)
  assert.deepEqual(agreement.recordKinds, ['case', 'person'])
  assert.equal(agreement.startsAt.toISOString(), '2026-01-01T00:00:00.000Z')
  assert.equal(agreement.expiresAt, null)
  assert.equal((await auditOf('sharing-agreement.created', agreement.id)).length, 1)
  const list = await system.get('/console/sharing-agreements')
  assert.match(list.body, /Essex Police[\s\S]*Kent Police[\s\S]*Cases, People[\s\S]*Active/)
})

test('CRM-5: a sharing agreement with missing or impossible details is refused with every error and the answers kept', async () => {
  const page = await system.post('/console/sharing-agreements', {
    fromForceId: 'kent',
    toForceId: 'kent',
    purpose: 'Cross-border victim care',
    'startsAt-day': '31',
    'startsAt-month': '2',
    'startsAt-year': '2026',
  })
  assert.equal(page.statusCode, 400)
  assert.match(page.body, /href="#startsAt-day">The start date must be a real date/)
  assert.match(page.body, /href="#toForceId">A force cannot share with itself/)
  assert.match(page.body, /href="#recordKinds">Select at least one kind of record/)
  assert.match(page.body, /Cross-border victim care<\/textarea>/)
  assert.match(page.body, /name="startsAt-day" type="text" value="31"/)
})

test('UJ-5: an agreement is revoked after confirmation, shows as revoked, and the revocation is audited', async () => {
  const agreement = await t.app.services.forces.createAgreement(
    {
      fromForceId: 'norfolk',
      toForceId: 'suffolk',
      recordKinds: ['message'],
      purpose: 'Shared victim care hub',
      startsAt: new Date('2026-01-01T00:00:00Z'),
      expiresAt: null,
    },
    system.userId,
  )
  const confirm = await system.get(`/console/sharing-agreements/${agreement.id}/revoke`)
  assert.equal(confirm.statusCode, 200)
  assert.match(confirm.body, /Are you sure you want to revoke this sharing agreement\?/)
  const revoked = await system.post(`/console/sharing-agreements/${agreement.id}/revoke`)
  assert.equal(revoked.statusCode, 303)
  assert.equal(
    t.app.services.forces.agreementStatus(await t.app.services.forces.getAgreement(agreement.id)),
    'revoked',
  )
  assert.equal((await auditOf('sharing-agreement.revoked', agreement.id)).length, 1)
  assert.equal((await system.post(`/console/sharing-agreements/${agreement.id}/revoke`)).statusCode, 404)
})

test('CP-5: only system administrators may see, create or revoke sharing agreements', async () => {
  for (const who of [kentAdmin, await t.signInAs(['auditor'], 'essex')]) {
    assert.equal((await who.get('/console/sharing-agreements')).statusCode, 403)
    assert.equal((await who.get('/console/sharing-agreements/new')).statusCode, 403)
    const attempt = await who.post('/console/sharing-agreements', {
      fromForceId: 'essex',
      toForceId: 'kent',
      recordKinds: 'case',
      purpose: 'Grab',
      'startsAt-day': '1',
      'startsAt-month': '1',
      'startsAt-year': '2026',
    })
    assert.equal(attempt.statusCode, 403)
  }
  assert.ok(!(await t.app.services.forces.listAgreements()).some((a) => a.purpose === 'Grab'))
})

test('UJ-5: agreements show as not yet started, active or expired by their dates', async () => {
  const now = t.clock.now().getTime()
  const day = 86_400_000
  const make = (startsAt: number, expiresAt: number | null) =>
    t.app.services.forces.createAgreement(
      {
        fromForceId: 'bedfordshire',
        toForceId: 'hertfordshire',
        recordKinds: ['case'],
        purpose: 'Dates',
        startsAt: new Date(startsAt),
        expiresAt: expiresAt === null ? null : new Date(expiresAt),
      },
      system.userId,
    )
  const future = await make(now + day, null)
  const current = await make(now - day, now + day)
  const past = await make(now - 2 * day, now - day)
  const status = t.app.services.forces.agreementStatus.bind(t.app.services.forces)
  assert.equal(status(future), 'not yet started')
  assert.equal(status(current), 'active')
  assert.equal(status(past), 'expired')
})
