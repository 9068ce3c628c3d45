// Messaging end to end: a whole Waypoint, a real fake GOV.UK Notify over HTTP and a real SMTP
// server. Time is a FixedClock, so quiet hours and reconciliation are deterministic.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, test } from 'node:test'
import { eq } from 'drizzle-orm'
import { SMTPServer } from 'smtp-server'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { loadConfig } from '../platform/config.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'
import { messages } from './schema.ts'

const kentKey = {
  serviceId: '11111111-1111-4111-8111-111111111111',
  secret: '22222222-2222-4222-8222-222222222222',
  templates: [
    { id: '33333333-3333-4333-8333-333333333333', type: 'sms' as const },
    { id: '44444444-4444-4444-8444-444444444444', type: 'email' as const },
  ],
}
const callbackToken = 'notify-callback-token-for-tests-0123456789'
let t: TestApp
let notify: FakeNotifyServer
let smtp: SMTPServer
let appUrl: string
const mail: { from: string; raw: string }[] = []

before(async () => {
  notify = new FakeNotifyServer({ keys: [kentKey] })
  await notify.listen()
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      let raw = ''
      stream.on('data', (chunk: Buffer) => {
        raw += chunk.toString()
      })
      stream.on('end', () => {
        mail.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', raw })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  const smtpPort = (smtp.server.address() as { port: number }).port
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp({
    http: { ...defaults.http, publicUrl: 'https://waypoint.example.org' },
    messaging: {
      ...defaults.messaging,
      notify: {
        ...defaults.messaging.notify,
        baseUrl: notify.url,
        apiKeys: { kent: notifyApiKey('waypoint_test', kentKey) },
        smsTemplateId: '33333333-3333-4333-8333-333333333333',
        emailTemplateId: '44444444-4444-4444-8444-444444444444',
        callbackToken,
        timeoutMs: 2000,
        rateLimitPauseSeconds: 0.2,
      },
      smtp: { url: `smtp://127.0.0.1:${smtpPort}`, from: 'updates@kent.example.org' },
      reconcileAfterSeconds: 60,
    },
  })
  appUrl = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  notify.receipts = {
    url: `${appUrl}/callbacks/notify/kent/receipts`,
    bearerToken: callbackToken,
    delayMs: 5,
  }
  notify.inbound = { url: `${appUrl}/callbacks/notify/kent/inbound-sms`, bearerToken: callbackToken }
  const messaging = t.app.services.messaging
  await t.app.db.withForce('kent', async (tx) => {
    await messaging.settings.saveSettings(
      tx,
      'kent',
      {
        smsChannel: 'notify',
        emailChannel: 'smtp',
        senderName: 'Kent Police',
        links: [{ text: 'Victim support', url: 'https://www.kent.police.uk/victims' }],
      },
      null,
    )
    await messaging.templates.addTemplateVersion(tx, {
      forceId: 'kent',
      key: 'crime-recorded',
      title: 'Crime recorded',
      channel: 'sms',
      body: 'Dear ((first_name)), your crime ((crime_ref)) has been recorded.',
    })
    await messaging.templates.addTemplateVersion(tx, {
      forceId: 'kent',
      key: 'crime-recorded',
      title: 'Crime recorded',
      channel: 'sms',
      language: 'cy',
      body: 'Annwyl ((first_name)), mae eich trosedd ((crime_ref)) wedi’i chofnodi.',
    })
    await messaging.templates.addTemplateVersion(tx, {
      forceId: 'kent',
      key: 'crime-recorded',
      title: 'Crime recorded',
      channel: 'email',
      subject: 'Crime ((crime_ref)) recorded',
      body: '# Your report\n\nDear ((first_name)), we have recorded your crime.',
    })
  })
})

after(async () => {
  await t.close()
  await notify.close()
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
})

const schedule = (
  request: Partial<Parameters<TestApp['app']['services']['messaging']['scheduling']['schedule']>[1]>,
) =>
  t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'kent',
      channel: 'sms',
      to: '07700 900123',
      templateKey: 'crime-recorded',
      personalisation: { first_name: 'Sam', crime_ref: '46/1234/26' },
      ...request,
    }),
  )

const messageById = async (id: string) => {
  const { message, events } = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.message(tx, id),
  )
  return { ...message, events: events.map((e) => e.toStatus) }
}

/** Runs the dispatch job through pg-boss, as a worker would. */
const dispatch = async () => {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
}

/** Looks every 20 ms until `check` holds, for up to 15 s: a loaded machine can take seconds. */
const waitFor = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 15_000
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

test('UJ-19: a Welsh speaker gets the Welsh template; a language without a variant falls back to English', async () => {
  t.clock.set('2026-06-02T10:00:00Z')
  const welsh = await schedule({ language: 'cy', personId: 'p-cy' })
  assert.equal(welsh.language, 'cy')
  assert.match(welsh.body, /^Annwyl Sam, mae eich trosedd 46\/1234\/26/)
  const polish = await schedule({ language: 'pl', personId: 'p-pl' })
  assert.equal(polish.language, 'en')
  assert.match(polish.body, /^Dear Sam/)
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.cancelPending(tx, {
      forceId: 'kent',
      personId: 'p-cy',
      reason: 'test tidy-up',
    }),
  )
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.cancelPending(tx, {
      forceId: 'kent',
      personId: 'p-pl',
      reason: 'test tidy-up',
    }),
  )
  assert.equal((await messageById(welsh.id)).status, 'cancelled')
})

test('A missing placeholder value is recorded as suppressed with the reason and never sent', async () => {
  t.clock.set('2026-06-02T10:00:00Z')
  const message = await schedule({ personalisation: { first_name: 'Sam' } })
  assert.equal(message.status, 'suppressed')
  assert.match(message.statusReason ?? '', /needs a value for: crime_ref/)
  assert.equal(message.body, '')
  await dispatch()
  assert.equal(notify.byReference(message.reference).length, 0)
})

test('UJ-8: a message due at 22:30 waits for 08:00; dispatch at 22:31 sends nothing, at 08:00 it goes', async () => {
  t.clock.set('2026-01-13T22:30:00Z')
  const message = await schedule({ personId: 'p-night' })
  assert.equal(message.sendAfter.toISOString(), '2026-01-14T08:00:00.000Z')
  t.clock.set('2026-01-13T22:31:00Z')
  await dispatch()
  assert.equal((await messageById(message.id)).status, 'scheduled')
  t.clock.set('2026-01-14T08:00:00Z')
  await dispatch()
  assert.equal(notify.byReference(message.reference).length, 1)
  const urgent = await schedule({
    personId: 'p-urgent',
    urgent: true,
    dueAt: new Date('2026-01-14T23:00:00Z'),
  })
  assert.equal(urgent.sendAfter.toISOString(), '2026-01-14T23:00:00.000Z')
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.cancelPending(tx, {
      forceId: 'kent',
      personId: 'p-urgent',
      reason: 'test tidy-up',
    }),
  )
})

const timeline = async (id: string) => {
  const { events } = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.message(tx, id),
  )
  return events.map((e) => e.detail ?? '')
}

test('UJ-8: only a message really held records "Held for quiet hours", in UK time; an urgent one says it went at once', async () => {
  // Journeys ask for "now" a moment before messaging reads the clock: that is not a hold.
  t.clock.set('2026-01-20T10:00:00.050Z')
  const unheld = await schedule({ personId: 'p-unheld', dueAt: new Date('2026-01-20T10:00:00Z') })
  assert.equal(unheld.sendAfter.toISOString(), '2026-01-20T10:00:00.050Z')
  assert.ok(
    (await timeline(unheld.id)).every((d) => !/quiet hours/i.test(d)),
    'no quiet-hours line',
  )
  t.clock.set('2026-03-05T22:30:00Z') // Friday 22:30 in London
  const held = await schedule({ personId: 'p-held' })
  assert.deepEqual(await timeline(held.id), ['Held for quiet hours until 8:00am on Friday 6 March 2026'])
  const urgent = await schedule({ personId: 'p-urgent-note', urgent: true })
  assert.equal(urgent.sendAfter.toISOString(), '2026-03-05T22:30:00.000Z')
  const urgentTimeline = await timeline(urgent.id)
  assert.ok(urgentTimeline.every((d) => !/Held for quiet hours/.test(d)))
  assert.deepEqual(urgentTimeline, ['Urgent: sent at once, although it is quiet hours'])
  // The message page speaks plainly, in UK time.
  const admin = await t.signInAs(['force_admin'], 'kent')
  const page = (await admin.get(`/console/outbox/${held.id}`)).body
  assert.match(page, /Held for quiet hours until 8:00am on Friday 6 March 2026/)
  assert.match(
    page,
    /Not sent before<\/dt><dd class="govuk-summary-list__value">8:00am on Friday 6 March 2026/,
  )
  assert.match(page, /Due<\/dt><dd class="govuk-summary-list__value">10:30pm on Thursday 5 March 2026/)
  assert.doesNotMatch(page, /\d{4}-\d\d-\d\dT\d\d:\d\d/, 'no ISO timestamps')
  const urgentPage = (await admin.get(`/console/outbox/${urgent.id}`)).body
  assert.match(urgentPage, /\(urgent: not held for quiet hours\)/)
  assert.doesNotMatch(urgentPage, /Held for quiet hours/)
  await t.app.db.withForce('kent', async (tx) => {
    for (const personId of ['p-unheld', 'p-held', 'p-urgent-note'])
      await t.app.services.messaging.scheduling.cancelPending(tx, {
        forceId: 'kent',
        personId,
        reason: 'test tidy-up',
      })
  })
})

test('UJ-8: dispatch checks quiet hours when it sends: a message due at 20:59:50 first reached at 23:00 waits for 08:00', async () => {
  t.clock.set('2026-01-21T20:59:50Z') // Wednesday 20:59:50 in London
  const message = await schedule({ personId: 'p-backlog' })
  assert.equal(message.sendAfter.toISOString(), '2026-01-21T20:59:50.000Z')
  t.clock.set('2026-01-21T23:00:00Z') // the first dispatch run after an outage
  await dispatch()
  const held = await messageById(message.id)
  assert.equal(held.status, 'scheduled')
  assert.equal(held.sendAfter.toISOString(), '2026-01-22T08:00:00.000Z')
  assert.equal(held.attempts, 0, 'a hold is not a failed attempt')
  assert.equal(notify.byReference(message.reference).length, 0, 'nothing went at 23:00')
  assert.match(
    (await timeline(message.id)).at(-1) ?? '',
    /^Held for quiet hours until 8:00am on Thursday 22 January 2026: it was due at 8:59pm on Wednesday 21 January 2026, but could not be sent before the sending window closed$/,
  )
  t.clock.set('2026-01-22T08:00:00Z')
  await dispatch()
  assert.equal(notify.byReference(message.reference).length, 1)
})

test('UJ-15: an SMS goes to GOV.UK Notify with our reference; duplicated, out-of-order receipts end in delivered', async () => {
  t.clock.set('2026-06-02T10:00:00Z')
  notify.receipts = {
    url: `${appUrl}/callbacks/notify/kent/receipts`,
    bearerToken: callbackToken,
    delayMs: 5,
    duplicate: true,
    outOfOrder: true,
  }
  const message = await schedule({ personId: 'p-receipt' })
  await dispatch()
  // Scheduling also wakes this process's dispatcher, whose run may have claimed the message and be
  // sending it while the run asked for above found nothing to do (once in CI, under load).
  await waitFor(async () => notify.byReference(message.reference).length > 0, 'Notify to hold the message')
  const [sent] = notify.byReference(message.reference)
  assert.ok(sent, 'Notify holds the message under our reference')
  assert.equal(sent.personalisation.body, 'Dear Sam, your crime 46/1234/26 has been recorded.')
  assert.equal(sent.to, '07700 900123')
  await notify.settled()
  const after = await messageById(message.id)
  assert.equal(after.status, 'delivered')
  assert.equal(after.providerRef, sent.id)
  assert.deepEqual(after.events, ['scheduled', 'sending', 'sent', 'delivered'])
  // A late "sending" or a repeated receipt changes nothing.
  const late = await fetch(`${appUrl}/callbacks/notify/kent/receipts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${callbackToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: sent.id, reference: message.reference, status: 'temporary-failure' }),
  })
  assert.equal(late.status, 204)
  assert.equal((await messageById(message.id)).status, 'delivered')
  notify.receipts = {
    url: `${appUrl}/callbacks/notify/kent/receipts`,
    bearerToken: callbackToken,
    delayMs: 5,
  }
})

test('UJ-15: a receipt that arrives before the dispatcher has recorded the send still leaves the message sent once, with its time, then delivered', async () => {
  t.clock.set('2026-06-02T10:00:00Z')
  // Notify accepts at once and calls back after 5 ms, but its answer to the send comes 400 ms late.
  notify.slow(400)
  try {
    const message = await schedule({ personId: 'p-early-receipt' })
    await dispatch()
    await notify.settled()
    const after = await messageById(message.id)
    assert.equal(after.status, 'delivered')
    assert.ok(after.sentAt, 'the send is recorded with its time')
    assert.equal(after.providerRef, notify.byReference(message.reference)[0]?.id)
    assert.deepEqual(after.events, ['scheduled', 'sending', 'sent', 'delivered'])
  } finally {
    notify.slow(0)
  }
})

test('UJ-15: the receipt callback refuses a wrong bearer token', async () => {
  const response = await fetch(`${appUrl}/callbacks/notify/kent/receipts`, {
    method: 'POST',
    headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'x', status: 'delivered' }),
  })
  assert.equal(response.status, 401)
})

test('Effectively once: a crash after Notify accepted is reconciled by reference, not sent twice', async () => {
  t.clock.set('2026-06-02T11:00:00Z')
  const message = await schedule({ personId: 'p-crash' })
  // The worker marks it sending and Notify accepts it; then the worker dies before recording.
  await t.app.db.asSystem((tx) =>
    tx.update(messages).set({ status: 'sending', sendingSince: t.clock.now() }).where(sqlEq(message.id)),
  )
  const accepted = await fetch(`${notify.url}/v2/notifications/sms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwtFor(kentKey)}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      phone_number: message.recipient,
      template_id: '33333333-3333-4333-8333-333333333333',
      reference: message.reference,
      personalisation: { body: message.body },
    }),
  })
  assert.equal(accepted.status, 201)
  t.clock.advance(61_000)
  await dispatch()
  const after = await messageById(message.id)
  assert.ok(['sent', 'delivered'].includes(after.status))
  assert.equal(notify.byReference(message.reference).length, 1)
})

test('Effectively once: a reconciliation that read an attempt which another worker has since sent again leaves the newer attempt alone', async () => {
  t.clock.set('2026-06-02T11:30:00Z')
  const message = await schedule({ personId: 'p-two-workers' })
  // A worker died while sending it: it is in `sending`, and GOV.UK Notify never got it.
  await t.app.db.asSystem((tx) =>
    tx.update(messages).set({ status: 'sending', sendingSince: t.clock.now() }).where(sqlEq(message.id)),
  )
  t.clock.advance(61_000)
  // This worker's reconciliation reads it and asks Notify, which answers late…
  notify.slow(1500)
  const lookUps = notify.requests.lookUp
  const run = dispatch()
  await waitFor(async () => notify.requests.lookUp > lookUps, 'the look-up by reference')
  // …while another worker has reconciled it already and sent it again: a newer attempt, its
  // answer not back yet.
  const newer = new Date(t.clock.now().getTime() + 1000)
  await t.app.db.asSystem((tx) => tx.update(messages).set({ sendingSince: newer }).where(sqlEq(message.id)))
  notify.slow(0)
  await run
  const after = await messageById(message.id)
  assert.equal(after.status, 'sending', 'the newer attempt is left to its own worker and reconciliation')
  assert.equal(after.sendingSince?.getTime(), newer.getTime())
  assert.equal(notify.byReference(message.reference).length, 0, 'not sent again by this worker')
  assert.deepEqual(after.events, ['scheduled'])
})

test('Effectively once: Notify hanging, then 500, then 429 — the message is sent exactly once', async () => {
  t.clock.set('2026-06-02T12:00:00Z')
  const message = await schedule({ personId: 'p-faults' })
  notify.fail('hang', 1)
  await dispatch()
  assert.equal(
    (await messageById(message.id)).status,
    'sending',
    'an unanswered call is left for reconciliation',
  )
  notify.fail('500', 1)
  t.clock.advance(61_000)
  await dispatch() // reconcile: not at Notify → scheduled → send → 500 (unknown) → sending
  assert.equal((await messageById(message.id)).status, 'sending')
  notify.fail('429', 1)
  t.clock.advance(61_000)
  await dispatch() // reconcile → scheduled → 429 → scheduled again a second later
  const retried = await messageById(message.id)
  assert.equal(retried.status, 'scheduled')
  assert.match(retried.lastError ?? '', /429/)
  // The force's sending pauses until Notify's window frees (0.2 s of real time here), then it
  // goes. Asked again until then, since a busy machine may reach the first try inside the pause.
  const deadline = Date.now() + 10_000
  do {
    await new Promise((resolve) => setTimeout(resolve, 250))
    t.clock.advance(2_000)
    await dispatch()
  } while (notify.byReference(message.reference).length === 0 && Date.now() < deadline)
  assert.equal(notify.byReference(message.reference).length, 1)
  await notify.settled()
  assert.equal((await messageById(message.id)).status, 'delivered')
})

test('A permanent failure marks the number bad, lists it for staff, and later messages to it are suppressed', async () => {
  t.clock.set('2026-06-02T13:00:00Z')
  const message = await schedule({ personId: 'p-bad', to: '07700900003' })
  await dispatch()
  await notify.settled()
  await waitFor(
    async () => (await messageById(message.id)).status === 'permanent-failure',
    'the permanent-failure receipt',
  )
  const next = await schedule({ personId: 'p-bad', to: '+447700900003' })
  assert.equal(next.status, 'suppressed')
  assert.match(next.statusReason ?? '', /failed permanently/)
  const admin = await t.signInAs(['force_admin'], 'kent')
  const page = await admin.get('/console/opt-outs')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /\+447700900003/)
})

test('UJ-6: a text reply "stop all" opts the number out and cancels what was waiting for it', async () => {
  t.clock.set('2026-06-02T22:00:00Z')
  const waiting = await schedule({ personId: 'p-stop', to: '07700900555' })
  assert.equal(waiting.status, 'scheduled')
  assert.equal(await notify.receiveText('+447700900555', 'Stop all'), 200)
  assert.equal((await messageById(waiting.id)).status, 'cancelled')
  const optedOut = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.optOuts.isOptedOut(tx, 'kent', 'sms', '07700 900555'),
  )
  assert.equal(optedOut, true)
  const later = await schedule({ personId: 'p-stop', to: '07700900555' })
  assert.equal(later.status, 'suppressed')
  assert.equal(await notify.receiveText('+447700900556', 'Thanks, see you then'), 204)
})

test('UJ-6: email over SMTP carries one-click unsubscribe headers; the signed link records the opt-out on a page in the force’s branding', async () => {
  t.clock.set('2026-06-03T09:00:00Z')
  const message = await schedule({ channel: 'email', to: 'Victim@Example.org', personId: 'p-email' })
  await dispatch()
  await waitFor(async () => mail.some((m) => m.raw.includes(message.reference)), 'the email')
  const raw = mail.find((m) => m.raw.includes(message.reference))?.raw ?? ''
  assert.match(raw, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/)
  const link = /List-Unsubscribe:\s*<(https:\/\/waypoint\.example\.org\/unsubscribe\/[^>]+)>/.exec(
    raw.replace(/\r\n\s+/g, ''),
  )?.[1]
  assert.ok(link, 'a signed unsubscribe link')
  assert.match(raw, /Victim support/)
  // The same link, visible in the email itself (text and HTML parts); no "Reply STOP".
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
  assert.match(
    unfolded,
    new RegExp(`To stop getting these emails, use this link: ${link.replaceAll('.', '\\.')}`),
  )
  assert.match(unfolded, new RegExp(`<a href="${link.replaceAll('.', '\\.')}">Stop getting these emails</a>`))
  assert.doesNotMatch(unfolded, /STOP/)
  const path = new URL(link).pathname
  const tampered = await t.app.http.inject({
    method: 'POST',
    url: `${path.slice(0, -2)}xx`,
    payload: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  assert.equal(tampered.statusCode, 404)
  assert.doesNotMatch(tampered.body, /\/brand\//, 'a link that is not valid names no force')
  const page = await t.app.http.inject({ method: 'GET', url: path })
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Stop emails/)
  // The public page a message links to wears its force's colours and name, as the other public pages do.
  assert.match(page.body, /<link rel="stylesheet" href="\/brand\/kent\/style\.css">/)
  assert.match(page.body, /Kent Police/)
  const oneClick = await t.app.http.inject({
    method: 'POST',
    url: path,
    payload: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  assert.equal(oneClick.statusCode, 200)
  assert.match(oneClick.body, /You have unsubscribed/)
  assert.match(oneClick.body, /\/brand\/kent\/style\.css/)
  const optedOut = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.optOuts.isOptedOut(tx, 'kent', 'email', 'victim@example.org'),
  )
  assert.equal(optedOut, true)
})

test('UJ-11: an email through GOV.UK Notify reads as written, ends with the visible unsubscribe link and gives Notify the one-click link', async () => {
  t.clock.set('2026-06-03T09:30:00Z')
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.settings.saveSettings(tx, 'kent', { emailChannel: 'notify' }, null),
  )
  try {
    const message = await schedule({
      channel: 'email',
      to: 'sam@example.org',
      personId: 'p-notify-email',
      personalisation: { first_name: 'Sam-Jo', crime_ref: 'C1-LOG-0' },
    })
    await dispatch()
    const [sent] = notify.byReference(message.reference)
    assert.ok(sent, 'Notify holds the email')
    assert.equal(sent.type, 'email')
    assert.equal(sent.personalisation.subject, 'Crime C1-LOG-0 recorded')
    assert.match(
      sent.personalisation.body ?? '',
      /^# Your report\n\nDear Sam-Jo, we have recorded your crime\.\n\n---\n\nTo stop getting these emails, use this link: https:\/\/waypoint\.example\.org\/unsubscribe\/\S+$/,
    )
    assert.ok(!(sent.personalisation.body ?? '').includes('\\'), 'no markdown escapes')
    // The same signed link goes to Notify for the one-click unsubscribe header.
    assert.match(sent.oneClickUnsubscribeUrl ?? '', /^https:\/\/waypoint\.example\.org\/unsubscribe\/\S+$/)
    assert.ok((sent.personalisation.body ?? '').endsWith(sent.oneClickUnsubscribeUrl ?? 'none'))
  } finally {
    await t.app.db.withForce('kent', (tx) =>
      t.app.services.messaging.settings.saveSettings(tx, 'kent', { emailChannel: 'smtp' }, null),
    )
  }
})

test('UJ-12: the outbox shows each message as the person sees it, with the force branding, to its own force only', async () => {
  t.clock.set('2026-06-03T10:00:00Z')
  await t.app.db.withForce('essex', (tx) =>
    t.app.services.messaging.templates.addTemplateVersion(tx, {
      forceId: 'essex',
      key: 'hello',
      title: 'Hello',
      channel: 'email',
      subject: 'Hello',
      body: 'Hello ((name))',
    }),
  )
  const essexMessage = await t.app.db.withForce('essex', (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'essex',
      channel: 'email',
      to: 'a@example.org',
      templateKey: 'hello',
      personalisation: { name: '<b>Ann</b>' },
    }),
  )
  await dispatch()
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  const essexPage = await essexAdmin.get(`/console/outbox/${essexMessage.id}`)
  assert.equal(essexPage.statusCode, 200)
  assert.match(essexPage.body, /<iframe src="\/console\/outbox\/[0-9a-f-]+\/email"/)
  const email = await essexAdmin.get(`/console/outbox/${essexMessage.id}/email`)
  assert.match(email.body, /Essex Police/)
  assert.match(email.body, /&lt;b&gt;Ann&lt;\/b&gt;/)
  const kentAdmin = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await kentAdmin.get(`/console/outbox/${essexMessage.id}`)).statusCode, 404)
  const kentList = await kentAdmin.get('/console/outbox')
  assert.equal(kentList.statusCode, 200)
  assert.ok(!kentList.body.includes('a@example.org'))
  assert.match(kentList.body, /Dear Sam/)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get('/console/outbox')).statusCode, 403)
})

test('UJ-6: staff record an opt-out on request; bad input shows an error summary and keeps what was typed', async () => {
  const handler = await t.signInAs(['contact_handler'], 'kent')
  const bad = await handler.post('/console/opt-outs', {
    channel: 'sms',
    address: 'not a number',
    note: 'asked by phone',
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /govuk-error-summary/)
  assert.match(bad.body, /value="not a number"/)
  const good = await handler.post('/console/opt-outs', {
    channel: 'all',
    address: '07700 900777',
    note: 'asked by phone',
  })
  assert.equal(good.statusCode, 303)
  const optedOut = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.optOuts.isOptedOut(tx, 'kent', 'sms', '+447700900777'),
  )
  assert.equal(optedOut, true)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal(
    (await analyst.post('/console/opt-outs', { channel: 'sms', address: '07700900778' })).statusCode,
    403,
  )
})

function sqlEq(id: string) {
  return eq(messages.id, id)
}

function jwtFor(key: { serviceId: string; secret: string }): string {
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url')
  const payload = Buffer.from(
    JSON.stringify({ iss: key.serviceId, iat: Math.floor(Date.now() / 1000) }),
  ).toString('base64url')
  const signature = createHmac('sha256', key.secret).update(`${header}.${payload}`).digest('base64url')
  return `${header}.${payload}.${signature}`
}
