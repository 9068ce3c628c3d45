// The key rotation runbook (docs/operations.md, "Rotate keys"; decision 0049), step by step, on
// one database: Waypoint runs under the old keys, stops, starts with the new keys and the old ones
// as *_PREVIOUS, stops, and starts with the new keys alone. What people hold from before the change
// (a staff and a citizen session cookie, a page's form token, an unsubscribe link in a message
// already sent, GOV.UK Notify's callback token) keeps working during the change, and the old
// secrets stop working once removed; authenticator secrets are sealed again under the new key.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { type App, createApp } from '../../src/app.ts'
import { UnsubscribeLinks } from '../../src/messaging/unsubscribe-links.ts'
import { hashPassword } from '../../src/platform/auth/passwords.ts'
import { totpCodeAt, newTotpSecret } from '../../src/platform/auth/totp.ts'
import { TotpSecretVault } from '../../src/platform/auth/totp-secrets.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { loadConfig } from '../../src/platform/config.ts'
import { CredentialCipher } from '../../src/platform/crypto.ts'
import { rows } from '../../src/platform/db/database.ts'
import { SESSION_COOKIE } from '../../src/platform/http/server.ts'
import { FormBrowser } from '../support/form-browser.ts'
import { productionSettings } from '../support/production-settings.ts'
import { anInvitation, aVictimCase, citizenSessionCookie } from '../support/portal-citizen.ts'
import { citizenTestSignIn } from '../support/test-app.ts'
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts'

// The settings an operator changes, as environment variables (the runbook's words).
const OLD = {
  SESSION_SECRET: 'old-session-secret-0123456789abcdef-0123',
  TOTP_ENCRYPTION_KEY: 'old-totp-key-0123456789abcdef-0123456789',
  MESSAGING_LINK_SECRET: 'old-link-secret-0123456789abcdef-0123456',
  NOTIFY_CALLBACK_TOKEN: 'old-callback-token-0123456789abcdef-0123',
}
const NEW = {
  SESSION_SECRET: 'new-session-secret-abcdef0123456789-abcd',
  TOTP_ENCRYPTION_KEY: 'new-totp-key-abcdef0123456789-abcdef0123',
  MESSAGING_LINK_SECRET: 'new-link-secret-abcdef0123456789-abcdef0',
  NOTIFY_CALLBACK_TOKEN: 'new-callback-token-abcdef0123456789-abcd',
}
/** Step 1: the new values, with the old ones kept as *_PREVIOUS. */
const DURING = {
  ...NEW,
  SESSION_SECRET_PREVIOUS: OLD.SESSION_SECRET,
  TOTP_ENCRYPTION_KEY_PREVIOUS: OLD.TOTP_ENCRYPTION_KEY,
  MESSAGING_LINK_SECRET_PREVIOUS: OLD.MESSAGING_LINK_SECRET,
  NOTIFY_CALLBACK_TOKEN_PREVIOUS: OLD.NOTIFY_CALLBACK_TOKEN,
}

const clock = new FixedClock(new Date())
let database: TestDatabase
let app: App | undefined
const PASSWORD = 'correct horse battery staple'

/** Starts Waypoint with these settings on the one database, as a restart with a new environment. */
async function start(env: Record<string, string>): Promise<App> {
  await app?.stop()
  app = await createApp(loadConfig({ NODE_ENV: 'test', ...env }), {
    db: database.db,
    clock,
    testRoutes: citizenTestSignIn,
  })
  return app
}

before(async () => {
  database = await createTestDatabase()
})
after(async () => {
  await app?.stop()
  await database?.close()
})

async function storedTotpSecret(userId: string): Promise<string> {
  const found = await app!.db.asSystem((tx) =>
    rows<{ totp_secret: string }>(tx, sql`select totp_secret from staff_users where id = ${userId}`),
  )
  return found[0]!.totp_secret
}

async function totpSignIn(email: string, secret: string) {
  clock.advance(30_000)
  const browser = new FormBrowser(app!)
  await browser.get('/sign-in')
  const password = await browser.post('/sign-in', { email, password: PASSWORD })
  assert.equal(password.headers.location, '/sign-in/mfa')
  await browser.get('/sign-in/mfa')
  return browser.post('/sign-in/mfa', { code: await totpCodeAt(secret, clock.now()) })
}

async function receipt(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/callbacks/notify/kent/receipts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: '7a1d7f2c-0000-4000-8000-000000000001',
      reference: null,
      status: 'delivered',
    }),
  })
  await response.arrayBuffer()
  return response.status
}

test('CP-44, ASVS 2.8.2, UJ-6, UJ-15: keys are rotated without signing anyone out, losing an authenticator or breaking a link already sent; the old keys stop working once removed', async () => {
  // Before: Waypoint under the old keys, with what people hold from it.
  const before = await start(OLD)
  await before.services.portal.installDefaults('kent')
  const staff = await before.services.staff.create(
    {
      forceId: 'kent',
      email: 'rotation.local@kent.police.example',
      displayName: 'Rotation Local',
      roles: ['force_admin'],
      passwordHash: await hashPassword(PASSWORD),
    },
    null,
  )
  const totpSecret = newTotpSecret()
  await before.services.staff.repository.update(staff.id, {
    totpSecret: new TotpSecretVault(OLD.TOTP_ENCRYPTION_KEY).seal(staff.id, totpSecret),
    totpConfirmedAt: clock.now(),
  })
  const signedIn = await totpSignIn('rotation.local@kent.police.example', totpSecret)
  assert.equal(signedIn.statusCode, 302)
  const staffCookie = signedIn.cookies.find((c) => c.name === SESSION_COOKIE)?.value
  assert.ok(staffCookie, 'a staff session cookie signed with the old secret')
  const staffHeaders = { cookie: `${SESSION_COOKIE}=${staffCookie}`, accept: 'text/html' }
  const usersPage = await before.http.inject({ method: 'GET', url: '/console/users', headers: staffHeaders })
  assert.equal(usersPage.statusCode, 200)
  const oldFormToken = /name="_csrf" value="([^"]+)"/.exec(usersPage.body)?.[1]
  assert.ok(oldFormToken, 'a page of the console carries a form token made with the old secret')

  const crime = await aVictimCase(before, clock.now(), {
    crimeRef: '46/99001/26',
    eventId: 'ATH-ROTATION-1',
    urn: 'P-ROTATION-1',
    name: 'Rotation Victim',
    phone: '07700900990',
    email: 'rotation.victim@example.org',
  })
  const account = await before.services.portal.accounts.ensureAccount({
    email: 'rotation.victim@example.org',
    password: PASSWORD,
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: await anInvitation(before, 'kent', crime),
    forceId: 'kent',
  })
  const citizenBefore = await before.db.asSystem((tx) =>
    rows<{ totp_secret: string }>(tx, sql`select totp_secret from portal_accounts where id = ${account.id}`),
  )
  assert.equal(
    CredentialCipher.sealedKeyId(citizenBefore[0]!.totp_secret),
    new TotpSecretVault(OLD.TOTP_ENCRYPTION_KEY).keyId,
  )
  const citizen = await citizenSessionCookie(before, account.id)
  const citizenHeaders = { cookie: `${citizen.name}=${citizen.value}`, accept: 'text/html' }
  assert.equal(
    (await before.http.inject({ method: 'GET', url: '/portal', headers: citizenHeaders })).statusCode,
    200,
  )

  // The link Waypoint put in an email under the old secret.
  const sentLink = new URL(
    new UnsubscribeLinks(OLD.MESSAGING_LINK_SECRET, before.config.http.publicUrl).urlFor(
      'kent',
      'email',
      'rotation.victim@example.org',
    ),
  ).pathname
  assert.equal((await before.http.inject({ method: 'GET', url: sentLink })).statusCode, 200)

  // Step 1: restart with the new keys and the old ones as *_PREVIOUS.
  const during = await start(DURING)
  const url = await during.http.listen({ port: 0, host: '127.0.0.1' })

  // Sessions made before still work, and so does a form loaded before the change.
  assert.equal(
    (await during.http.inject({ method: 'GET', url: '/console/users', headers: staffHeaders })).statusCode,
    200,
  )
  assert.equal(
    (await during.http.inject({ method: 'GET', url: '/portal', headers: citizenHeaders })).statusCode,
    200,
  )
  const postNewUser = (csrf: string) =>
    during.http.inject({
      method: 'POST',
      url: '/console/users/new',
      headers: { ...staffHeaders, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: csrf,
        displayName: '',
        email: '',
        forceId: 'kent',
        signInMethod: '',
      }).toString(),
    })
  const withOldToken = await postNewUser(oldFormToken)
  assert.equal(
    withOldToken.statusCode,
    400,
    'the old form token is accepted: the form answers with its errors',
  )
  assert.match(withOldToken.body, /govuk-error-summary/)
  assert.equal((await postNewUser('made-up')).statusCode, 403)

  // Every authenticator secret was sealed again under the new key at start-up; sign-in works.
  const resealed = await storedTotpSecret(staff.id)
  assert.equal(CredentialCipher.sealedKeyId(resealed), new TotpSecretVault(NEW.TOTP_ENCRYPTION_KEY).keyId)
  const stillOld = await during.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from staff_users where totp_secret like ${`v2:${new TotpSecretVault(OLD.TOTP_ENCRYPTION_KEY).keyId}:%`}`,
    ),
  )
  assert.equal(stillOld[0]!.n, 0)
  assert.equal((await totpSignIn('rotation.local@kent.police.example', totpSecret)).statusCode, 302)
  // So were the citizens' (Portal accounts with an authenticator app).
  const citizenSecret = await during.db.asSystem((tx) =>
    rows<{ totp_secret: string }>(tx, sql`select totp_secret from portal_accounts where id = ${account.id}`),
  )
  assert.deepEqual(
    new TotpSecretVault(NEW.TOTP_ENCRYPTION_KEY).open(account.id, citizenSecret[0]!.totp_secret),
    {
      secret: 'JBSWY3DPEHPK3PXP',
      sealed: true,
    },
  )

  // The link already sent still works; new links are signed with the new secret.
  assert.equal((await during.http.inject({ method: 'GET', url: sentLink })).statusCode, 200)

  // Notify's receipts, over real HTTP, with the old token (before it is changed at Notify) and
  // the new one (after): both are let through (404: no message has that id, not 401).
  assert.equal(await receipt(url, OLD.NOTIFY_CALLBACK_TOKEN), 404)
  assert.equal(await receipt(url, NEW.NOTIFY_CALLBACK_TOKEN), 404)
  assert.equal(await receipt(url, 'neither-token-0123456789abcdef-012345678'), 401)

  // Step 3: restart with the new keys alone.
  const afterwards = await start(NEW)
  const url2 = await afterwards.http.listen({ port: 0, host: '127.0.0.1' })
  const staffNow = await afterwards.http.inject({
    method: 'GET',
    url: '/console/users',
    headers: staffHeaders,
  })
  assert.equal(staffNow.statusCode, 302, 'the old staff cookie no longer verifies')
  assert.match(staffNow.headers.location ?? '', /^\/sign-in/)
  const citizenNow = await afterwards.http.inject({ method: 'GET', url: '/portal', headers: citizenHeaders })
  assert.equal(citizenNow.statusCode, 302, 'the old citizen cookie no longer verifies')
  assert.equal((await afterwards.http.inject({ method: 'GET', url: sentLink })).statusCode, 404)
  assert.equal(await receipt(url2, OLD.NOTIFY_CALLBACK_TOKEN), 401)
  assert.equal(await receipt(url2, NEW.NOTIFY_CALLBACK_TOKEN), 404)
  // The authenticator needs no old key any more.
  assert.equal((await totpSignIn('rotation.local@kent.police.example', totpSecret)).statusCode, 302)
})

test('CP-44: production refuses a SESSION_SECRET_PREVIOUS shorter than 32 characters; the previous values are read from the environment', () => {
  assert.throws(
    () => loadConfig({ ...productionSettings, SESSION_SECRET_PREVIOUS: 's'.repeat(31) }),
    /SESSION_SECRET_PREVIOUS must be at least 32 characters/,
  )
  const config = loadConfig({ ...productionSettings, ...DURING })
  assert.equal(config.sessionSecretPrevious, OLD.SESSION_SECRET)
  assert.equal(config.totpSecretKeyPrevious, OLD.TOTP_ENCRYPTION_KEY)
  assert.equal(config.messaging.linkSecretPrevious, OLD.MESSAGING_LINK_SECRET)
  assert.equal(config.messaging.notify.callbackTokenPrevious, OLD.NOTIFY_CALLBACK_TOKEN)
  const withoutPrevious = loadConfig(productionSettings)
  assert.equal(withoutPrevious.sessionSecretPrevious, undefined)
  assert.equal(withoutPrevious.messaging.linkSecretPrevious, undefined)
  assert.equal(withoutPrevious.messaging.notify.callbackTokenPrevious, undefined)
})
