// The AI provider page (decision 0048) in a real browser: without JavaScript a force administrator
// goes through the error summary to saved settings and a connection test against a real
// OpenAI-compatible server on 127.0.0.1, and the page passes axe and fits 1280 and 320 pixels with
// its errors, its saved settings, the test's banner and the table of fall-backs.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type FakeOpenAi, startFakeOpenAi } from '../../test/support/fake-openai.ts'
import { checkAccessibility, startBrowser } from '../../test/support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'

let fake: FakeOpenAi
let t: TestApp
let admin: SignedIn
before(async () => {
  fake = await startFakeOpenAi()
  t = await createTestApp()
  admin = await t.signInAs(['force_admin'], 'kent', 'Kim Admin')
})
after(async () => {
  await t?.close()
  await fake?.close()
})

test('the AI provider page works without JavaScript through its error summary, and passes axe at 1280 and 320 pixels', async () => {
  const harness = await startBrowser(t)
  try {
    const context = await harness.newContext({ javaScriptEnabled: false, signedIn: admin })
    const page = await context.newPage()
    // axe runs in the page, so the checks use a second page with JavaScript on.
    const checked = await (await harness.newContext({ signedIn: admin })).newPage()
    const fits = async (what: string) => {
      for (const width of [1280, 320]) {
        await checked.setViewportSize({ width, height: 900 })
        assert.deepEqual(await checkAccessibility(checked), [], `${what} at ${width}px`)
        const overflow = await checked.evaluate(
          () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
        )
        assert.equal(overflow, false, `${what} fits ${width}px`)
      }
    }
    const response = await page.goto('/console/assist/provider')
    assert.equal(response?.status(), 200)
    await checked.goto('/console/assist/provider')
    await fits('the empty page')
    for (const on of [page, checked]) {
      await on.getByLabel('Server address').fill('https://ai.not-listed.example.org')
      await on.getByRole('button', { name: 'Save' }).click()
      await on.getByText('There is a problem').waitFor()
      await on.getByRole('link', { name: /Enter the provider’s name/ }).waitFor()
      await on.getByRole('link', { name: /OUTBOUND_AI_HOSTS/ }).waitFor()
    }
    await fits('the page with errors')
    await page.getByLabel('Provider’s name').fill('Kent model')
    await page.getByLabel('Server address').fill(fake.baseUrl)
    await page.getByLabel('Chat model').fill('kent-chat-1')
    await page.getByLabel('API key (optional)').fill('sk-browser-4321')
    await page.getByLabel('Timeout').fill('5')
    await page.getByLabel('Yes', { exact: true }).check()
    await page.getByLabel(/Officer help: a drafted reply/).check()
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('The AI provider’s settings are saved.').waitFor()
    await page.getByText('A key ending 4321 is kept.', { exact: false }).waitFor()
    await checked.goto('/console/assist/provider?saved=1')
    await fits('the saved page')
    fake.failWith = 503
    await page.getByRole('button', { name: 'Test connection' }).click()
    await page.getByText(/The connection failed: The provider answered HTTP 503/).waitFor()
    fake.failWith = null
    await page.getByRole('button', { name: 'Test connection' }).click()
    await page.getByText(/The connection works: Kent model answered in \d+ ms/).waitFor()
    assert.equal(fake.requests.at(-1)?.authorization, 'Bearer sk-browser-4321')
    await checked.getByRole('button', { name: 'Test connection' }).click()
    await checked.getByText(/The connection works/).waitFor()
    await fits('the page after a connection test')
    // A fall-back recorded for the force shows in the table.
    await t.app.services.assistProvider.fellBack(
      'kent',
      'officer-replies',
      'Kent model',
      { kind: 'timeout', detail: 'No answer within 5000 ms', ms: 5001 },
      'kent',
    )
    await checked.goto('/console/assist/provider')
    await checked.getByRole('cell', { name: 'No answer within 5000 ms' }).waitFor()
    await fits('the page with fall-backs')
  } finally {
    await harness.close()
  }
})
