// The message template and messaging settings pages end to end over HTTP on a real database:
// forms with CSRF, plain-English errors, previews rendered with the force's branding, versions
// that scheduled messages keep, audit of every save, quiet hours that move the next message, the
// Welsh default templates a Welsh-speaking victim receives, and refusal of other roles and forces.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import type { PersonFacts } from '../cases/model.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'
import { smsLength } from './sms-length.ts'

let t: TestApp
let designer: SignedIn
let admin: SignedIn
let sequence = 0
const clock = new FixedClock('2026-06-03T09:00:00Z') // Wednesday 10:00 in London
const kentKey = notifyApiKey('kent_live', {
  serviceId: '11111111-1111-4111-8111-111111111111',
  secret: '22222222-2222-4222-8222-22222222abcd',
})

const essexKey = {
  serviceId: '33333333-3333-4333-8333-333333333333',
  secret: '44444444-4444-4444-8444-44444444e55e',
  templates: [
    { id: '55555555-5555-4555-8555-555555555555', type: 'sms' as const },
    { id: '66666666-6666-4666-8666-666666666666', type: 'email' as const },
  ],
}
let notify: FakeNotifyServer

before(async () => {
  notify = new FakeNotifyServer({ keys: [essexKey] })
  await notify.listen()
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      messaging: {
        ...defaults.messaging,
        notify: {
          ...defaults.messaging.notify,
          baseUrl: notify.url,
          apiKeys: { kent: kentKey },
          smsTemplateId: '55555555-5555-4555-8555-555555555555',
          emailTemplateId: '66666666-6666-4666-8666-666666666666',
          timeoutMs: 5000,
        },
      },
    },
    { clock },
  )
  await t.app.services.journeys.installDefaults('kent')
  await t.app.services.journeys.installDefaults('essex')
  designer = await t.signInAs(['journey_designer'], 'kent', 'Dana Designer')
  admin = await t.signInAs(['force_admin'], 'kent', 'Alex Admin')
})
after(async () => {
  await t.close()
  await notify.close()
})

const decode = (html: string) =>
  html
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')

async function auditOf(action: string, forceId = 'kent') {
  return t.app.db.withForce(forceId, (tx) =>
    rows<{ actor_id: string; record_id: string; detail: Record<string, unknown> }>(
      tx,
      sql`select actor_id::text, record_id, detail from audit_events where action = ${action} and force_id = ${forceId} order by id`,
    ),
  )
}

function scheduleSms(templateKey: string, language = 'en', dueAt?: Date) {
  sequence += 1
  return t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'kent',
      channel: 'sms',
      to: `+4477009${String(70000 + sequence).padStart(5, '0')}`,
      templateKey,
      language,
      personalisation: { force_name: 'Kent Police', reference: '37/1/26', officer_name: 'PC 1 Ash' },
      ...(dueAt ? { dueAt } : {}),
    }),
  )
}

test('UJ-19: the templates page lists the force’s templates with their channels, English and Welsh, version and last change', async () => {
  const page = await designer.get('/console/templates')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Incident reference number/)
  assert.match(page.body, /Text message, Email|Email, Text message/)
  assert.match(page.body, /English, Welsh \(Cymraeg\)/)
  assert.match(page.body, /installed with Waypoint/)
  assert.match((await admin.get('/console/templates')).body, /Crime reference number/)

  const view = decode((await designer.get('/console/templates/incident-reference')).body)
  assert.match(view, /English: text message/)
  assert.match(view, /Welsh \(Cymraeg\): text message/)
  assert.match(view, /diolch am gysylltu â ni\. Eich cyfeirnod yw \(\(reference\)\)/)
  assert.match(view, /Version 1/)
})

test('template pages are for journey designers and force admins of the force only', async () => {
  for (const role of [
    'analyst',
    'contact_handler',
    'investigating_officer',
    'auditor',
    'supervisor',
  ] as const) {
    const other = await t.signInAs([role], 'kent')
    assert.equal((await other.get('/console/templates')).statusCode, 403, role)
    assert.equal((await other.get('/console/templates/incident-reference')).statusCode, 403, role)
    const posted = await other.post('/console/templates', {
      key: 'sneaky',
      title: 'Sneaky',
      smsBody: 'Hello',
      action: 'save',
    })
    assert.equal(posted.statusCode, 403, role)
  }
  const systemAdmin = await t.signInAs(['system_admin'], null)
  assert.equal((await systemAdmin.get('/console/templates')).statusCode, 403)

  // A template Kent creates is not Essex's: Essex's designer cannot see or edit it.
  const created = await designer.post('/console/templates', {
    key: 'kent-only-notice',
    title: 'Kent only notice',
    smsBody: '((force_name)): a notice about ((reference)).',
    action: 'save',
  })
  assert.equal(created.statusCode, 303, created.body)
  const essex = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await essex.get('/console/templates/kent-only-notice')).statusCode, 404)
  assert.doesNotMatch((await essex.get('/console/templates')).body, /Kent only notice/)
  const edit = await essex.post('/console/templates/kent-only-notice/edit?language=en', {
    title: 'Taken over',
    smsBody: 'Changed',
    action: 'save',
  })
  assert.equal(edit.statusCode, 404)
})

test('a template with mistakes is refused with an error summary in plain English and what was typed is kept', async () => {
  const empty = await designer.post('/console/templates', { key: '', title: '', smsBody: '', action: 'save' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /govuk-error-summary/)
  assert.match(empty.body, /Enter a key of 2 to 63 lowercase letters/)
  assert.match(empty.body, /Enter a title for the template/)
  assert.match(empty.body, /Enter the text message, the email or the letter/)

  const wrong = decode(
    (
      await designer.post('/console/templates', {
        key: 'court-date',
        title: 'Court date',
        smsBody: 'Your court date is ((court_date)). ((reference)',
        emailSubject: 'Court date for ((reference))',
        emailBody: '',
        action: 'save',
      })
    ).body,
  )
  assert.match(wrong, /The text message uses \(\(court_date\)\), which Waypoint cannot fill in/)
  assert.match(wrong, /The text message has a \(\( without a matching \)\)/)
  assert.match(wrong, /Enter the email message/)
  assert.match(wrong, /value="court-date"/, 'the key typed is kept')
  assert.match(wrong, /Your court date is \(\(court_date\)\)/, 'the text typed is kept')

  const tooLong = decode(
    (
      await designer.post('/console/templates', {
        key: 'too-long',
        title: 'Too long',
        smsBody: `((force_name)): ${'ŵ'.repeat(400)}`,
        action: 'preview',
      })
    ).body,
  )
  assert.match(
    tooLong,
    /The text message is too long: 413 characters make 7 parts and GOV\.UK Notify sends at most 6 \(it uses Unicode because of ŵ/,
  )
  assert.equal(
    (
      await t.app.db.withForce('kent', (tx) => t.app.services.messaging.templates.templates(tx, 'kent'))
    ).filter((r) => r.key === 'too-long' || r.key === 'court-date').length,
    0,
    'nothing was saved',
  )
})

test('UJ-12: the preview shows the message as the person would get it, with the SMS length and parts and the force’s branded email', async () => {
  const smsBody =
    '((force_name)): ((officer_name)) is looking after ((reference)). Call 101 if anything changes.'
  const preview = await designer.post('/console/templates', {
    key: 'officer-change',
    title: 'Officer change',
    smsBody,
    emailSubject: 'Your officer for ((reference))',
    emailBody: '# Your officer\n\n((officer_name)) is looking after ((reference)).',
    action: 'preview',
  })
  assert.equal(preview.statusCode, 200)
  const body = decode(preview.body)
  const rendered =
    'Kent Police: PC 4521 Sam Taylor is looking after 37/12345/26. Call 101 if anything changes.'
  assert.match(body, new RegExp(rendered.replaceAll('.', '\\.')))
  const measured = smsLength(rendered)
  assert.match(body, new RegExp(`Encoding</dt><dd class="govuk-summary-list__value">${measured.encoding}`))
  assert.match(
    body,
    new RegExp(`Length</dt><dd class="govuk-summary-list__value">${measured.units} characters`),
  )
  assert.match(
    body,
    new RegExp(`Parts \\(segments\\)</dt><dd class="govuk-summary-list__value">${measured.segments}<`),
  )
  assert.match(body, /Subject:<\/strong> Your officer for 37\/12345\/26/)
  const frame = /<iframe src="([^"]+)"/.exec(body)?.[1]
  assert.ok(frame, 'the email is framed')

  // The force changes its brand colour; the framed email carries it.
  const saved = await admin.post('/console/messaging-settings', { ...validSettings(), colour: '#123abc' })
  assert.equal(saved.statusCode, 303, saved.body)
  const email = await designer.get(frame)
  assert.equal(email.statusCode, 200)
  assert.match(email.headers['content-security-policy'] as string, /default-src 'none'/)
  assert.match(email.body, /background: #123abc/)
  assert.match(email.body, /<h2>Your officer<\/h2>/)
  assert.match(email.body, /PC 4521 Sam Taylor is looking after 37\/12345\/26/)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get(frame)).statusCode, 403)
})

test('UJ-19: saving creates a new version and audits it; a message already scheduled keeps its version, the next one gets the new wording', async () => {
  const before = await scheduleSms('officer-attending-soon', 'en', new Date('2026-06-04T09:00:00Z'))
  assert.equal(before.templateVersion, 1)
  const form = {
    title: 'Officer attending soon',
    smsBody: '((force_name)): an officer will visit you today about ((reference)).',
    emailSubject: 'An officer will visit',
    emailBody: '((force_name)): an officer will visit you today about ((reference)).',
    action: 'save',
  }
  const saved = await designer.post('/console/templates/officer-attending-soon/edit?language=en', form)
  assert.equal(saved.statusCode, 303, saved.body)
  assert.equal(saved.headers.location, '/console/templates/officer-attending-soon?saved=en')
  const page = decode((await designer.get(saved.headers.location as string)).body)
  assert.match(page, /English saved as a new version/)
  assert.match(page, /Version 2, .* by Dana Designer/)
  assert.match(page, /Earlier versions of the English text message \(1\)/)
  assert.match(page, /an officer will come to see you, usually within a few hours/)

  const again = await designer.post('/console/templates/officer-attending-soon/edit?language=en', form)
  assert.equal(again.headers.location, '/console/templates/officer-attending-soon?saved=unchanged')

  const audits = (await auditOf('message-template.saved')).filter(
    (a) => a.record_id === 'officer-attending-soon',
  )
  assert.equal(audits.length, 1, 'one audited save; the unchanged one made no version')
  assert.equal(audits[0]!.actor_id, designer.userId)
  assert.deepEqual(
    (audits[0]!.detail.versions as { channel: string; version: number }[])
      .map((v) => [v.channel, v.version])
      .sort(),
    [
      ['email', 2],
      ['sms', 2],
    ],
  )

  const kept = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.message(tx, before.id),
  )
  assert.equal(kept.message.templateVersion, 1)
  assert.match(kept.message.body, /usually within a few hours/)
  const next = await scheduleSms('officer-attending-soon')
  assert.equal(next.templateVersion, 2)
  assert.match(next.body, /an officer will visit you today about 37\/1\/26/)
})

test('UJ-19: a designer writes a template in Welsh; its preview counts Welsh letters such as ŵ and â as Unicode, and Welsh speakers get it', async () => {
  const edit = await designer.get('/console/templates/kent-only-notice/edit?language=cy')
  assert.equal(edit.statusCode, 200)
  assert.match(edit.body, /Write this template in Welsh \(Cymraeg\)/)
  const smsBody = "((force_name)): hysbysiad am ((reference)). Byddwn yn cysylltu â chi'n fuan."
  const preview = decode(
    (
      await designer.post('/console/templates/kent-only-notice/edit?language=cy', {
        title: 'Kent only notice',
        smsBody,
        action: 'preview',
      })
    ).body,
  )
  assert.match(preview, /Encoding<\/dt><dd class="govuk-summary-list__value">UCS-2 \(because of â\)/)
  const saved = await designer.post('/console/templates/kent-only-notice/edit?language=cy', {
    title: 'Kent only notice',
    smsBody,
    action: 'save',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  const welsh = await scheduleSms('kent-only-notice', 'cy')
  assert.equal(welsh.language, 'cy')
  assert.equal(welsh.body, "Kent Police: hysbysiad am 37/1/26. Byddwn yn cysylltu â chi'n fuan.")

  const unknown = await designer.get('/console/templates/kent-only-notice/edit?language=xx')
  assert.equal(unknown.statusCode, 400)
  assert.match(unknown.body, /Select a language/)
})

function validSettings(): Record<string, string | string[]> {
  return {
    smsDays: ['1', '2', '3', '4', '5', '6', '7'],
    smsStart: '08:00',
    smsEnd: '21:00',
    smsBankHolidays: 'yes',
    emailDays: ['1', '2', '3', '4', '5', '6', '7'],
    emailStart: '08:00',
    emailEnd: '21:00',
    emailBankHolidays: 'yes',
    christmasDays: 'no',
    smsChannel: 'outbox',
    emailChannel: 'outbox',
    senderName: '',
    replyToEmail: '',
    notifySmsSenderId: '',
    notifyEmailReplyToId: '',
    colour: '',
    logoText: '',
    logoUrl: '',
  }
}

test('UJ-8, UJ-11: a force admin sets text-message quiet hours and a link; the next text is held until the hours end, the next email carries the link, and the change is audited', async () => {
  const page = await admin.get('/console/messaging-settings')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /name="smsStart"[^>]*value="08:00"|value="08:00"[^>]*name="smsStart"/)

  const saved = await admin.post('/console/messaging-settings', {
    ...validSettings(),
    smsDays: ['1', '2', '3', '4', '5'],
    smsStart: '09:00',
    smsEnd: '17:00',
    smsBankHolidays: 'no',
    senderName: 'Kent Police Victim Care',
    replyToEmail: 'victim.care@kent.example.org',
    linkText1: 'Victim care',
    linkUrl1: 'https://www.kent.police.uk/victim-care',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  assert.match((await admin.get('/console/messaging-settings?saved=1')).body, /Messaging settings saved/)

  // Wednesday 18:30 London: after 17:00, so the text waits for Thursday 09:00 (08:00 UTC).
  clock.set('2026-06-03T17:30:00Z')
  const held = await scheduleSms('crime-reference')
  assert.equal(held.sendAfter.toISOString(), '2026-06-04T08:00:00.000Z')
  // Friday 18:00: the weekend is closed, so it waits until Monday 09:00.
  clock.set('2026-06-05T17:00:00Z')
  assert.equal((await scheduleSms('crime-reference')).sendAfter.toISOString(), '2026-06-08T08:00:00.000Z')
  clock.set('2026-06-03T09:00:00Z')

  // The force's link is in the next email, for the person to follow.
  const email = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'kent',
      channel: 'email',
      to: 'sam@example.org',
      templateKey: 'crime-reference',
      personalisation: { force_name: 'Kent Police', reference: '37/2/26' },
    }),
  )
  assert.match(
    email.bodyHtml ?? '',
    /<a href="https:\/\/www\.kent\.police\.uk\/victim-care">Victim care<\/a>/,
  )
  assert.match(email.body, /Victim care: https:\/\/www\.kent\.police\.uk\/victim-care/)

  const settings = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.settings.settings(tx, 'kent'),
  )
  assert.equal(settings?.senderName, 'Kent Police Victim Care')
  assert.deepEqual(settings?.links, [{ text: 'Victim care', url: 'https://www.kent.police.uk/victim-care' }])
  const audits = await auditOf('messaging-settings.changed')
  const last = audits.at(-1)!
  assert.equal(last.actor_id, admin.userId)
  assert.ok((last.detail.changed as string[]).includes('sendingWindows'))
})

test('UJ-8: wrong quiet hours and details are refused with an error summary and nothing is saved', async () => {
  const before = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.settings.settings(tx, 'kent'),
  )
  const refused = decode(
    (
      await admin.post('/console/messaging-settings', {
        ...validSettings(),
        smsDays: [],
        smsStart: '18:00',
        smsEnd: '09:00',
        emailStart: 'eight',
        replyToEmail: 'not an address',
        colour: 'blue',
        linkText1: 'Victim care',
        linkUrl1: 'http://insecure.example.org',
        smsChannel: 'pigeon',
      })
    ).body,
  )
  assert.match(refused, /govuk-error-summary/)
  assert.match(refused, /Select at least one day when text messages may be sent/)
  assert.match(refused, /The time text messages must stop must be after the time they may start/)
  assert.match(refused, /Enter the time emails may start as hours and minutes, like 08:00/)
  assert.match(refused, /Enter a reply-to email address in the correct format/)
  assert.match(refused, /Enter the brand colour as a # and 6 hexadecimal digits/)
  assert.match(refused, /Enter the address of link 1 starting with https:\/\//)
  assert.match(refused, /Select how text messages are sent/)
  const after = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.settings.settings(tx, 'kent'),
  )
  assert.deepEqual(after, before)
})

test('the GOV.UK Notify key is write-only: the configured one shows only its name and last 4 characters', async () => {
  const page = decode((await admin.get('/console/messaging-settings')).body)
  assert.match(page, /kent_live/)
  assert.match(page, /Set, ending abcd/)
  assert.match(page, /In the installation’s configuration/)
  assert.ok(!page.includes('22222222-2222-4222-8222-22222222abcd'), 'the secret is not on the page')
  assert.ok(!page.includes('11111111-1111-4111-8111-111111111111'), 'the service id is not on the page')
})

test('a force admin sets the force’s GOV.UK Notify key; it is stored sealed, never shown or audited, and the next text message goes with it', async () => {
  const essexAdmin = await t.signInAs(['force_admin'], 'essex', 'Erin Admin')
  const wrong = await essexAdmin.post('/console/messaging-settings', {
    ...validSettings(),
    notifyApiKey: 'not-a-key',
  })
  assert.equal(wrong.statusCode, 400)
  assert.match(wrong.body, /Enter the API key exactly as GOV\.UK Notify showed it/)
  assert.doesNotMatch(wrong.body, /value="not-a-key"/, 'what was typed as a key is not echoed back')

  const key = notifyApiKey('essex_live', essexKey)
  const saved = await essexAdmin.post('/console/messaging-settings', {
    ...validSettings(),
    smsChannel: 'notify',
    notifyApiKey: key,
  })
  assert.equal(saved.statusCode, 303, saved.body)

  const page = decode((await essexAdmin.get('/console/messaging-settings')).body)
  const keySection = page.slice(page.indexOf('GOV.UK Notify API key</h3>'), page.indexOf('id="notifyApiKey"'))
  assert.match(keySection, /essex_live/)
  assert.match(keySection, /Set, ending e55e/)
  assert.match(keySection, /Set\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*3 Jun 2026/)
  assert.ok(!page.includes(essexKey.secret), 'the key is not on the page')

  const stored = await t.app.db.withForce('essex', (tx) =>
    rows<Record<string, unknown>>(tx, sql`select * from messaging_settings where force_id = 'essex'`),
  )
  assert.ok(!JSON.stringify(stored).includes(essexKey.secret), 'the key is not stored readable')
  assert.match(String(stored[0]?.notify_api_key_sealed), /^v2:[0-9a-f]{8}:/)
  const audits = await auditOf('messaging-settings.changed', 'essex')
  assert.ok(!JSON.stringify(audits).includes(essexKey.secret), 'the key is not in the audit trail')
  assert.deepEqual(audits.at(-1)!.detail.notifyApiKey, { name: 'essex_live', last4: 'e55e' })

  // Essex has no key in the configuration: the message reaches Notify only with the key just set.
  sequence += 1
  const message = await t.app.db.withForce('essex', (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'essex',
      channel: 'sms',
      to: '07700 900111',
      templateKey: 'crime-reference',
      personalisation: { force_name: 'Essex Police', reference: '42/9/26' },
      urgent: true,
    }),
  )
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
  const [received] = notify.byReference(message.reference)
  assert.equal(received?.serviceId, essexKey.serviceId)
  assert.match(
    received?.personalisation.body ?? '',
    /Essex Police: your crime has been recorded\. Your crime reference is 42\/9\/26/,
  )
})

test('messaging settings are for the force’s admins only', async () => {
  for (const role of ['journey_designer', 'analyst', 'supervisor', 'service_support'] as const) {
    const other = await t.signInAs([role], 'kent')
    assert.equal((await other.get('/console/messaging-settings')).statusCode, 403, role)
    assert.equal((await other.post('/console/messaging-settings', validSettings())).statusCode, 403, role)
  }
  // Essex's admin changes Essex's settings, never Kent's.
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  const kentBefore = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.settings.settings(tx, 'kent'),
  )
  assert.equal(
    (await essexAdmin.post('/console/messaging-settings', { ...validSettings(), senderName: 'Essex' }))
      .statusCode,
    303,
  )
  assert.equal(
    (await t.app.db.withForce('essex', (tx) => t.app.services.messaging.settings.settings(tx, 'essex')))
      ?.senderName,
    'Essex',
  )
  assert.deepEqual(
    await t.app.db.withForce('kent', (tx) => t.app.services.messaging.settings.settings(tx, 'kent')),
    kentBefore,
  )
})

function aVictim(language?: string): PersonFacts {
  sequence += 1
  return {
    athenaUrn: `W${process.pid}${sequence}`,
    name: `Person ${sequence}`,
    dateOfBirth: '1980-05-01',
    role: 'victim',
    phones: [{ value: `+4477008${String(sequence).padStart(5, '0')}`, mobile: true }],
    emails: [],
    markers: [],
    ...(language ? { language } : {}),
  }
}

test('UJ-19: a victim who prefers Welsh gets their first message in Welsh; a language with no template falls back to English', async () => {
  clock.set('2026-06-03T09:00:00Z')
  const first = async (language: string) => {
    sequence += 1
    const cadRef = `CAD-W${sequence}-${process.pid}`
    const result = await t.app.db.withForce('essex', (tx) =>
      t.app.services.cases.applySourceChange(
        tx,
        'essex',
        {
          kind: 'incident.opened',
          incident: { cadRef, grading: 'Prompt' as never, incidentType: 'Burglary', openedAt: clock.now() },
          people: [aVictim(language)],
        },
        { sourceSystem: 'storm', occurredAt: clock.now() },
      ),
    )
    await t.app.jobs.drain()
    const sent = await t.app.db.withForce('essex', (tx) =>
      t.app.services.messaging.scheduling.messages(tx, { forceId: 'essex', caseId: result.incidentId! }),
    )
    const reference = sent.find((m) => m.templateKey === 'incident-reference')
    assert.ok(reference, `the ${language} victim was sent the incident reference`)
    return { message: reference, cadRef }
  }
  const welsh = await first('cy')
  assert.equal(welsh.message.language, 'cy')
  assert.match(
    welsh.message.body,
    new RegExp(
      `diolch am gysylltu â ni\\. Eich cyfeirnod yw ${welsh.cadRef}\\. .*Atebwch STOP i atal y negeseuon hyn\\.`,
    ),
  )
  const polish = await first('pl')
  assert.equal(polish.message.language, 'en')
  assert.match(
    polish.message.body,
    new RegExp(`thank you for contacting us\\. Your reference is ${polish.cadRef}`),
  )
})

test('UJ-8: a force chooses whether messages go on 25 and 26 December; by default a force that keeps bank holidays free sends nothing on Saturday 25 or Sunday 26 December 2027', async () => {
  const page = decode((await admin.get('/console/messaging-settings')).body)
  assert.match(page, /Send messages on 25 and 26 December\?/)
  assert.match(page, /<input[^>]*name="christmasDays"[^>]*value="no"[^>]*checked/)
  const missing = decode(
    (await admin.post('/console/messaging-settings', { ...validSettings(), christmasDays: '' })).body,
  )
  assert.match(missing, /govuk-error-summary/)
  assert.match(missing, /Select whether messages may be sent on 25 and 26 December/)

  const noBankHolidays = { ...validSettings(), smsBankHolidays: 'no' }
  assert.equal(
    (await admin.post('/console/messaging-settings', { ...noBankHolidays, christmasDays: 'no' })).statusCode,
    303,
  )
  clock.set('2027-12-25T10:00:00Z') // Saturday, Christmas Day
  // Not the 25th or 26th themselves, nor Monday 27 and Tuesday 28 (the substitute bank holidays).
  assert.equal((await scheduleSms('crime-reference')).sendAfter.toISOString(), '2027-12-29T08:00:00.000Z')
  clock.set('2027-12-26T10:00:00Z')
  assert.equal((await scheduleSms('crime-reference')).sendAfter.toISOString(), '2027-12-29T08:00:00.000Z')

  clock.set('2026-06-03T09:00:00Z')
  assert.equal(
    (await admin.post('/console/messaging-settings', { ...noBankHolidays, christmasDays: 'yes' })).statusCode,
    303,
  )
  assert.match(
    decode((await admin.get('/console/messaging-settings')).body),
    /<input[^>]*name="christmasDays"[^>]*value="yes"[^>]*checked/,
  )
  clock.set('2027-12-25T10:00:00Z')
  assert.equal((await scheduleSms('crime-reference')).sendAfter.toISOString(), '2027-12-25T10:00:00.000Z')
  clock.set('2026-06-03T09:00:00Z')
  const audits = await auditOf('messaging-settings.changed')
  assert.ok((audits.at(-1)!.detail.changed as string[]).includes('sendOnChristmasDays'))
})

test('UJ-8: a window 00:00–01:30 saved on the settings page sends nothing at 02:10 BST on 28 March 2027, nor in the repeated hour on 31 October 2027', async () => {
  const saved = await admin.post('/console/messaging-settings', {
    ...validSettings(),
    smsStart: '00:00',
    smsEnd: '01:30',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  try {
    clock.set('2027-03-28T01:10:00Z') // 02:10 BST: the clocks skipped 01:00–01:59
    assert.equal((await scheduleSms('crime-reference')).sendAfter.toISOString(), '2027-03-28T23:00:00.000Z')
    clock.set('2027-10-31T01:15:00Z') // 01:15 GMT, the second time the clocks show it
    assert.equal((await scheduleSms('crime-reference')).sendAfter.toISOString(), '2027-11-01T00:00:00.000Z')
  } finally {
    clock.set('2026-06-03T09:00:00Z')
    await admin.post('/console/messaging-settings', validSettings())
  }
})

test('the email preview keeps the paragraphs a browser sends with CRLF line breaks', async () => {
  const preview = await designer.post('/console/templates', {
    key: 'paragraph-check',
    title: 'Paragraph check',
    emailSubject: 'About ((reference))',
    emailBody: 'First paragraph.\r\n\r\nSecond paragraph,\r\nwith a second line.',
    action: 'preview',
  })
  assert.equal(preview.statusCode, 200, preview.body)
  const frame = /<iframe src="([^"]+)"/.exec(decode(preview.body))?.[1]
  assert.ok(frame, 'the email is framed')
  const email = await designer.get(frame)
  assert.equal(email.statusCode, 200)
  assert.match(email.body, /<p>First paragraph\.<\/p>\n<p>Second paragraph,<br>with a second line\.<\/p>/)
})

test('UJ-11: the editor lists every case field a journey message can use, with what it is and an example; the preview fills them and a misspelt one is refused with a suggestion', async () => {
  const form = await designer.get('/console/templates/new')
  assert.equal(form.statusCode, 200)
  const listed = decode(form.body)
  for (const [name, description] of [
    ['crime_type', 'The crime type, as your force’s mapping names it'],
    ['recorded_date', 'The day the crime was recorded'],
    ['incident_grading', 'How the incident was graded'],
    ['officer_name', 'The officer in charge of the investigation'],
  ])
    assert.match(
      listed,
      new RegExp(`<code>\\(\\(${name}\\)\\)</code></td>\\s*<td class="govuk-table__cell">${description}`),
    )

  const preview = await designer.post('/console/templates', {
    key: 'crime-type-check',
    title: 'Crime type check',
    smsBody: '((force_name)): your ((crime_type)) report of ((recorded_date)) is ((crime_reference)).',
    action: 'preview',
  })
  assert.equal(preview.statusCode, 200, preview.body)
  assert.match(decode(preview.body), /: your Burglary report of 3 June 2026 is 37\/12345\/26\./)

  const misspelt = await designer.post('/console/templates', {
    key: 'crime-type-check',
    title: 'Crime type check',
    smsBody: 'Your ((crime_tpye)) report.',
    action: 'save',
  })
  assert.equal(misspelt.statusCode, 400)
  assert.match(
    decode(misspelt.body),
    /The text message uses \(\(crime_tpye\)\), which Waypoint cannot fill in\. Did you mean \(\(crime_type\)\)\?/,
  )
})
