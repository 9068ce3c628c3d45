// Local (break-glass) staff sign-in over HTTP: password, TOTP, enrolment, lockout, rate limit,
// no account enumeration, session fixation, timeouts and sign-out; authenticator secrets sealed
// at rest.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { pino } from 'pino'
import { FormBrowser as SharedFormBrowser } from '../../../test/support/form-browser.ts'
import { productionSettings } from '../../../test/support/production-settings.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { type App, createApp } from '../../app.ts'
import { type Config, loadConfig } from '../config.ts'
import { CredentialCipher } from '../crypto.ts'
import { rows } from '../db/database.ts'
import { demoTotpCode, demoUsers, seedDemo } from '../seed.ts'
import { hashPassword } from './passwords.ts'
import type { StaffRole } from './roles.ts'
import { safeReturnTo } from './sign-in-routes.ts'
import { StaffSignInService } from './sign-in-service.ts'
import { newTotpSecret, totpCodeAt } from './totp.ts'
import { TotpSecretVault } from './totp-secrets.ts'

let t: TestApp
/** What the app logged at warn or above, one JSON object per entry. */
const logged: Record<string, unknown>[] = []
const PASSWORD = 'correct horse battery staple'

before(async () => {
  t = await createTestApp(
    {
      login: {
        maxFailedAttempts: 3,
        lockoutMinutes: 15,
        rateLimitMax: 6,
        rateLimitWindowMs: 60_000,
        setUpLinkHours: 72,
      },
    },
    { log: pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) }) },
  )
})
after(() => t.close())

/** The shared form browser, on this file's app unless told otherwise. */
class FormBrowser extends SharedFormBrowser {
  constructor(ip?: string, app: App = t.app) {
    super(app, ip)
  }
}

let userCounter = 0
/**
 * A local account with a password and, unless `enrolled: false`, a confirmed authenticator whose
 * secret is stored sealed — or in clear (`clearSecret`), as versions before decision 0009 stored it.
 */
async function aLocalUser(
  options: { enrolled?: boolean; roles?: StaffRole[]; clearSecret?: boolean; sealKey?: string } = {},
) {
  userCounter += 1
  const email = `local${userCounter}@kent.police.example`
  const user = await t.app.services.staff.create(
    {
      forceId: 'kent',
      email,
      displayName: `Local User ${userCounter}`,
      roles: options.roles ?? ['force_admin'],
      passwordHash: await hashPassword(PASSWORD),
    },
    null,
  )
  const secret = newTotpSecret()
  if (options.enrolled !== false) {
    const vault = new TotpSecretVault(options.sealKey ?? t.app.config.totpSecretKey)
    await t.app.services.staff.repository.update(user.id, {
      totpSecret: options.clearSecret ? secret : vault.seal(user.id, secret),
      totpConfirmedAt: t.clock.now(),
    })
  }
  return { id: user.id, email, secret }
}

async function passwordStep(browser: FormBrowser, email: string, password = PASSWORD, returnTo?: string) {
  await browser.get(`/sign-in${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`)
  const response = await browser.post('/sign-in', { email, password, ...(returnTo ? { returnTo } : {}) })
  // Follow the redirect as a browser would: the code page carries the new session's CSRF token.
  if (response.headers.location === '/sign-in/mfa') await browser.get('/sign-in/mfa')
  return response
}

const errorSummary = (body: string) =>
  /<ul class="govuk-list govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(body)?.[1]

async function auditActions(userId: string) {
  const found = await t.app.db.asSystem((tx) =>
    rows<{ action: string; detail: Record<string, unknown> }>(
      tx,
      sql`select action, detail from audit_events where record_id = ${userId} order by occurred_at, seq`,
    ),
  )
  return found
}

test('CP-47: a local account signs in with password then TOTP; a new session id is issued after each step', async () => {
  const user = await aLocalUser()
  const browser = new FormBrowser()
  const password = await passwordStep(browser, user.email, PASSWORD, '/console/users')
  assert.equal(password.statusCode, 302)
  assert.equal(password.headers.location, '/sign-in/mfa')
  const afterPassword = browser.cookies.get('waypoint_session')
  assert.ok(afterPassword)
  // Password alone is not a staff session.
  const tooEarly = await browser.get('/console')
  assert.equal(tooEarly.statusCode, 302)
  assert.match(String(tooEarly.headers.location), /^\/sign-in/)

  const mfaPage = await browser.get('/sign-in/mfa')
  assert.match(mfaPage.body, /Enter the code from your authenticator app/)
  const signedIn = await browser.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
  assert.equal(signedIn.statusCode, 302)
  assert.equal(signedIn.headers.location, '/console/users')
  const afterMfa = browser.cookies.get('waypoint_session')
  assert.ok(afterMfa && afterMfa !== afterPassword)
  const users = await browser.get('/console/users')
  assert.equal(users.statusCode, 200)

  // The half-signed-in session id is dead: replaying it gets nowhere.
  const replay = await t.app.http.inject({
    method: 'GET',
    url: '/sign-in/mfa',
    headers: { cookie: `waypoint_session=${afterPassword}` },
  })
  assert.equal(replay.statusCode, 302)
  assert.equal(replay.headers.location, '/sign-in')
  assert.deepEqual(
    (await auditActions(user.id)).map((a) => a.action),
    ['sign-in.succeeded'],
  )
})

test('CP-47: a first sign-in without a confirmed TOTP secret enrols an authenticator, confirmed with a code', async () => {
  const user = await aLocalUser({ enrolled: false })
  const browser = new FormBrowser()
  await passwordStep(browser, user.email)
  const enrol = await browser.get('/sign-in/mfa')
  assert.match(enrol.body, /Set up your authenticator app/)
  const secret = /<code class="waypoint-secret" id="totp-secret">([A-Z2-7]+)<\/code>/.exec(enrol.body)?.[1]
  assert.ok(secret)
  assert.match(enrol.body, new RegExp(`otpauth://totp/Waypoint:[^"<]*secret=${secret}`))

  const wrong = await browser.post('/sign-in/mfa', { code: '000000' })
  assert.equal(wrong.statusCode, 401)
  assert.match(errorSummary(wrong.body) ?? '', /code is not correct/)
  assert.equal((await t.app.services.staff.repository.findById(user.id))?.totpConfirmedAt, null)

  const ok = await browser.post('/sign-in/mfa', { code: await totpCodeAt(secret, t.clock.now()) })
  assert.equal(ok.statusCode, 302)
  assert.equal(ok.headers.location, '/console')
  assert.ok((await t.app.services.staff.repository.findById(user.id))?.totpConfirmedAt)
  assert.equal((await browser.get('/console')).statusCode, 200)
})

test('ASVS 2.8.4: a TOTP code cannot be used twice within its window', async () => {
  const user = await aLocalUser()
  const code = await totpCodeAt(user.secret, t.clock.now())
  const first = new FormBrowser()
  await passwordStep(first, user.email)
  assert.equal((await first.post('/sign-in/mfa', { code })).statusCode, 302)

  const second = new FormBrowser()
  await passwordStep(second, user.email)
  const reused = await second.post('/sign-in/mfa', { code })
  assert.equal(reused.statusCode, 401)
  assert.match(errorSummary(reused.body) ?? '', /already been used/)

  t.clock.advance(30_000)
  const next = await second.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
  assert.equal(next.statusCode, 302)
})

test('ASVS 2.8.3: a code one step either side is accepted for clock drift; two steps away is refused', async () => {
  const user = await aLocalUser()
  const browser = new FormBrowser()
  await passwordStep(browser, user.email)
  const twoStepsOld = await totpCodeAt(user.secret, new Date(t.clock.now().getTime() - 60_000))
  assert.equal((await browser.post('/sign-in/mfa', { code: twoStepsOld })).statusCode, 401)
  const oneStepOld = await totpCodeAt(user.secret, new Date(t.clock.now().getTime() - 30_000))
  assert.equal((await browser.post('/sign-in/mfa', { code: oneStepOld })).statusCode, 302)
})

test('ASVS 2.2.1: after the maximum failed attempts the account locks for the lockout period', async () => {
  const user = await aLocalUser()
  for (let i = 0; i < 3; i += 1) {
    assert.equal((await passwordStep(new FormBrowser(), user.email, 'wrong password')).statusCode, 401)
  }
  const locked = await passwordStep(new FormBrowser(), user.email, PASSWORD)
  assert.equal(locked.statusCode, 401)
  t.clock.advance(14 * 60_000)
  assert.equal((await passwordStep(new FormBrowser(), user.email, PASSWORD)).statusCode, 401)
  t.clock.advance(61_000)
  const unlocked = await passwordStep(new FormBrowser(), user.email, PASSWORD)
  assert.equal(unlocked.statusCode, 302)
  const failures = (await auditActions(user.id)).filter((a) => a.action === 'sign-in.failed')
  assert.deepEqual(
    failures.map((f) => f.detail.reason),
    ['wrong-password', 'wrong-password', 'wrong-password', 'locked', 'locked'],
  )
})

test('ASVS 2.2.1: wrong TOTP codes count towards the lockout and end the half-signed-in session', async () => {
  const user = await aLocalUser()
  const browser = new FormBrowser()
  await passwordStep(browser, user.email)
  assert.equal((await browser.post('/sign-in/mfa', { code: '111111' })).statusCode, 401)
  assert.equal((await browser.post('/sign-in/mfa', { code: '222222' })).statusCode, 401)
  const third = await browser.post('/sign-in/mfa', { code: '333333' })
  assert.equal(third.statusCode, 401)
  assert.match(third.body, /Sign in to Waypoint/)
  assert.equal(browser.cookies.get('waypoint_session'), undefined)
  assert.ok((await t.app.services.staff.repository.findById(user.id))?.lockedUntil)
})

test('ASVS 2.2.5: unknown email, wrong password, locked and disabled accounts all get the same message', async () => {
  const wrong = await aLocalUser()
  const locked = await aLocalUser()
  const disabled = await aLocalUser()
  await t.app.services.staff.repository.update(locked.id, {
    lockedUntil: new Date(t.clock.now().getTime() + 600_000),
  })
  await t.app.services.staff.disable(disabled.id, null)
  const responses = [
    await passwordStep(new FormBrowser(), 'nobody@kent.police.example', PASSWORD),
    await passwordStep(new FormBrowser(), wrong.email, 'not the password'),
    await passwordStep(new FormBrowser(), locked.email, PASSWORD),
    await passwordStep(new FormBrowser(), disabled.email, PASSWORD),
  ]
  const summaries = responses.map((r) => errorSummary(r.body))
  assert.ok(summaries[0]?.includes('Enter a correct email address and password'))
  assert.deepEqual(new Set(summaries).size, 1)
  assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([401]))
})

test('ASVS 2.2.5: a sign-in with an unknown email takes as long as one with a wrong password (dummy argon2 verify)', async (c) => {
  const user = await aLocalUser()
  // Measured as the CPU this process (the app, its database and argon2's threads) spends on each
  // sign-in, beside the wall time: on a machine busy with other work a sign-in's wall time
  // stretches by whatever else runs, and once measured the unknown email at half the wrong
  // password's with both doing the same argon2 work. The work is what an attacker's timing reads.
  const time = async (email: string) => {
    const browser = new FormBrowser()
    await browser.get('/sign-in')
    const started = performance.now()
    const cpu = process.cpuUsage()
    await browser.post('/sign-in', { email, password: 'a wrong password' })
    const used = process.cpuUsage(cpu)
    return { cpu: (used.user + used.system) / 1000, wall: performance.now() - started }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const unknown: { cpu: number; wall: number }[] = []
  const known: { cpu: number; wall: number }[] = []
  for (let i = 0; i < 7; i += 1) {
    unknown.push(await time(`nobody${i}@kent.police.example`))
    // Unlock between attempts so every known-account attempt does the real password check.
    await t.app.services.staff.repository.update(user.id, { failedAttempts: 0, lockedUntil: null })
    known.push(await time(user.email))
  }
  const of = (xs: { cpu: number; wall: number }[], key: 'cpu' | 'wall') => median(xs.map((x) => x[key]))
  const ratio = of(unknown, 'cpu') / of(known, 'cpu')
  c.diagnostic(
    `median CPU: unknown email ${of(unknown, 'cpu').toFixed(1)} ms, wrong password ${of(known, 'cpu').toFixed(1)} ms, ratio ${ratio.toFixed(2)}; ` +
      `median wall time ${of(unknown, 'wall').toFixed(1)} ms and ${of(known, 'wall').toFixed(1)} ms`,
  )
  // Without the dummy verify an unknown email costs a small fraction of a wrong password.
  assert.ok(ratio > 0.5 && ratio < 2, `ratio ${ratio}`)
})

test('ASVS 2.2.1: sign-in POSTs from one address are rate limited; another address is unaffected', async () => {
  const browser = new FormBrowser('10.9.9.9')
  await browser.get('/sign-in')
  const statuses: number[] = []
  for (let i = 0; i < 7; i += 1) {
    statuses.push(
      (await browser.post('/sign-in', { email: `guess${i}@kent.police.example`, password: 'guess' }))
        .statusCode,
    )
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429])
  const other = await passwordStep(new FormBrowser('10.9.9.10'), 'guess@kent.police.example', 'guess')
  assert.equal(other.statusCode, 401)
})

test('ASVS 3.5: returnTo only follows relative paths on this site (no open redirect)', async () => {
  assert.equal(safeReturnTo('/console/users?force=kent'), '/console/users?force=kent')
  for (const evil of [
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    '/console\r\nx',
    '',
  ]) {
    assert.equal(safeReturnTo(evil), '/console', evil)
  }
  const user = await aLocalUser()
  const browser = new FormBrowser()
  await passwordStep(browser, user.email, PASSWORD, '//evil.example/steal')
  const done = await browser.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
  assert.equal(done.statusCode, 302)
  assert.equal(done.headers.location, '/console')
})

test('ASVS 3.5: a returnTo with characters a Location header cannot carry is percent-encoded or refused, and sign-in completes', async () => {
  assert.equal(safeReturnTo('/\u3000/x'), '/%E3%80%80/x')
  assert.equal(safeReturnTo('/console/cases?q=Zoë'), '/console/cases?q=Zo%C3%AB')
  for (const odd of [
    '/\u0000x',
    '/console\u007f',
    '/\t/evil.example',
    '/%2F/evil.example/..',
    '/sign-in/mfa',
  ]) {
    const safe = safeReturnTo(odd)
    assert.ok(
      safe === '/console' || (/^\/[^/\\]/.test(safe) && /^[\x21-\x7e]+$/.test(safe)),
      `${odd} → ${safe}`,
    )
  }
  const user = await aLocalUser()
  const browser = new FormBrowser()
  const page = await browser.get('/sign-in?returnTo=/%E3%80%80/x')
  assert.equal(page.statusCode, 200)
  await passwordStep(browser, user.email, PASSWORD, '/\u3000/x')
  const done = await browser.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
  assert.equal(done.statusCode, 302, done.body)
  assert.equal(done.headers.location, '/%E3%80%80/x')
  assert.ok(browser.cookies.has('waypoint_session'), 'a staff session is set')
  const signedIn = await browser.get('/sign-in?returnTo=/%E3%80%80/x')
  assert.equal(signedIn.statusCode, 302, 'already signed in: sent on, not a 500')
  assert.equal(signedIn.headers.location, '/%E3%80%80/x')
})

test('ASVS 3.3.2: a session stops working after the idle timeout', async () => {
  const staff = await t.signInAs(['analyst'])
  assert.equal((await staff.get('/console')).statusCode, 200)
  t.clock.advance(29 * 60_000)
  assert.equal((await staff.get('/console')).statusCode, 200)
  t.clock.advance(31 * 60_000)
  const expired = await staff.get('/console')
  assert.equal(expired.statusCode, 302)
  assert.match(String(expired.headers.location), /^\/sign-in/)
})

test('ASVS 3.3.2: a session stops working after the absolute timeout even while in use', async () => {
  const staff = await t.signInAs(['analyst'])
  for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
    t.clock.advance(20 * 60_000)
    assert.equal((await staff.get('/console')).statusCode, 200, `at ${minutes} minutes`)
  }
  t.clock.advance(20 * 60_000)
  assert.equal((await staff.get('/console')).statusCode, 302)
})

test('CP-47: signing out ends the session server-side and is audited; sign-out needs the CSRF token', async () => {
  const user = await aLocalUser()
  const browser = new FormBrowser()
  await passwordStep(browser, user.email)
  await browser.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
  const session = browser.cookies.get('waypoint_session')!
  await browser.get('/console')
  assert.equal((await browser.post('/sign-out', {}, 'not-the-token')).statusCode, 403)
  const out = await browser.post('/sign-out', {})
  assert.equal(out.statusCode, 302)
  assert.equal(out.headers.location, '/sign-in')
  const reuse = await t.app.http.inject({
    method: 'GET',
    url: '/console',
    headers: { cookie: `waypoint_session=${session}` },
  })
  assert.equal(reuse.statusCode, 302)
  assert.deepEqual(
    (await auditActions(user.id)).map((a) => a.action),
    ['sign-in.succeeded', 'sign-out'],
  )
})

test('CP-47: the sign-in page is a GOV.UK form with labelled fields and an error summary linked to them', async () => {
  const browser = new FormBrowser()
  const page = await browser.get('/sign-in')
  assert.match(page.body, /<label class="govuk-label govuk-label--s" for="email">/)
  assert.match(page.body, /<label class="govuk-label govuk-label--s" for="password">/)
  const empty = await browser.post('/sign-in', { email: '', password: '' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /<a href="#email">Enter your email address<\/a>/)
  assert.match(empty.body, /<a href="#password">Enter your password<\/a>/)
  assert.match(empty.body, /<title>Error: /)
})

test('CP-47: the seeded demo administrator signs in with the password and the code the start-up banner prints', async () => {
  await seedDemo(t.app)
  await seedDemo(t.app)
  const admin = demoUsers[0]
  const browser = new FormBrowser()
  const password = await passwordStep(browser, admin.email, admin.password)
  assert.equal(password.headers.location, '/sign-in/mfa')
  const code = await demoTotpCode(admin.email, t.clock.now())
  const signedIn = await browser.post('/sign-in/mfa', { code: code! })
  assert.equal(signedIn.statusCode, 302)
  assert.equal((await browser.get('/console/users')).statusCode, 200)
})

async function storedSecret(userId: string): Promise<string | null> {
  const found = await t.app.db.asSystem((tx) =>
    rows<{ totp_secret: string | null }>(tx, sql`select totp_secret from staff_users where id = ${userId}`),
  )
  return found[0]?.totp_secret ?? null
}

async function signInWithCode(email: string, secret: string) {
  const browser = new FormBrowser()
  await passwordStep(browser, email)
  return browser.post('/sign-in/mfa', { code: await totpCodeAt(secret, t.clock.now()) })
}

test('ASVS 2.8.2: an enrolled authenticator secret is stored sealed, never in clear, and still signs in', async () => {
  const user = await aLocalUser({ enrolled: false })
  const browser = new FormBrowser()
  await passwordStep(browser, user.email)
  const enrol = await browser.get('/sign-in/mfa')
  const secret = /<code class="waypoint-secret" id="totp-secret">([A-Z2-7]+)<\/code>/.exec(enrol.body)?.[1]
  assert.ok(secret)
  const whileEnrolling = await storedSecret(user.id)
  assert.match(whileEnrolling ?? '', /^v2:[0-9a-f]{8}:[^:]+:[^:]+:[^:]+$/)
  assert.ok(!whileEnrolling?.includes(secret))
  // Showing the enrolment page again shows the same secret, opened from the sealed value.
  assert.match((await browser.get('/sign-in/mfa')).body, new RegExp(`id="totp-secret">${secret}<`))

  const ok = await browser.post('/sign-in/mfa', { code: await totpCodeAt(secret, t.clock.now()) })
  assert.equal(ok.statusCode, 302)
  const confirmed = await storedSecret(user.id)
  assert.equal(confirmed, whileEnrolling)
  assert.ok(!confirmed?.includes(secret))
  // Neither the base32 secret nor its bytes in another encoding appear in the row.
  assert.ok(!confirmed?.includes(Buffer.from(secret).toString('base64')))

  t.clock.advance(30_000)
  assert.equal((await signInWithCode(user.email, secret)).statusCode, 302)
})

test('ASVS 2.8.2: a sealed secret is bound to its account and opens only under the key it was sealed with', () => {
  const vault = new TotpSecretVault('key-one-for-this-test-0123456789abcdef')
  const secret = newTotpSecret()
  const sealed = vault.seal('user-a', secret)
  assert.notEqual(vault.seal('user-a', secret), sealed, 'each sealing uses a fresh IV')
  assert.deepEqual(vault.open('user-a', sealed), { secret, sealed: true })
  assert.throws(() => vault.open('user-b', sealed), { name: 'TotpSecretUnreadableError' })
  assert.throws(() => new TotpSecretVault('key-two').open('user-a', sealed), {
    name: 'TotpSecretUnreadableError',
  })
  assert.deepEqual(vault.open('user-a', secret), { secret, sealed: false })
})

test('ASVS 2.8.2: a secret stored in clear before encryption still signs in, and that sign-in seals it', async () => {
  const user = await aLocalUser({ clearSecret: true })
  assert.equal(await storedSecret(user.id), user.secret)
  const signedIn = await signInWithCode(user.email, user.secret)
  assert.equal(signedIn.statusCode, 302)
  assert.equal(signedIn.headers.location, '/console')
  const after = await storedSecret(user.id)
  assert.match(after ?? '', /^v2:/)
  assert.ok(!after?.includes(user.secret))
  assert.equal(new TotpSecretVault(t.app.config.totpSecretKey).open(user.id, after!).secret, user.secret)
  t.clock.advance(30_000)
  assert.equal((await signInWithCode(user.email, user.secret)).statusCode, 302)
})

test('ASVS 2.8.2: at start-up every secret still stored in clear is sealed, and those accounts still sign in', async () => {
  const first = await aLocalUser({ clearSecret: true })
  const second = await aLocalUser({ clearSecret: true })
  const alreadySealed = await aLocalUser()
  const sealedBefore = await storedSecret(alreadySealed.id)
  // Waypoint starting again on this database seals them before sign-in opens.
  const restarted = await createApp(t.app.config, { db: t.database.db, clock: t.clock, log: t.app.log })
  await restarted.stop()
  // Sealing again finds nothing left in clear.
  const signIn = new StaffSignInService(t.app.services.staff.repository, t.clock, t.app.config.login, {
    secrets: new TotpSecretVault(t.app.config.totpSecretKey),
    log: t.app.log,
  })
  assert.equal(await signIn.sealClearSecrets(), 0)
  const clear = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from staff_users where totp_secret is not null and totp_secret not like 'v1:%' and totp_secret not like 'v2:%'`,
    ),
  )
  assert.equal(clear[0]?.n, 0)
  assert.equal(await storedSecret(alreadySealed.id), sealedBefore)
  for (const user of [first, second]) {
    assert.ok(!(await storedSecret(user.id))?.includes(user.secret))
    assert.equal((await signInWithCode(user.email, user.secret)).statusCode, 302)
  }
})

test('ASVS 2.8.2: a secret that does not open under TOTP_ENCRYPTION_KEY refuses sign-in with a logged error, not a crash or a lockout', async () => {
  const user = await aLocalUser({ sealKey: 'a-key-this-waypoint-was-not-given-0123456789' })
  const browser = new FormBrowser()
  await passwordStep(browser, user.email)
  logged.length = 0
  for (let attempt = 0; attempt < 4; attempt++) {
    const refused = await browser.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
    assert.equal(refused.statusCode, 503)
    assert.match(errorSummary(refused.body) ?? '', /cannot check authenticator codes at the moment/)
  }
  const errors = logged.filter((line) => line.level === 50 && line.userId === user.id)
  assert.equal(errors.length, 4)
  assert.match(
    String(errors[0]?.msg),
    /cannot be decrypted: is TOTP_ENCRYPTION_KEY the key it was sealed with\?/,
  )
  assert.ok(!JSON.stringify(logged).includes(user.secret))
  // Not the person's fault: no lockout, the stored value is left as it was, and the audit says why.
  const row = await t.app.services.staff.repository.findById(user.id)
  assert.equal(row?.failedAttempts, 0)
  assert.equal(row?.lockedUntil, null)
  assert.equal(row?.lastSignInAt, null)
  assert.deepEqual(
    (await auditActions(user.id)).map((a) => [a.action, a.detail.reason]),
    Array(4).fill(['sign-in.failed', 'secret-unreadable']),
  )
  assert.equal((await browser.get('/console')).statusCode, 302)
})

test('ASVS 2.8.2: an unconfirmed enrolment whose secret does not open is replaced by a new one that works', async () => {
  const user = await aLocalUser({ enrolled: false })
  const unusable = new TotpSecretVault('a-key-this-waypoint-was-not-given-0123456789').seal(
    user.id,
    newTotpSecret(),
  )
  await t.app.services.staff.repository.update(user.id, { totpSecret: unusable })
  const browser = new FormBrowser()
  await passwordStep(browser, user.email)
  const enrol = await browser.get('/sign-in/mfa')
  assert.equal(enrol.statusCode, 200)
  const secret = /<code class="waypoint-secret" id="totp-secret">([A-Z2-7]+)<\/code>/.exec(enrol.body)?.[1]
  assert.ok(secret)
  const stored = await storedSecret(user.id)
  assert.notEqual(stored, unusable)
  assert.equal(new TotpSecretVault(t.app.config.totpSecretKey).open(user.id, stored!).secret, secret)
  const ok = await browser.post('/sign-in/mfa', { code: await totpCodeAt(secret, t.clock.now()) })
  assert.equal(ok.statusCode, 302)
})

test('ASVS 2.8.2: demo users are seeded with sealed secrets, seeding again changes nothing, and the printed code signs in', async () => {
  await seedDemo(t.app)
  const kent = demoUsers[1]
  const user = await t.app.services.staff.repository.findByEmail(kent.email)
  assert.ok(user)
  const first = await storedSecret(user.id)
  assert.match(first ?? '', /^v2:/)
  assert.ok(!first?.includes(kent.totpSecret))
  await seedDemo(t.app)
  assert.equal(await storedSecret(user.id), first)
  const browser = new FormBrowser()
  await passwordStep(browser, kent.email, kent.password)
  const signedIn = await browser.post('/sign-in/mfa', {
    code: (await demoTotpCode(kent.email, t.clock.now()))!,
  })
  assert.equal(signedIn.statusCode, 302)
})

test('ASVS 2.8.2: production refuses to start without a TOTP_ENCRYPTION_KEY of at least 32 characters', () => {
  const { TOTP_ENCRYPTION_KEY: _, ...production } = productionSettings
  assert.throws(() => loadConfig(production), /without: TOTP_ENCRYPTION_KEY/)
  assert.throws(() => loadConfig({ ...production, TOTP_ENCRYPTION_KEY: 'short' }), /at least 32 characters/)
  assert.equal(
    loadConfig({ ...production, TOTP_ENCRYPTION_KEY: 't'.repeat(32) }).totpSecretKey,
    't'.repeat(32),
  )
})

// Rotating TOTP_ENCRYPTION_KEY (decision 0009): the test app's key becomes the previous one. These
// tests start a second Waypoint on the same database, whose start-up pass seals under the new key
// every secret sealed under the old one, so they come last.
const NEW_TOTP_KEY = 'the-totp-key-after-rotation-0123456789abcdef'
const rotatedConfig = (): Config => ({
  ...t.app.config,
  totpSecretKey: NEW_TOTP_KEY,
  totpSecretKeyPrevious: t.app.config.totpSecretKey,
})
const startRotated = () => createApp(rotatedConfig(), { db: t.database.db, clock: t.clock, log: t.app.log })
const oldVault = () => new TotpSecretVault(t.app.config.totpSecretKey)
const newVault = () => new TotpSecretVault(NEW_TOTP_KEY)

test('ASVS 2.8.2: after the key is rotated, an account enrolled under the previous key signs in, and that sign-in seals its secret under the new key', async () => {
  const rotated = await startRotated()
  try {
    // Enrolled after this process started, so only the sign-in can seal it again.
    const user = await aLocalUser()
    const before = await storedSecret(user.id)
    assert.equal(CredentialCipher.sealedKeyId(before!), oldVault().keyId)
    assert.notEqual(oldVault().keyId, newVault().keyId)
    assert.ok(!before?.includes(NEW_TOTP_KEY) && !before?.includes(t.app.config.totpSecretKey))

    const browser = new FormBrowser(undefined, rotated)
    await passwordStep(browser, user.email)
    const signedIn = await browser.post('/sign-in/mfa', {
      code: await totpCodeAt(user.secret, t.clock.now()),
    })
    assert.equal(signedIn.statusCode, 302)
    assert.equal(signedIn.headers.location, '/console')

    const after = await storedSecret(user.id)
    assert.notEqual(after, before)
    assert.match(after ?? '', new RegExp(`^v2:${newVault().keyId}:[^:]+:[^:]+:[^:]+$`))
    assert.ok(!after?.includes(user.secret))
    // The new key alone opens it; the retired key no longer does.
    assert.deepEqual(newVault().open(user.id, after!), { secret: user.secret, sealed: true })
    assert.throws(() => oldVault().open(user.id, after!), { name: 'TotpSecretUnreadableError' })
    const row = await t.app.services.staff.repository.findById(user.id)
    assert.equal(row?.failedAttempts, 0)

    t.clock.advance(30_000)
    const again = new FormBrowser(undefined, rotated)
    await passwordStep(again, user.email)
    const second = await again.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
    assert.equal(second.statusCode, 302)
    assert.equal(await storedSecret(user.id), after)
  } finally {
    await rotated.stop()
  }
})

test('ASVS 2.8.2: at start-up after the key is rotated, every secret sealed under the previous key is sealed under the new one, and secrets already under the new key are untouched', async () => {
  const underOld = [await aLocalUser(), await aLocalUser()]
  // Sealed before sealed values named their key: the older `v1:` form, under the old key.
  const inV1 = await aLocalUser({ clearSecret: true })
  const v1 = new CredentialCipher(t.app.config.totpSecretKey).encrypt(
    inV1.secret,
    `waypoint:staff_users.totp_secret:${inV1.id}`,
  )
  assert.match(v1, /^v1:[^:]+:[^:]+:[^:]+$/)
  await t.app.services.staff.repository.update(inV1.id, { totpSecret: v1 })
  const underNew = [await aLocalUser({ sealKey: NEW_TOTP_KEY }), await aLocalUser({ sealKey: NEW_TOTP_KEY })]
  const newBefore = await Promise.all(underNew.map((user) => storedSecret(user.id)))

  const rotated = await startRotated()
  try {
    for (const user of [...underOld, inV1]) {
      const stored = await storedSecret(user.id)
      assert.equal(CredentialCipher.sealedKeyId(stored!), newVault().keyId)
      assert.deepEqual(newVault().open(user.id, stored!), { secret: user.secret, sealed: true })
    }
    assert.deepEqual(await Promise.all(underNew.map((user) => storedSecret(user.id))), newBefore)
    // Nothing opens under the old key any more: every readable secret is under the new one.
    const stillOld = await t.app.db.asSystem((tx) =>
      rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from staff_users where totp_secret like ${`v2:${oldVault().keyId}:%`}`,
      ),
    )
    assert.equal(stillOld[0]?.n, 0)
    // A second pass has nothing left to seal.
    const signIn = new StaffSignInService(t.app.services.staff.repository, t.clock, t.app.config.login, {
      secrets: new TotpSecretVault(NEW_TOTP_KEY, t.app.config.totpSecretKey),
      log: t.app.log,
    })
    assert.equal(await signIn.sealClearSecrets(), 0)
    // And those accounts sign in with the new key alone.
    for (const user of [underOld[0]!, inV1]) {
      const browser = new FormBrowser(undefined, rotated)
      await passwordStep(browser, user.email)
      const ok = await browser.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
      assert.equal(ok.statusCode, 302)
    }
  } finally {
    await rotated.stop()
  }
})

test('ASVS 2.8.2: with neither the current nor the previous key able to open a secret, sign-in is refused as before', async () => {
  const rotated = await startRotated()
  try {
    const user = await aLocalUser({ sealKey: 'a-key-this-waypoint-was-not-given-0123456789' })
    const before = await storedSecret(user.id)
    const browser = new FormBrowser(undefined, rotated)
    await passwordStep(browser, user.email)
    logged.length = 0
    const refused = await browser.post('/sign-in/mfa', { code: await totpCodeAt(user.secret, t.clock.now()) })
    assert.equal(refused.statusCode, 503)
    assert.match(errorSummary(refused.body) ?? '', /cannot check authenticator codes at the moment/)
    const errors = logged.filter((line) => line.level === 50 && line.userId === user.id)
    assert.equal(errors.length, 1)
    assert.match(String(errors[0]?.msg), /cannot be decrypted/)
    const row = await t.app.services.staff.repository.findById(user.id)
    assert.equal(row?.failedAttempts, 0)
    assert.equal(row?.lastSignInAt, null)
    assert.equal(await storedSecret(user.id), before)
    assert.deepEqual(
      (await auditActions(user.id)).map((a) => [a.action, a.detail.reason]),
      [['sign-in.failed', 'secret-unreadable']],
    )
    assert.equal((await browser.get('/console')).statusCode, 302)
  } finally {
    await rotated.stop()
  }
})

test('ASVS 2.8.2: production refuses a TOTP_ENCRYPTION_KEY_PREVIOUS shorter than 32 characters', () => {
  const production = productionSettings
  assert.throws(
    () => loadConfig({ ...production, TOTP_ENCRYPTION_KEY_PREVIOUS: 'p'.repeat(31) }),
    /TOTP_ENCRYPTION_KEY_PREVIOUS must be at least 32 characters/,
  )
  assert.equal(
    loadConfig({ ...production, TOTP_ENCRYPTION_KEY_PREVIOUS: 'p'.repeat(32) }).totpSecretKeyPrevious,
    'p'.repeat(32),
  )
  assert.equal(loadConfig(production).totpSecretKeyPrevious, undefined)
})
