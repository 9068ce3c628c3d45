// GOV.UK Notify as the real service behaves: each force with its own Notify service and templates,
// a Notify that answers later than Waypoint waits, and Notify's rate limit. A whole Waypoint and
// the fake GOV.UK Notify over real HTTP; the fake keeps each service's templates to that service.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { eq, inArray } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { loadConfig } from '../platform/config.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'
import { messageEvents, messages } from './schema.ts'

const kent = {
  serviceId: 'a1111111-1111-4111-8111-111111111111',
  secret: 'a2222222-2222-4222-8222-222222222222',
  templates: [
    { id: 'a3333333-3333-4333-8333-333333333333', type: 'sms' as const },
    { id: 'a4444444-4444-4444-8444-444444444444', type: 'email' as const },
  ],
}
const norfolk = {
  serviceId: 'b1111111-1111-4111-8111-111111111111',
  secret: 'b2222222-2222-4222-8222-222222222222',
  templates: [
    { id: 'b3333333-3333-4333-8333-333333333333', type: 'sms' as const },
    { id: 'b4444444-4444-4444-8444-444444444444', type: 'email' as const },
  ],
}
// The fake's rolling window is short so the rate-limit test takes seconds, not minutes.
const limitPerWindow = 4
const windowMs = 600
let t: TestApp
let notify: FakeNotifyServer
let norfolkAdmin: SignedIn
let appUrl: string

before(async () => {
  notify = new FakeNotifyServer({
    keys: [kent, norfolk],
    rateLimitPerMinute: limitPerWindow,
    rateLimitWindowMs: windowMs,
  })
  await notify.listen()
  // Kent is configured the installation's way (per-force environment variables); Norfolk's admin
  // sets its key and templates on the Messaging settings page.
  const config = loadConfig({
    NODE_ENV: 'test',
    NOTIFY_BASE_URL: notify.url,
    NOTIFY_API_KEYS: `kent=${notifyApiKey('kent_live', kent)}`,
    NOTIFY_SMS_TEMPLATE_IDS: `kent=${kent.templates[0]!.id}`,
    NOTIFY_EMAIL_TEMPLATE_IDS: `kent=${kent.templates[1]!.id}`,
    // Long enough for a busy machine's answers (a Test connection, a 400, a 429); the slow Notify
    // below never answers in time, so each of its requests costs this long.
    NOTIFY_TIMEOUT_MS: '2000',
    // Waypoint's own limit is well above this Notify's, as when a service's limit was lowered.
    NOTIFY_RATE_LIMIT_PER_MINUTE: '600',
    NOTIFY_RATE_LIMIT_PAUSE_SECONDS: String(windowMs / 1000),
    MESSAGING_RECONCILE_AFTER_SECONDS: '60',
  })
  t = await createTestApp(config)
  appUrl = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  for (const forceId of ['kent', 'norfolk']) {
    await t.app.db.withForce(forceId, async (tx) => {
      await t.app.services.messaging.settings.saveSettings(tx, forceId, { smsChannel: 'notify' }, null)
      await t.app.services.messaging.templates.addTemplateVersion(tx, {
        forceId,
        key: 'crime-recorded',
        title: 'Crime recorded',
        channel: 'sms',
        body: 'Dear ((first_name)), your crime has been recorded.',
      })
    })
  }
  norfolkAdmin = await t.signInAs(['force_admin'], 'norfolk', 'Nora Admin')
})

after(async () => {
  await t.close()
  await notify.close()
})

let sequence = 0
const schedule = (forceId: string) => {
  sequence += 1
  return t.app.db.withForce(forceId, (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId,
      personId: `p-${sequence}`,
      channel: 'sms',
      to: `07700 9${String(sequence).padStart(5, '0')}`,
      templateKey: 'crime-recorded',
      personalisation: { first_name: 'Sam' },
      urgent: true,
    }),
  )
}

const dispatch = async () => {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
}

const statusOf = async (ids: string[]) =>
  t.app.db.asSystem((tx) =>
    tx
      .select({ id: messages.id, status: messages.status, reason: messages.statusReason })
      .from(messages)
      .where(inArray(messages.id, ids)),
  )

const settingsForm = (extra: Record<string, string>) => ({
  smsDays: ['1', '2', '3', '4', '5', '6', '7'],
  smsStart: '00:00',
  smsEnd: '24:00',
  smsBankHolidays: 'yes',
  emailDays: ['1', '2', '3', '4', '5', '6', '7'],
  emailStart: '00:00',
  emailEnd: '24:00',
  emailBankHolidays: 'yes',
  christmasDays: 'no',
  smsChannel: 'notify',
  emailChannel: 'outbox',
  ...extra,
})

test('Two forces, each with its own GOV.UK Notify service and templates, both send; “Test connection” checks the key and both templates', async () => {
  t.clock.set('2026-06-02T10:00:00Z')
  // Norfolk's admin sets the force's key with a template of another service (Kent's).
  const saved = await norfolkAdmin.post(
    '/console/messaging-settings',
    settingsForm({
      notifyApiKey: notifyApiKey('norfolk_live', norfolk),
      notifySmsTemplateId: kent.templates[0]!.id,
      notifyEmailTemplateId: norfolk.templates[1]!.id,
    }),
  )
  assert.equal(saved.statusCode, 303, saved.body)
  const wrong = await norfolkAdmin.post('/console/messaging-settings/test-connection')
  assert.equal(wrong.statusCode, 200)
  const result = (html: string) =>
    html
      .slice(
        html.indexOf('id="notify-connection-result"'),
        html.indexOf('/console/messaging-settings/test-connection'),
      )
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
  assert.match(result(wrong.body), /API key Working GOV\.UK Notify accepted the API key/)
  assert.match(
    result(wrong.body),
    new RegExp(
      `Text message template Not working Template ${kent.templates[0]!.id} is not in the GOV\\.UK Notify service of this API key`,
    ),
  )
  assert.match(result(wrong.body), /Email template Working/)

  // A message sent with it is refused once, plainly, and not retried.
  const refused = await schedule('norfolk')
  const sendsBefore = notify.requests.send
  await dispatch()
  t.clock.advance(3_600_000)
  await dispatch()
  assert.equal(notify.requests.send - sendsBefore, 1, 'a 400 configuration error is not retried')
  const [failed] = await statusOf([refused.id])
  assert.equal(failed?.status, 'technical-failure')
  assert.match(
    failed?.reason ?? '',
    /GOV\.UK Notify has no such text message template in this force’s Notify service .*Template not found.*Messaging settings page/,
  )

  // With Norfolk's own template, the test passes and both forces send, each through its own service.
  await norfolkAdmin.post(
    '/console/messaging-settings',
    settingsForm({
      notifySmsTemplateId: norfolk.templates[0]!.id,
      notifyEmailTemplateId: norfolk.templates[1]!.id,
    }),
  )
  const right = await norfolkAdmin.post('/console/messaging-settings/test-connection')
  assert.doesNotMatch(result(right.body), /Not working/)
  assert.match(result(right.body), /Text message template Working Found/)
  const fromKent = await schedule('kent')
  const fromNorfolk = await schedule('norfolk')
  await new Promise((resolve) => setTimeout(resolve, windowMs))
  await dispatch()
  const [atKent] = notify.byReference(fromKent.reference)
  const [atNorfolk] = notify.byReference(fromNorfolk.reference)
  assert.deepEqual(
    { kent: [atKent?.serviceId, atKent?.templateId], norfolk: [atNorfolk?.serviceId, atNorfolk?.templateId] },
    {
      kent: [kent.serviceId, kent.templates[0]!.id],
      norfolk: [norfolk.serviceId, norfolk.templates[0]!.id],
    },
  )
})

test('A Notify that answers after Waypoint stops waiting, with late receipts, gets each message once: Waypoint asks again, never resends blind', async () => {
  t.clock.set('2026-06-02T11:00:00Z')
  await new Promise((resolve) => setTimeout(resolve, windowMs))
  const sent = [await schedule('kent'), await schedule('kent'), await schedule('kent')]
  const ids = sent.map((m) => m.id)
  // Notify accepts each message at once but answers every request after Waypoint's 2 s, and
  // its receipts come after the recheck: they are held until Notify answers again.
  let letReceiptsGo = () => {}
  notify.receipts = {
    url: `${appUrl}/callbacks/notify/kent/receipts`,
    bearerToken: t.app.config.messaging.notify.callbackToken,
    until: new Promise<void>((resolve) => {
      letReceiptsGo = resolve
    }),
  }
  notify.slow(60_000)
  try {
    await dispatch()
    assert.deepEqual(
      (await statusOf(ids)).map((m) => m.status),
      ['sending', 'sending', 'sending'],
    )
    // The recheck: the look-up by reference goes unanswered too. Not sent again.
    t.clock.advance(61_000)
    await dispatch()
    assert.deepEqual(
      (await statusOf(ids)).map((m) => m.status),
      ['sending', 'sending', 'sending'],
    )
    // It waits before asking again (backoff): a minute later nothing is asked.
    const lookUps = notify.requests.lookUp
    t.clock.advance(60_000)
    await dispatch()
    assert.equal(notify.requests.lookUp, lookUps, 'not asked again before its time')
  } finally {
    notify.slow(0)
    letReceiptsGo()
  }
  // Notify answers again; its late receipts arrive: every message ends delivered, none sent twice.
  t.clock.advance(10 * 60_000)
  await dispatch()
  await notify.settled()
  notify.receipts = undefined
  for (const m of sent) assert.equal(notify.byReference(m.reference).length, 1, m.reference)
  assert.deepEqual(
    (await statusOf(ids)).map((m) => m.status),
    ['delivered', 'delivered', 'delivered'],
  )
  const details = await t.app.db.asSystem((tx) =>
    tx
      .select({ detail: messageEvents.detail })
      .from(messageEvents)
      .where(inArray(messageEvents.messageId, ids)),
  )
  assert.ok(details.some((d) => /asking again at .*\(not sent again\)/.test(d.detail ?? '')))
  assert.ok(!details.some((d) => /sending again/.test(d.detail ?? '')))
})

test('A message Notify never accounts for is left for a person with the reason, not sent again', async () => {
  t.clock.set('2026-06-03T11:00:00Z')
  await new Promise((resolve) => setTimeout(resolve, windowMs))
  const message = await schedule('kent')
  notify.slow(60_000)
  try {
    await dispatch() // accepted, but the answer comes too late
    t.clock.advance(25 * 3_600_000) // past MESSAGING_RECONCILE_GIVE_UP_HOURS (24)
    await dispatch() // the look-up goes unanswered as well
  } finally {
    notify.slow(0)
  }
  const [row] = await statusOf([message.id])
  assert.equal(row?.status, 'technical-failure')
  assert.match(
    row?.reason ?? '',
    /^Needs a person: GOV\.UK Notify did not say whether it holds reference .* look the reference up/,
  )
  assert.equal(notify.byReference(message.reference).length, 1)
})

test('Notify’s rate limit: a 429 pauses the force’s sending until the window frees; few 429s, each message sent once, attempts not counted; 429s are in the metrics', async (context) => {
  t.clock.set('2026-06-02T12:00:00Z')
  await new Promise((resolve) => setTimeout(resolve, windowMs))
  const refusedBefore = notify.rateLimited
  const count = 20
  const batch: { id: string; reference: string }[] = []
  for (let i = 0; i < count; i += 1) batch.push(await schedule('kent'))
  const started = Date.now()
  // Dispatch runs as the jobs would, the clock moving a second per run.
  while (Date.now() - started < 20_000) {
    await dispatch()
    t.clock.advance(1000)
    if (batch.every((m) => notify.byReference(m.reference).length > 0)) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const windows = Math.ceil((Date.now() - started) / windowMs) + 1
  const refused = notify.rateLimited - refusedBefore
  context.diagnostic(
    `${count} messages, Notify at ${limitPerWindow} per ${windowMs} ms: ${refused} × 429 over ${windows} windows`,
  )
  for (const m of batch) assert.equal(notify.byReference(m.reference).length, 1, m.reference)
  // At most one batch in flight meets each closed window: bounded by windows, not messages.
  assert.ok(refused <= 2 * windows, `${refused} × 429 over ${windows} windows`)
  assert.ok(refused > 0, 'the limit was met')
  const rows = await t.app.db.asSystem((tx) =>
    tx
      .select({ attempts: messages.attempts })
      .from(messages)
      .where(
        inArray(
          messages.id,
          batch.map((m) => m.id),
        ),
      ),
  )
  assert.ok(
    rows.every((r) => r.attempts === 1),
    'a 429 is not a failed attempt',
  )
  const metrics = await t.app.http.inject({ method: 'GET', url: '/metrics' })
  const line = /waypoint_messaging_provider_rate_limited_total\{provider="notify"\} (\d+)/.exec(metrics.body)
  assert.ok(line, 'the 429 count is in the metrics')
  assert.ok(Number(line[1]) >= refused)
  void eq
})

test('Notify’s daily limit (429 TooManyRequestsError) pauses the force’s sending until midnight UK time, not for a minute, and the Messaging settings page says why', async () => {
  await new Promise((resolve) => setTimeout(resolve, windowMs))
  // 23:59:45 in London: Notify's day, and the pause, end in fifteen seconds. The pause is kept on
  // the database's own clock, so the checks below must fit inside it even on a loaded machine
  // (they take about two seconds on a quiet one).
  t.clock.set('2026-06-02T22:59:45Z')
  const message = await schedule('kent')
  notify.fail('daily-limit', 1)
  const sendsBefore = notify.requests.send
  await dispatch()
  const [held] = await t.app.db.asSystem((tx) =>
    tx.select().from(messages).where(eq(messages.id, message.id)),
  )
  assert.equal(held?.status, 'scheduled')
  assert.match(held?.lastError ?? '', /429 TooManyRequestsError: Exceeded send limits \(3000\) for today/)
  assert.equal(held?.attempts, 0, 'a 429 is not a failed attempt')
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kim Admin')
  const page = await admin.get('/console/messaging-settings')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /GOV.UK Notify’s daily limit was reached; sending resumes at midnight/)
  // Longer than the per-minute pause (0.6 s here): Notify is not asked again before midnight.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  t.clock.advance(1000)
  await dispatch()
  assert.equal(notify.requests.send, sendsBefore + 1, 'one 429, then no more asking')
  assert.equal(notify.byReference(message.reference).length, 0)
  // Midnight: Notify's new day, and the message goes once the database's clock passes it too.
  t.clock.set('2026-06-02T23:00:01Z')
  const giveUpAt = Date.now() + 30_000
  while (notify.byReference(message.reference).length === 0 && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    await dispatch()
  }
  assert.equal(notify.byReference(message.reference).length, 1)
  assert.equal(notify.requests.send, sendsBefore + 2, 'asked once more, at midnight')
  const after = await admin.get('/console/messaging-settings')
  assert.doesNotMatch(after.body, /daily limit was reached/)
})

test('A Notify outage shows in waypoint_dispatch_lag_seconds while its messages wait unanswered in sending, and once Notify accepts a send again those waiting out their backoff are asked about and sent at the next run, once each', async () => {
  // After the give-up test's clock (2026-06-04 12:00), so reconciliation is due by the clock.
  t.clock.set('2026-06-05T11:00:00Z')
  await new Promise((resolve) => setTimeout(resolve, windowMs))
  const lagOf = async (forceId: string) => {
    const metrics = await t.app.http.inject({ method: 'GET', url: '/metrics' })
    const line = new RegExp(`^waypoint_dispatch_lag_seconds\\{force="${forceId}"\\} (\\S+)$`, 'm').exec(
      metrics.body,
    )
    return line ? Number(line[1]) : undefined
  }
  // Notify answers every send with 500: the message may or may not be with Notify, so it waits in
  // `sending` to be looked up, and the alert's metric counts it as behind its time.
  notify.fail('500')
  const held = await schedule('kent')
  try {
    await dispatch()
    assert.deepEqual(
      (await statusOf([held.id])).map((m) => m.status),
      ['sending'],
    )
    assert.ok(((await lagOf('kent')) ?? 0) > 0, 'the outage shows in waypoint_dispatch_lag_seconds')
    // The console's page of the message says why it waits: the error and a line on its timeline.
    const [row] = await t.app.db.asSystem((tx) =>
      tx.select({ lastError: messages.lastError }).from(messages).where(eq(messages.id, held.id)),
    )
    // (On a loaded machine the 500 itself may come later than this suite's 2 s timeout.)
    assert.match(
      row?.lastError ?? '',
      /^(500 Exception: Internal server error|No answer from GOV\.UK Notify: .*timeout.*)$/,
    )
    const timeline = await t.app.db.asSystem((tx) =>
      tx
        .select({ detail: messageEvents.detail })
        .from(messageEvents)
        .where(eq(messageEvents.messageId, held.id)),
    )
    assert.ok(
      timeline.some((e) => /it is asked by our reference before anything is sent again/.test(e.detail ?? '')),
    )
    // Its look-up goes unanswered too: asked again only after a backoff (two minutes here).
    notify.slow(60_000)
    t.clock.advance(61_000)
    await dispatch()
  } finally {
    notify.slow(0)
    notify.fail('none')
  }
  const lookUps = notify.requests.lookUp
  // Notify recovers: the next message is accepted, and the held one is asked about at the next
  // run (seconds later, not after its backoff), found not to be there, and sent once.
  const next = await schedule('kent')
  t.clock.advance(1000)
  await dispatch()
  assert.equal(notify.byReference(next.reference).length, 1)
  t.clock.advance(6000)
  await dispatch()
  assert.ok(notify.requests.lookUp > lookUps, 'asked about before its backoff ended')
  assert.equal(notify.byReference(held.reference).length, 1, 'sent once after the look-up')
  assert.deepEqual(
    (await statusOf([held.id])).map((m) => m.status),
    ['sent'],
  )
  assert.equal((await lagOf('kent')) ?? 0, 0)
})
