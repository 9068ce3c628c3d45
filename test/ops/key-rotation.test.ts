// The key rotation runbook (docs/operations.md, "Rotate keys"; decision 0049), step by step, on
// one database: Waypoint runs under the old keys, stops, starts with the new keys and the old ones
// as *_PREVIOUS, stops, and starts with the new keys alone. What people hold from before the change
// (a staff and a citizen session cookie, a page's form token, an unsubscribe link in a message
// already sent, GOV.UK Notify's callback token) keeps working during the change, and the old
// secrets stop working once removed; authenticator secrets are sealed again under the new key.
// Every kind of credential sealed under WRITEBACK_CREDENTIAL_KEY (a write-back endpoint's token, a
// force's Notify API key, a Portal webhook secret, a One Login private key, an Assist provider key,
// a warehouse connection) is used against a real peer before, during and after, and is sealed
// again under the new key; one sealed under neither key fails plainly, logged, without a crash.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { type App, createApp } from '../../src/app.ts'
import { UnsubscribeLinks } from '../../src/messaging/unsubscribe-links.ts'
import { hashPassword } from '../../src/platform/auth/passwords.ts'
import { totpCodeAt, newTotpSecret } from '../../src/platform/auth/totp.ts'
import { TotpSecretVault } from '../../src/platform/auth/totp-secrets.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { loadConfig } from '../../src/platform/config.ts'
import {
  CredentialKeys,
  CredentialUnreadableError,
  resealCredentials,
} from '../../src/platform/credential-keys.ts'
import { CredentialCipher } from '../../src/platform/crypto.ts'
import { rows } from '../../src/platform/db/database.ts'
import { SESSION_COOKIE } from '../../src/platform/http/server.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { signWebhook, SIGNATURE_HEADER } from '../../src/portal/api/webhook-service.ts'
import { type FakeNotifyKey, FakeNotifyServer, notifyApiKey } from '../../src/simulator/fake-notify/server.ts'
import { WarehouseRepository } from '../../src/sources/warehouse-repository.ts'
import { WritebackEndpointSettings } from '../../src/writeback/endpoint-settings.ts'
import { WritebackReceiver } from '../../src/writeback/receiver.ts'
import { WritebackRepository } from '../../src/writeback/repository.ts'
import { type FakeOneLogin, startFakeOneLogin } from '../support/fake-one-login.ts'
import { type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai.ts'
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
  WRITEBACK_CREDENTIAL_KEY: 'old-credential-key-0123456789abcdef-0123',
}
const NEW = {
  SESSION_SECRET: 'new-session-secret-abcdef0123456789-abcd',
  TOTP_ENCRYPTION_KEY: 'new-totp-key-abcdef0123456789-abcdef0123',
  MESSAGING_LINK_SECRET: 'new-link-secret-abcdef0123456789-abcdef0',
  NOTIFY_CALLBACK_TOKEN: 'new-callback-token-abcdef0123456789-abcd',
  WRITEBACK_CREDENTIAL_KEY: 'new-credential-key-abcdef0123456789-abcd',
}
/** Step 1: the new values, with the old ones kept as *_PREVIOUS. */
const DURING = {
  ...NEW,
  SESSION_SECRET_PREVIOUS: OLD.SESSION_SECRET,
  TOTP_ENCRYPTION_KEY_PREVIOUS: OLD.TOTP_ENCRYPTION_KEY,
  MESSAGING_LINK_SECRET_PREVIOUS: OLD.MESSAGING_LINK_SECRET,
  NOTIFY_CALLBACK_TOKEN_PREVIOUS: OLD.NOTIFY_CALLBACK_TOKEN,
  WRITEBACK_CREDENTIAL_KEY_PREVIOUS: OLD.WRITEBACK_CREDENTIAL_KEY,
}
/** A key this installation never had: what it sealed opens under neither key. */
const STRANGER_KEY = 'stranger-credential-key-0123456789abcdef'

const clock = new FixedClock(new Date())
let database: TestDatabase
let app: App | undefined
const PASSWORD = 'correct horse battery staple'

// The credentials, and the real peers they open: a CAD and RMS write-back receiver, a fake GOV.UK
// Notify, an iHub webhook receiver, a One Login provider and an OpenAI-compatible model server.
const CAD_TOKEN = 'cad-access-token-0123456789abcdef'
const RMS_TOKEN = 'rms-access-token-0123456789abcdef'
const AI_KEY = 'sk-rotation-0123456789abcdef'
const SOCIAL_SECRET = 'social-connector-secret-for-rotation-0123456789'
const WAREHOUSE_URL = 'postgres://reader:warehouse-password@warehouse.example:5432/crimes'
const kentNotify: FakeNotifyKey = {
  serviceId: randomUUID(),
  secret: randomUUID(),
  templates: [
    { id: randomUUID(), type: 'sms' },
    { id: randomUUID(), type: 'email' },
  ],
}
let receiver: WritebackReceiver
let notify: FakeNotifyServer
let ai: FakeOpenAi
let idp: FakeOneLogin
const hooks: { headers: IncomingHttpHeaders; body: string }[] = []
const hookServer = createServer((req, res) => {
  let body = ''
  req.on('data', (chunk) => {
    body += chunk
  })
  req.on('end', () => {
    hooks.push({ headers: req.headers, body })
    res.writeHead(204).end()
  })
})
/** Every line Waypoint logged, across the three starts. */
const logged: string[] = []

/** Starts Waypoint with these settings on the one database, as a restart with a new environment. */
async function start(env: Record<string, string>): Promise<App> {
  await app?.stop()
  app = await createApp(
    loadConfig({
      NODE_ENV: 'test',
      NOTIFY_BASE_URL: notify.url,
      NOTIFY_SMS_TEMPLATE_IDS: `kent=${kentNotify.templates[0]!.id}`,
      NOTIFY_EMAIL_TEMPLATE_IDS: `kent=${kentNotify.templates[1]!.id}`,
      ...env,
    }),
    {
      db: database.db,
      clock,
      testRoutes: citizenTestSignIn,
      log: createLogger('info', { write: (line: string) => void logged.push(line) }),
    },
  )
  return app
}

before(async () => {
  database = await createTestDatabase()
  receiver = await WritebackReceiver.start({
    expectAuthorization: { cad: `Bearer ${CAD_TOKEN}`, rms: `Bearer ${RMS_TOKEN}` },
  })
  notify = new FakeNotifyServer({ keys: [kentNotify] })
  await notify.listen()
  ai = await startFakeOpenAi()
  idp = await startFakeOneLogin({
    redirectUris: [`${loadConfig({ NODE_ENV: 'test' }).http.publicUrl}/portal/one-login/callback`],
    users: [],
  })
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve))
})
after(async () => {
  await app?.stop()
  await database?.close()
  await receiver?.close()
  await notify?.close()
  await ai?.close()
  await idp?.close()
  hookServer.close()
})

const system = { actor: { kind: 'system' as const, id: null, name: 'Key rotation test' } }

/** Each kind of credential, set under the old key as staff and API clients set them. */
async function saveCredentials(
  on: App,
  staffId: string,
): Promise<{ webhookSecret: string; staffId: string }> {
  const endpoints = (cipher: CredentialKeys) =>
    new WritebackEndpointSettings(new WritebackRepository(on.db), {
      db: on.db,
      audit: on.services.audit,
      clock,
      cipher,
      allowHttp: true,
      outbound: on.outbound,
    })
  const endpoint = (target: 'cad' | 'rms', secret: string) => ({
    url: receiver.url(target, '/kent/{reference}'),
    authKind: 'bearer',
    secret,
    timeoutSeconds: '10',
    enabled: true,
  })
  await endpoints(on.services.credentials).save('kent', 'cad', endpoint('cad', CAD_TOKEN), system)
  // The RMS token was sealed under a key this installation never had (a restored copy, say).
  await endpoints(new CredentialKeys(STRANGER_KEY)).save('kent', 'rms', endpoint('rms', RMS_TOKEN), system)
  await on.db.withForce('kent', (tx) =>
    on.services.messaging.settings.setNotifyApiKey(tx, 'kent', notifyApiKey('kent_live', kentNotify), null),
  )
  on.services.messaging.settings.notifyKeyChanged('kent')
  const { secret: webhookSecret } = await on.services.portal.webhooks.subscribe(
    'kent',
    { url: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks`, events: ['case.updated'] },
    { clientId: 'rotation-test', ip: '127.0.0.1', correlationId: 'rotation' },
  )
  await on.services.portal.oneLogin.saveSettings(
    'kent',
    { issuer: idp.issuer, clientId: idp.clientId, privateKey: idp.clientPrivateKeyPem, vtr: 'Cl.Cm' },
    { staffId },
  )
  await on.services.assistProvider.save(
    'kent',
    {
      name: 'Kent model',
      baseUrl: ai.baseUrl,
      chatModel: 'kent-chat-1',
      transcriptionModel: '',
      apiKey: AI_KEY,
      timeoutSeconds: '5',
      redact: 'yes',
      features: ['chatbot'],
    },
    { actor: { kind: 'staff', id: staffId, name: 'Rotation Local' }, staffId },
  )
  // The social media connector's shared secret (decision 0055), kept while the channel is off.
  await on.services.social.save(
    'kent',
    { enabled: 'no', url: '', secret: SOCIAL_SECRET },
    { actor: { kind: 'staff', id: staffId, name: 'Rotation Local' }, staffId },
  )
  // The warehouse connection in the older `v1:` form, as sealed before keys were named.
  await on.db.withForce('kent', (tx) =>
    new WarehouseRepository().save(
      tx,
      {
        forceId: 'kent',
        connection: {
          sealed: new CredentialCipher(OLD.WRITEBACK_CREDENTIAL_KEY).encrypt(WAREHOUSE_URL),
          host: 'warehouse.example',
          database: 'crimes',
        },
        query: 'select * from crimes',
        watermarkColumn: 'updated_at',
        pollIntervalMinutes: 60,
        enabled: false,
      },
      null,
      clock.now(),
    ),
  )
  return { webhookSecret, staffId }
}

/**
 * Uses each credential against its peer, over HTTP: a write-back to CAD with its token, Notify's
 * "Test connection" with the force's key (from the console), a webhook signed with its secret, a
 * One Login request object signed with the private key, an Assist connection test with its key,
 * and the warehouse connection as the poller reads it. The RMS token opens under neither key.
 */
async function useCredentials(
  on: App,
  step: string,
  saved: { webhookSecret: string; staffId: string },
  browser: FormBrowser,
) {
  const delivery = (target: 'cad' | 'rms') =>
    on.db.withForce('kent', (tx) =>
      on.services.writeback.enqueue(tx, {
        forceId: 'kent',
        target,
        targetRef: 'KNT-20261206-0001',
        kind: 'note',
        body: { time: clock.now().toISOString(), channel: 'portal', content: 'Note', author: 'Waypoint' },
        idempotencyKey: `rotation-${step}-${target}`,
      }),
    )
  await delivery('cad')
  const rms = await delivery('rms')
  await on.services.writeback.deliverDue()
  assert.ok(
    receiver.entries('cad').some((e) => e.idempotencyKey === `rotation-${step}-cad`),
    `${step}: the write-back reached CAD with its token`,
  )
  assert.ok(!receiver.entries('rms').some((e) => e.idempotencyKey === `rotation-${step}-rms`))
  const [failed] = await on.db.withForce('kent', (tx) =>
    rows<{ status: string; last_error: string }>(
      tx,
      sql`select status, last_error from writeback_entries where id = ${rms.entry.id}`,
    ),
  )
  assert.equal(failed?.status, 'pending', `${step}: an RMS entry whose token cannot be opened waits`)
  assert.match(
    failed?.last_error ?? '',
    /cannot be opened with WRITEBACK_CREDENTIAL_KEY or WRITEBACK_CREDENTIAL_KEY_PREVIOUS .*enter it again/,
  )

  await browser.get('/console/messaging-settings')
  const tested = await browser.post('/console/messaging-settings/test-connection', {})
  assert.equal(tested.statusCode, 200)
  const result = tested.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')
  assert.match(result, /Text message template Working/, `${step}: Notify accepted the force's key`)

  const sent = hooks.length
  await on.db.withForce('kent', (tx) =>
    on.services.portal.webhooks.emit(tx, { type: 'case.updated', forceId: 'kent', data: { caseId: step } }),
  )
  await on.services.portal.webhooks.deliverDue()
  const hook = hooks[sent]
  assert.ok(hook, `${step}: the webhook was delivered`)
  const signature = String(hook.headers[SIGNATURE_HEADER.toLowerCase()])
  const timestamp = Number(/^t=(\d+),/.exec(signature)?.[1])
  assert.equal(
    signature,
    signWebhook(saved.webhookSecret, timestamp, hook.body),
    `${step}: signed with its secret`,
  )

  const { url } = await on.services.portal.oneLogin.begin('kent')
  const authorise = await fetch(url, { redirect: 'manual' })
  await authorise.arrayBuffer()
  assert.doesNotMatch(
    authorise.headers.get('location') ?? '',
    /error=/,
    `${step}: One Login accepted the request object signed with the force's private key`,
  )
  assert.ok(authorise.status < 400, `${step}: One Login answered ${authorise.status}`)

  const acting = {
    actor: { kind: 'staff' as const, id: saved.staffId, name: 'Rotation Local' },
    staffId: saved.staffId,
  }
  const connection = await on.services.assistProvider.testConnection('kent', acting)
  assert.equal(connection?.ok, true, `${step}: ${connection?.detail}`)
  assert.equal(ai.requests.at(-1)?.authorization, `Bearer ${AI_KEY}`)

  const source = await on.db.withForce('kent', (tx) => new WarehouseRepository().source(tx, 'kent'))
  assert.equal(on.services.warehouse.connectionOf(source!), WAREHOUSE_URL)
}

/** How many stored credentials of each table are not sealed under this key. */
async function notUnder(on: App, keys: CredentialKeys, notifyKeys: CredentialKeys) {
  const [found] = await on.db.asSystem((tx) =>
    rows<Record<string, number>>(
      tx,
      sql`select
        (select count(*)::int from writeback_endpoints where auth_secret_encrypted not like ${`v2:${keys.keyId}:%`}) as writeback,
        (select count(*)::int from messaging_settings where notify_api_key_sealed not like ${`v2:${notifyKeys.keyId}:%`}) as notify,
        (select count(*)::int from portal_webhooks where secret_sealed not like ${`v2:${keys.keyId}:%`}) as webhooks,
        (select count(*)::int from portal_one_login_settings where private_key_sealed not like ${`v2:${keys.keyId}:%`}) as "oneLogin",
        (select count(*)::int from assist_provider_settings where api_key_sealed not like ${`v2:${keys.keyId}:%`}) as assist,
        (select count(*)::int from warehouse_sources where connection_url_encrypted not like ${`v2:${keys.keyId}:%`}) as warehouse`,
    ),
  )
  return found
}

async function storedTotpSecret(userId: string): Promise<string> {
  const found = await app!.db.asSystem((tx) =>
    rows<{ totp_secret: string }>(tx, sql`select totp_secret from staff_users where id = ${userId}`),
  )
  return found[0]!.totp_secret
}

async function totpSignIn(email: string, secret: string) {
  return (await totpBrowser(email, secret)).response
}

/** A browser signed in with a password and an authenticator code, and the last answer. */
async function totpBrowser(email: string, secret: string) {
  clock.advance(30_000)
  const browser = new FormBrowser(app!)
  await browser.get('/sign-in')
  const password = await browser.post('/sign-in', { email, password: PASSWORD })
  assert.equal(password.headers.location, '/sign-in/mfa')
  await browser.get('/sign-in/mfa')
  const response = await browser.post('/sign-in/mfa', { code: await totpCodeAt(secret, clock.now()) })
  return { browser, response }
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

/** The log lines (as objects) whose message starts with these words. */
const loggedAs = (start: string) =>
  logged
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((l) => String(l.msg).startsWith(start))

test('CP-44, ASVS 2.8.2, UJ-6, UJ-9, UJ-15: keys are rotated without signing anyone out, losing an authenticator or a stored credential, or breaking a link already sent; the old keys stop working once removed', async () => {
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

  // Every kind of credential, sealed under the old credential key, works against its peer.
  const email = 'rotation.local@kent.police.example'
  const saved = await saveCredentials(before, staff.id)
  await useCredentials(before, 'before', saved, (await totpBrowser(email, totpSecret)).browser)
  const [oldCad] = await before.db.asSystem((tx) =>
    rows<{ sealed: string }>(
      tx,
      sql`select auth_secret_encrypted as sealed from writeback_endpoints where force_id = 'kent' and target = 'cad'`,
    ),
  )
  assert.equal(
    CredentialCipher.sealedKeyId(oldCad!.sealed),
    new CredentialKeys(OLD.WRITEBACK_CREDENTIAL_KEY).keyId,
  )

  // Step 1: restart with the new keys and the old ones as *_PREVIOUS.
  const during = await start(DURING)
  const url = await during.http.listen({ port: 0, host: '127.0.0.1' })

  // Every stored credential was sealed again under the new credential key at start-up, but the
  // RMS token, which opens under neither key: it was left, and logged without its value.
  const newKeys = new CredentialKeys(NEW.WRITEBACK_CREDENTIAL_KEY)
  assert.deepEqual(await notUnder(during, newKeys, newKeys.derive('waypoint:notify-api-key:')), {
    writeback: 1,
    notify: 0,
    webhooks: 0,
    oneLogin: 0,
    assist: 0,
    warehouse: 0,
  })
  const kinds = [
    'writeback-endpoint',
    'notify-api-key',
    'one-login-key',
    'portal-webhook-secret',
    'assist-provider-key',
    'warehouse-connection',
    'contact-social-secret',
  ]
  const [counted] = loggedAs('stored credentials sealed again')
  assert.deepEqual(counted?.resealed, Object.fromEntries(kinds.map((kind) => [kind, 1])))
  assert.deepEqual(
    counted?.unreadable,
    Object.fromEntries(kinds.map((kind) => [kind, kind === 'writeback-endpoint' ? 1 : 0])),
  )
  const [unreadable] = loggedAs('a stored credential opens under neither')
  assert.equal(unreadable?.level, 40)
  assert.deepEqual(
    [unreadable?.kind, unreadable?.forceId, unreadable?.record],
    ['writeback-endpoint', 'kent', 'rms'],
  )
  const audited = await during.db.withForce('kent', (tx) =>
    rows<{ actor_kind: string; record_type: string; detail: { resealed: number } }>(
      tx,
      sql`select actor_kind, record_type, detail from audit_events where action = 'credentials.resealed' order by record_type`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => [a.actor_kind, a.record_type, a.detail.resealed]),
    [...kinds].sort().map((kind) => ['system', kind, 1]),
  )
  // What the old key sealed still opens while it is the previous key; each credential works.
  assert.equal(during.services.credentials.decrypt(oldCad!.sealed), CAD_TOKEN)
  await useCredentials(during, 'during', saved, (await totpBrowser(email, totpSecret)).browser)
  // Two processes starting at once seal a value once: the CAD token, as if not yet sealed again.
  await during.db.asSystem((tx) =>
    tx.execute(
      sql`update writeback_endpoints set auth_secret_encrypted = ${oldCad!.sealed} where force_id = 'kent' and target = 'cad'`,
    ),
  )
  const store = {
    kind: 'writeback-endpoint',
    keys: during.services.credentials,
    table: 'writeback_endpoints',
    column: 'auth_secret_encrypted',
    id: 'target',
  }
  const reseal = () =>
    resealCredentials([store], { db: during.db, audit: during.services.audit, log: during.log })
  const twice = await Promise.all([reseal(), reseal()])
  assert.equal(
    twice.reduce((n, c) => n + (c.resealed['writeback-endpoint'] ?? 0), 0),
    1,
  )
  assert.equal((await notUnder(during, newKeys, newKeys.derive('waypoint:notify-api-key:'))).writeback, 1)

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
  // Nor does any stored credential: each works under the new key alone; the old key's are refused.
  assert.throws(() => afterwards.services.credentials.decrypt(oldCad!.sealed), CredentialUnreadableError)
  await useCredentials(afterwards, 'after', saved, (await totpBrowser(email, totpSecret)).browser)
  assert.equal(loggedAs('stored credentials sealed again').length, 3, 'no pass without a previous key')
  assert.ok(loggedAs('the write-back endpoint’s stored credential cannot be opened').length >= 3)
  // No credential, and no key, was ever logged.
  const log = logged.join('\n')
  for (const secret of [
    CAD_TOKEN,
    RMS_TOKEN,
    AI_KEY,
    'warehouse-password',
    kentNotify.secret,
    saved.webhookSecret,
    OLD.WRITEBACK_CREDENTIAL_KEY,
    NEW.WRITEBACK_CREDENTIAL_KEY,
  ])
    assert.ok(!log.includes(secret), 'a credential or key was logged')
})

test('CP-44: production refuses a SESSION_SECRET_PREVIOUS, WRITEBACK_CREDENTIAL_KEY or WRITEBACK_CREDENTIAL_KEY_PREVIOUS shorter than 32 characters; the previous values are read from the environment', () => {
  assert.throws(
    () => loadConfig({ ...productionSettings, SESSION_SECRET_PREVIOUS: 's'.repeat(31) }),
    /SESSION_SECRET_PREVIOUS must be at least 32 characters/,
  )
  assert.throws(
    () => loadConfig({ ...productionSettings, WRITEBACK_CREDENTIAL_KEY_PREVIOUS: 'w'.repeat(31) }),
    /WRITEBACK_CREDENTIAL_KEY_PREVIOUS must be at least 32 characters/,
  )
  assert.throws(
    () => loadConfig({ ...productionSettings, WRITEBACK_CREDENTIAL_KEY: 'w'.repeat(31) }),
    /WRITEBACK_CREDENTIAL_KEY must be at least 32 characters/,
  )
  const config = loadConfig({ ...productionSettings, ...DURING })
  assert.equal(config.writeback.credentialKeyPrevious, OLD.WRITEBACK_CREDENTIAL_KEY)
  assert.equal(config.sessionSecretPrevious, OLD.SESSION_SECRET)
  assert.equal(config.totpSecretKeyPrevious, OLD.TOTP_ENCRYPTION_KEY)
  assert.equal(config.messaging.linkSecretPrevious, OLD.MESSAGING_LINK_SECRET)
  assert.equal(config.messaging.notify.callbackTokenPrevious, OLD.NOTIFY_CALLBACK_TOKEN)
  const withoutPrevious = loadConfig(productionSettings)
  assert.equal(withoutPrevious.sessionSecretPrevious, undefined)
  assert.equal(withoutPrevious.messaging.linkSecretPrevious, undefined)
  assert.equal(withoutPrevious.messaging.notify.callbackTokenPrevious, undefined)
  assert.equal(withoutPrevious.writeback.credentialKeyPrevious, undefined)
})
