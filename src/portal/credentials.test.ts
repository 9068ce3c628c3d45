// Messages that carry a credential (migration 1020): a Portal security code and an invitation's
// single-use link reach the person through GOV.UK Notify, while staff who read the outbox, a
// message, the outbox's CSV, its search, a case's or a person's messages, and the CAD or RMS the
// message is written back to see only "[code hidden]" or "[link hidden]"; once handed over, the
// credential is gone from the database, and a failed one is not sent again.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import { aCitizenBrowser, codeIn, linkIn, aVictimCase } from '../../test/support/portal-citizen.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'
import { WritebackEndpointSettings } from '../writeback/endpoint-settings.ts'
import { WritebackReceiver } from '../writeback/receiver.ts'
import { WritebackRepository } from '../writeback/repository.ts'

const kent = {
  serviceId: 'c1111111-1111-4111-8111-111111111111',
  secret: 'c2222222-2222-4222-8222-222222222222',
  templates: [
    { id: 'c3333333-3333-4333-8333-333333333333', type: 'sms' as const },
    { id: 'c4444444-4444-4444-8444-444444444444', type: 'email' as const },
  ],
}
const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
let notify: FakeNotifyServer
let receiver: WritebackReceiver
let reader: SignedIn

before(async () => {
  notify = new FakeNotifyServer({ keys: [kent] })
  await notify.listen()
  const config = loadConfig({
    NODE_ENV: 'test',
    NOTIFY_BASE_URL: notify.url,
    NOTIFY_API_KEYS: `kent=${notifyApiKey('kent_live', kent)}`,
    NOTIFY_SMS_TEMPLATE_IDS: `kent=${kent.templates[0]!.id}`,
    NOTIFY_EMAIL_TEMPLATE_IDS: `kent=${kent.templates[1]!.id}`,
  })
  t = await createTestApp(config, { clock })
  await t.app.services.portal.installDefaults('kent')
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.settings.saveSettings(
      tx,
      'kent',
      { smsChannel: 'notify', emailChannel: 'notify' },
      null,
    ),
  )
  receiver = await WritebackReceiver.start()
  const endpoints = new WritebackEndpointSettings(new WritebackRepository(t.app.db), {
    db: t.app.db,
    audit: t.app.services.audit,
    clock,
    cipher: t.app.services.writeback.cipher,
    allowHttp: true,
    outbound: t.app.outbound,
  })
  for (const target of ['cad', 'rms'] as const)
    await endpoints.save(
      'kent',
      target,
      { url: receiver.url(target, '/{reference}'), authKind: 'none', enabled: true },
      { actor: { kind: 'system', id: null, name: 'test' } },
    )
  reader = await t.signInAs(['supervisor'], 'kent')
})
after(async () => {
  await receiver?.refuseConnections()
  await t?.close()
  await notify?.close()
})

/** Dispatch, receipts and write-back run as a worker would run them. */
async function settle() {
  for (let i = 0; i < 4; i++) {
    // What is due by the test's clock, as the minutely dispatch run finds it.
    await t.app.jobs.boss.send('messaging.dispatch-due', {})
    await t.app.jobs.drain()
    await notify.settled()
  }
}

/** What the person got from GOV.UK Notify for one of our messages. */
function receivedAt(reference: string): string {
  const [sent] = notify.byReference(reference)
  assert.ok(sent, 'GOV.UK Notify took the message')
  return `${sent.personalisation.subject ?? ''}\n${sent.personalisation.body}`
}

async function newest(templateKey: string) {
  const [row] = await t.app.db.withForce('kent', (tx) =>
    rows<{
      id: string
      reference: string
      subject: string | null
      body: string
      body_markdown: string | null
      body_html: string | null
      status: string
      provider_ref: string | null
      sensitive: boolean
    }>(
      tx,
      sql`select id, reference, subject, body, body_markdown, body_html, status, provider_ref, sensitive
          from messages where template_key = ${templateKey} order by created_at desc, id desc limit 1`,
    ),
  )
  assert.ok(row, `a ${templateKey} message`)
  return row
}

async function secretsHeld(messageId: string): Promise<number> {
  const [row] = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from message_secrets where message_id = ${messageId}::uuid`,
    ),
  )
  return row!.n
}

/** Every page staff may read about a message, the case and the person, and the outbox's CSV. */
async function staffViews(message: { id: string }, victim: Victim): Promise<Record<string, string>> {
  const pages: Record<string, LightMyRequestResponse> = {
    outbox: await reader.get('/console/outbox'),
    search: await reader.get(`/console/outbox?q=${encodeURIComponent(victim.name)}`),
    csv: await reader.get('/console/outbox/export.csv'),
    message: await reader.get(`/console/outbox/${message.id}`),
    email: await reader.get(`/console/outbox/${message.id}/email`),
    'case message': await reader.get(`/console/cases/messages/${message.id}`),
    crime: await reader.get(`/console/cases/crimes/${victim.crimeId}`),
    person: await reader.get(`/console/people/${victim.personId}`),
  }
  const bodies: Record<string, string> = {}
  for (const [name, response] of Object.entries(pages)) {
    // An SMS has no email page; the case message page shows journeys' messages only.
    if ((name === 'email' || name === 'case message') && response.statusCode === 404) continue
    assert.equal(response.statusCode, 200, `${name}: ${response.statusCode}`)
    bodies[name] = response.body
  }
  return bodies
}

interface Victim {
  crimeId: string
  personId: string
  name: string
  email: string
}

let seq = 0
async function aCrimeWithVictim(): Promise<Victim> {
  seq += 1
  const crimeRef = `46/${81000 + seq}/26`
  const name = `Credential Victim${seq}`
  const email = `credential${seq}@example.org`
  const { crimeId, personId } = await aVictimCase(t.app, clock.now(), {
    crimeRef,
    eventId: `ATH-CREDENTIAL-${seq}`,
    urn: `P-CREDENTIAL-${seq}`,
    name,
    dateOfBirth: '1984-03-12',
    phone: `077008${String(seq).padStart(5, '0')}`,
    email,
  })
  return { crimeId, personId, name, email }
}

async function invite(victim: Victim): Promise<void> {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  await officer.get(`/console/people/${victim.personId}`)
  const response = await officer.post(`/console/people/${victim.personId}/portal-invitation`, {
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  assert.equal(response.statusCode, 303, response.body)
}

const aBrowser = () => aCitizenBrowser(t.app)

test('CP-6, CP-9: an invitation’s link reaches the person, while staff, the stored message and the RMS see it hidden', async () => {
  const victim = await aCrimeWithVictim()
  await invite(victim)
  const waiting = await newest('portal-invitation')
  assert.equal(waiting.sensitive, true)
  assert.equal(waiting.status, 'scheduled')
  assert.match(waiting.body, /\[link hidden\]/)
  assert.doesNotMatch(waiting.body, /invitation=/)
  assert.equal(await secretsHeld(waiting.id), 1, 'the link is kept apart until it is handed over')
  // The tenant's own role may write the credential but never read it.
  await assert.rejects(
    t.app.db.withForce('kent', (tx) => tx.execute(sql`select content from message_secrets`)),
  )

  await settle()
  const link = /\/portal\/register\?invitation=([\w-]+)/.exec(receivedAt(waiting.reference))
  assert.ok(link, 'the person received the link')
  const token = link[1]!
  const sent = await newest('portal-invitation')
  assert.ok(['sent', 'delivered'].includes(sent.status), sent.status)
  assert.equal(await secretsHeld(sent.id), 0, 'the link is gone from the database once handed over')
  for (const stored of [sent.subject, sent.body, sent.body_markdown, sent.body_html])
    assert.ok(!stored?.includes(token), 'no stored copy holds the token')

  for (const [name, page] of Object.entries(await staffViews(sent, victim))) {
    assert.ok(!page.includes(token), `${name} does not show the link`)
    assert.ok(!page.includes('invitation='), `${name} does not show the link`)
  }
  const views = await staffViews(sent, victim)
  assert.match(views.message!, /\[link hidden\]/)

  const written = [...receiver.entries('cad'), ...receiver.entries('rms')].filter((e) =>
    e.idempotencyKey.includes(sent.id),
  )
  assert.ok(written.length >= 1, 'the invitation is written back, as every message is (CP-87)')
  for (const entry of written) {
    assert.ok(!JSON.stringify(entry.body).includes(token), 'the RMS never receives the token')
    assert.match(String(entry.body.content), /\[link hidden\]/)
  }
  // The person's link still works.
  assert.equal((await aBrowser().get(link[0])).statusCode, 303)
})

test('CP-12: a security code reaches the person’s inbox, never a member of staff, the stored message or the write-back; a failed one is not sent again', async () => {
  const victim = await aCrimeWithVictim()
  await invite(victim)
  await settle()
  const invitation = await newest('portal-invitation')
  const link = linkIn(receivedAt(invitation.reference))!
  const browser = aBrowser()
  assert.equal((await browser.get(link)).statusCode, 303)
  await browser.get('/portal/register/email')
  assert.equal((await browser.post('/portal/register/email', { email: victim.email })).statusCode, 303)

  const waiting = await newest('portal-code')
  assert.equal(waiting.sensitive, true)
  assert.match(waiting.body, /\[code hidden\]/)
  assert.doesNotMatch(waiting.body, /\b\d{6}\b/)
  // An email: the message page frames it as the person sees it.
  const beforeSending = await reader.get(`/console/outbox/${waiting.id}/email`)
  assert.match(beforeSending.body, /\[code hidden\]/)

  const writtenBefore = receiver.entries('cad').length + receiver.entries('rms').length
  await settle()
  const code = codeIn(receivedAt(waiting.reference))
  assert.ok(code, 'the person received the code')
  const sent = await newest('portal-code')
  assert.equal(await secretsHeld(sent.id), 0)
  for (const stored of [sent.subject, sent.body, sent.body_markdown, sent.body_html])
    assert.ok(!stored?.includes(code), 'no stored copy holds the code')
  for (const [name, page] of Object.entries(await staffViews(sent, victim)))
    assert.ok(!page.includes(code), `${name} does not show the code`)
  const views = await staffViews(sent, victim)
  assert.match(views.email!, /\[code hidden\]/)
  const written = [...receiver.entries('cad'), ...receiver.entries('rms')]
  assert.equal(written.length, writtenBefore, 'a code is never written back')
  assert.ok(!JSON.stringify(written.map((e) => e.body)).includes(code))

  // The code the person received works.
  await browser.get('/portal/register/email-code')
  assert.equal(
    (await browser.post('/portal/register/email-code', { code })).headers.location,
    '/portal/register/password',
  )

  // GOV.UK Notify later reports it failed: it is not offered, nor accepted, for sending again.
  const receipt = await t.app.http.inject({
    method: 'POST',
    url: '/callbacks/notify/kent/receipts',
    headers: {
      authorization: `Bearer ${t.app.config.messaging.notify.callbackToken}`,
      'content-type': 'application/json',
    },
    payload: {
      id: sent.provider_ref,
      reference: sent.reference,
      status: 'technical-failure',
      to: victim.email,
    },
  })
  assert.equal(receipt.statusCode, 204, receipt.body)
  assert.equal((await newest('portal-code')).status, 'technical-failure')
  const actor = await t.signInAs(['force_admin'], 'kent')
  const page = await actor.get(`/console/outbox/${sent.id}`)
  assert.doesNotMatch(page.body, /Send this message again/)
  assert.equal((await actor.get(`/console/outbox/${sent.id}/resend`)).statusCode, 409)
  const refused = await actor.post(`/console/outbox/${sent.id}/resend`, { reason: 'The person asked again' })
  assert.equal(refused.statusCode, 409)
  assert.match(refused.body, /works only once/)
})

test('CP-12: a code GOV.UK Notify did not take the first time is sent, intact, when dispatch tries again, and only then forgotten', async () => {
  const victim = await aCrimeWithVictim()
  await invite(victim)
  await settle()
  const invitation = await newest('portal-invitation')
  const link = linkIn(receivedAt(invitation.reference))!
  const browser = aBrowser()
  await browser.get(link)
  await browser.get('/portal/register/email')
  assert.equal((await browser.post('/portal/register/email', { email: victim.email })).statusCode, 303)
  const waiting = await newest('portal-code')

  notify.fail('500', 1)
  await settle()
  assert.equal(notify.byReference(waiting.reference).length, 0, 'Notify did not take it')
  const between = await newest('portal-code')
  assert.ok(['scheduled', 'sending'].includes(between.status), between.status)
  assert.equal(await secretsHeld(waiting.id), 1, 'the code is kept while the message may still go')

  for (let i = 0; i < 10 && notify.byReference(waiting.reference).length === 0; i++) {
    clock.advance(60_000)
    await settle()
  }
  const code = codeIn(receivedAt(waiting.reference))
  assert.ok(code, 'the person received the code on the next attempt')
  assert.equal(await secretsHeld(waiting.id), 0)
  assert.ok(!(await newest('portal-code')).body.includes(code))
})
