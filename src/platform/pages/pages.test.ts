import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { createViewEnvironment } from '../http/views.ts'
import { contrastWithWhite, DEFAULT_BRAND_COLOUR, safeBrandColour } from '../tenancy/branding.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t.close())

const get = (url: string) => t.app.http.inject({ method: 'GET', url })

test('CP-3: the accessibility, privacy and cookies statements are public pages with Exit this page', async () => {
  for (const [url, heading] of [
    ['/accessibility', 'Accessibility statement for Waypoint'],
    ['/privacy', 'Privacy notice'],
    ['/cookies', 'Cookies'],
  ]) {
    const page = await get(url)
    assert.equal(page.statusCode, 200, url)
    assert.match(page.body, new RegExp(`<h1 class="govuk-heading-xl">${heading}</h1>`))
    assert.match(page.body, /govuk-exit-this-page/)
    assert.match(page.body, /Skip to main content/)
    assert.doesNotMatch(page.body, /govuk-footer__crown|Crown copyright/)
  }
})

test('CP-1: a statement reached through /f/{force}/ carries that force’s name, contact details and colours', async () => {
  await t.app.services.forces.updateProfile('essex', {
    displayName: 'Essex Police Victim Care',
    logoText: 'Essex Police',
    logoUrl: '',
    primaryColour: '#1c355e',
    senderName: 'Essex Police',
    replyToEmail: 'victimcare@essex.police.example',
    contactPhone: '101',
  })
  const page = await get('/f/essex/privacy')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<link rel="stylesheet" href="\/brand\/essex\/style.css">/)
  assert.match(page.body, /class="waypoint-citizen-header__force">Essex Police<\/a>/)
  assert.match(page.body, /The chief constable of Essex Police Victim Care/)
  assert.match(page.body, /victimcare@essex.police.example/)
  assert.match(page.body, /href="\/f\/essex\/cookies"/)
  const css = await get('/brand/essex/style.css')
  assert.equal(css.statusCode, 200)
  assert.match(String(css.headers['content-type']), /^text\/css/)
  assert.equal(css.body, '.waypoint-brand { background-color: #1c355e; }\n')
})

test('CRM-1: ?force= brands a statement too; an unknown force is refused on /f/ and ignored in the query', async () => {
  const branded = await get('/accessibility?force=kent')
  assert.match(branded.body, /href="\/brand\/kent\/style.css"/)
  assert.match(branded.body, /href="\/cookies\?force=kent"/)
  const unbranded = await get('/accessibility?force=atlantis')
  assert.equal(unbranded.statusCode, 200)
  assert.doesNotMatch(unbranded.body, /\/brand\//)
  assert.match(unbranded.body, /Police forces of the Eastern Region/)
  assert.equal((await get('/f/atlantis/accessibility')).statusCode, 404)
  assert.equal((await get('/brand/atlantis/style.css')).statusCode, 404)
})

test('UJ-12: a stored colour that would fail contrast is never used on citizen pages', async () => {
  await t.app.services.forces.update('suffolk', {
    branding: { primaryColour: '#ffdd00', logoText: 'Suffolk' },
  })
  const css = await get('/brand/suffolk/style.css')
  assert.equal(css.body, `.waypoint-brand { background-color: ${DEFAULT_BRAND_COLOUR}; }\n`)
  assert.ok(contrastWithWhite(DEFAULT_BRAND_COLOUR) >= 4.5)
  assert.equal(safeBrandColour('#0B0C0C'), '#0b0c0c')
  assert.equal(safeBrandColour('red'), DEFAULT_BRAND_COLOUR)
  assert.equal(contrastWithWhite('#ffffff').toFixed(2), '1.00')
  assert.equal(contrastWithWhite('#000000').toFixed(2), '21.00')
  assert.equal(contrastWithWhite('#767676').toFixed(2), '4.54')
})

test('CP-3: a missing page says so in plain English with a reference to quote', async () => {
  const page = await t.app.http.inject({
    method: 'GET',
    url: '/no-such-page',
    headers: { 'x-correlation-id': 'ref-404-abcdef' },
  })
  assert.equal(page.statusCode, 404)
  assert.match(page.body, /<h1 class="govuk-heading-l">Page not found<\/h1>/)
  assert.match(page.body, /ref-404-abcdef/)
})

test('CP-3: the error page for an unexpected failure apologises and gives the reference to quote, without Exit this page', () => {
  const html = createViewEnvironment().render('errors/500.njk', { correlationId: 'ref-500-123456' })
  assert.match(html, /<h1 class="govuk-heading-l">Sorry, there is a problem with the service<\/h1>/)
  assert.match(html, /quote this reference: <strong>ref-500-123456<\/strong>/)
  assert.match(html, /href="#main-content"/)
  assert.doesNotMatch(html, /govuk-exit-this-page/)
})
