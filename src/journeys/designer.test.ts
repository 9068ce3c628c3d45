// The no-code journey designer (UJ-18) and the safe-contact policy page, end to end over HTTP on a
// real database: forms with CSRF, plain-English steps and problems, previews rendered by
// Messaging, a test message in the outbox, publishing with a change summary, and a dry run that
// writes nothing.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import type { PersonFacts } from '../cases/model.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import type { JourneyDefinition } from './definition.ts'
import { reviewDraft } from './designer-review.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'

let t: TestApp
let designer: SignedIn
const clock = new FixedClock('2026-06-03T09:00:00Z') // Wednesday 10:00 in London
const base = '/console/journeys/designer'

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  await t.app.services.journeys.installDefaults('essex')
  designer = await t.signInAs(['journey_designer'], 'kent', 'Dana Designer')
})
after(() => t.close())

async function createJourney(form: Record<string, string>): Promise<string> {
  const created = await designer.post(base, form)
  assert.equal(created.statusCode, 303, created.body)
  const id = /designer\/([0-9a-f-]{36})$/.exec(created.headers.location as string)?.[1]
  assert.ok(id, 'redirects to the new journey')
  return id
}

const stepsOf = async (id: string) => {
  const page = await designer.get(`${base}/${id}`)
  assert.equal(page.statusCode, 200)
  return [
    ...page.body.matchAll(
      /<dt class="govuk-summary-list__key">Step \d+<\/dt>\s*<dd class="govuk-summary-list__value">([^<]+)/g,
    ),
  ].map((m) => m[1]!.replaceAll('&ldquo;', '“').replaceAll('&rdquo;', '”').replaceAll('&#39;', '’').trim())
}

const decode = (html: string) =>
  html.replaceAll('&ldquo;', '“').replaceAll('&rdquo;', '”').replaceAll('&rsquo;', '’')

test('UJ-18: a journey designer lists the force’s journeys and creates an enhanced journey from a form; wrong roles and forces are refused', async () => {
  const list = await designer.get(base)
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /Immediate response/)
  assert.match(list.body, /Published version 1/)

  const missing = await designer.post(base, { name: '', kind: 'enhanced', crimeTypes: '' })
  assert.equal(missing.statusCode, 400)
  assert.match(missing.body, /govuk-error-summary/)
  assert.match(missing.body, /Enter a name for the journey/)
  assert.match(missing.body, /Enter at least one crime type/)

  const id = await createJourney({
    name: 'Hate crime victims',
    kind: 'enhanced',
    crimeTypes: 'Hate crime\nRacially aggravated assault',
    precedence: 'add',
  })
  const page = decode((await designer.get(`${base}/${id}`)).body)
  assert.match(
    page,
    /When crime recorded or crime updated or case party added and the crime type is one of Hate crime or Racially aggravated assault/,
  )
  assert.doesNotMatch(page, /"op"|\{"/, 'no JSON on the page')
  assert.match(page, /The journey never sends a message/)

  const admin = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await admin.get(`${base}/${id}`)).statusCode, 200, 'force admins read')
  assert.equal((await admin.post(base, { name: 'X', kind: 'standard', grading: 'Prompt' })).statusCode, 403)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get(base)).statusCode, 403)
  const essexDesigner = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await essexDesigner.get(`${base}/${id}`)).statusCode, 404, 'another force cannot see it')
  assert.equal((await essexDesigner.post(`${base}/${id}/steps/0/remove`)).statusCode, 404)
})

test('a new journey opens without an error summary: what it still needs before publishing is listed as unfinished', async () => {
  const id = await createJourney({
    name: 'Arson victims',
    kind: 'enhanced',
    crimeTypes: 'Arson',
    precedence: 'add',
  })
  const page = await designer.get(`${base}/${id}`)
  assert.equal(page.statusCode, 200)
  assert.doesNotMatch(page.body, /govuk-error-summary/)
  assert.match(page.body, /Before this journey can be published[\s\S]*The journey never sends a message/)

  // A mistake in a form the designer sends is still summarised as an error.
  const wrong = await designer.post(`${base}/${id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is',
  })
  assert.equal(wrong.statusCode, 400)
  const summary = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(wrong.body)?.[0] ?? ''
  assert.match(summary, /Enter the value to compare with/)
  assert.doesNotMatch(summary, /never sends/)
})

test('UJ-18: steps are added, moved and removed with plain forms and read as plain English, and the trigger gets conditions', async () => {
  const id = await createJourney({ name: 'Prompt victims', kind: 'standard', grading: 'Prompt' })
  const chooser = await designer.get(`${base}/${id}/steps/new`)
  assert.match(chooser.body, /What should the step do\?/)
  const form = await designer.get(`${base}/${id}/steps/new?kind=send`)
  assert.match(form.body, /<option value="officer-details"/)

  assert.equal(
    (
      await designer.post(`${base}/${id}/steps`, {
        kind: 'send',
        template: 'officer-details',
        channel: 'preferred',
      })
    ).statusCode,
    303,
  )
  const badTime = await designer.post(`${base}/${id}/steps`, {
    kind: 'wait-working-day',
    workingDays: '2',
    at: '25:00',
  })
  assert.equal(badTime.statusCode, 400)
  assert.match(badTime.body, /Enter a time in 24-hour format/)
  assert.equal(
    (await designer.post(`${base}/${id}/steps`, { kind: 'wait-working-day', workingDays: '2', at: '10:00' }))
      .statusCode,
    303,
  )
  assert.deepEqual(await stepsOf(id), [
    'Stop if the crime status is one of closed or no-further-action (The crime is closed)',
    'Send “officer-details” by their preferred channel',
    'Wait until 10:00, 2 working days later',
  ])

  assert.equal((await designer.post(`${base}/${id}/steps/2/move`, { direction: 'up' })).statusCode, 303)
  assert.equal((await stepsOf(id))[1], 'Wait until 10:00, 2 working days later')
  assert.equal((await designer.post(`${base}/${id}/steps/0/remove`)).statusCode, 303)
  assert.deepEqual(await stepsOf(id), [
    'Wait until 10:00, 2 working days later',
    'Send “officer-details” by their preferred channel',
  ])

  const added = await designer.post(`${base}/${id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is-not',
    value: 'Fraud',
  })
  assert.equal(added.statusCode, 303)
  const page = decode((await designer.get(`${base}/${id}`)).body)
  assert.match(page, /the grading is Prompt and the crime type is not Fraud/)
  const incomplete = await designer.post(`${base}/${id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is',
    value: '',
  })
  assert.equal(incomplete.statusCode, 400)
  assert.match(incomplete.body, /Enter the value to compare with/)

  const saved = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'journey.draft-saved' and record_id = ${id}`,
    ),
  )
  assert.equal(saved[0]!.n, 5, 'each change to the draft is audited')
})

test('UJ-18: problems are explained in plain English: an unknown template and a journey that never sends are errors; no Welsh version and an impossible wait are warnings', async () => {
  const definition: JourneyDefinition = {
    trigger: { events: ['crime.recorded'], when: { op: 'in', fact: 'crime.type', values: ['Burglary'] } },
    precedence: 'add',
    steps: [
      { kind: 'wait', forEvent: 'crime.recorded' },
      { kind: 'send', template: 'no-such-template', channel: 'sms' },
    ],
  }
  assert.deepEqual(
    reviewDraft(definition, [
      { key: 'officer-details', channel: 'sms', language: 'en', subject: null, body: 'Hi' },
    ]).map((p) => `${p.level}: ${p.message}`),
    [
      'warning: Step 1 waits for an event that cannot happen after the trigger',
      'error: Step 2 sends “no-such-template”, which is not one of your force’s SMS templates',
    ],
  )

  const id = await createJourney({
    name: 'Burglary victims',
    kind: 'enhanced',
    crimeTypes: 'Burglary',
    precedence: 'replace',
  })
  const refused = await designer.post(`${base}/${id}/publish`)
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /The journey never sends a message/)
  assert.doesNotMatch(refused.body, /Publish version 1<\/button>/)

  const unknown = await designer.post(`${base}/${id}/steps`, {
    kind: 'send',
    template: 'no-such-template',
    channel: 'sms',
  })
  assert.equal(unknown.statusCode, 400)
  assert.match(unknown.body, /Select a message template/)

  await designer.post(`${base}/${id}/steps`, {
    kind: 'wait-event',
    event: 'crime.recorded',
    timeoutDays: '3',
  })
  // The default templates come in Welsh too (UJ-19): this force-written one is in English only.
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.templates.addTemplateVersion(tx, {
      forceId: 'kent',
      key: 'burglary-follow-up',
      title: 'Burglary follow-up',
      channel: 'sms',
      body: '((force_name)): an officer will contact you about ((reference)).',
    }),
  )
  await designer.post(`${base}/${id}/steps`, { kind: 'send', template: 'burglary-follow-up', channel: 'sms' })
  const page = decode((await designer.get(`${base}/${id}`)).body)
  assert.match(page, /Step 2 waits for an event that cannot happen after the trigger/)
  assert.match(page, /Step 3 sends a template that has no Welsh version/)
  assert.doesNotMatch(page, /govuk-error-summary/, 'warnings do not stop publishing')
})

test('UJ-18: a send step previews the message for a sample victim with its SMS length and segments, and a test goes to the designer’s phone marked as a test and audited', async () => {
  const id = await createJourney({ name: 'Scheduled victims', kind: 'standard', grading: 'Scheduled' })
  await designer.post(`${base}/${id}/steps`, { kind: 'send', template: 'officer-details', channel: 'sms' })
  const preview = await designer.get(`${base}/${id}/steps/1/preview`)
  assert.equal(preview.statusCode, 200)
  const text = /white-space: pre-wrap">([^<]+)<\/p>/.exec(preview.body)?.[1]
  assert.ok(text, 'the rendered SMS is shown')
  assert.match(text, /PC 4521 Sam Taylor is investigating 37\/12345\/26/)
  const measured = t.app.services.messaging.templates.smsLength(decodeEntities(text))
  assert.match(preview.body, new RegExp(`${measured.encoding}`))
  assert.match(preview.body, new RegExp(`${measured.units} characters`))
  assert.match(
    preview.body,
    new RegExp(`Messages \\(segments\\)</dt><dd class="govuk-summary-list__value">${measured.segments}<`),
  )
  assert.equal(
    (await designer.get(`${base}/${id}/steps/0/preview`)).statusCode,
    400,
    'a stop step has no message',
  )

  const badPhone = await designer.post(`${base}/${id}/steps/1/test-send`, { channel: 'sms', phone: '12' })
  assert.equal(badPhone.statusCode, 400)
  assert.match(badPhone.body, /Enter a UK mobile number/)
  const admin = await t.signInAs(['force_admin'], 'kent')
  assert.equal(
    (await admin.post(`${base}/${id}/steps/1/test-send`, { channel: 'sms', phone: '07700 900982' }))
      .statusCode,
    403,
  )

  const sent = await designer.post(`${base}/${id}/steps/1/test-send`, {
    channel: 'sms',
    phone: '07700 900982',
  })
  assert.equal(sent.statusCode, 303)
  assert.match(sent.headers.location as string, /sent=sms/)
  const [message] = await t.app.db.asSystem((tx) =>
    rows<{
      status: string
      case_id: string | null
      person_id: string | null
      body: string
      recipient: string
    }>(
      tx,
      sql`select status, case_id, person_id, body, recipient from messages where created_by = ${designer.userId}`,
    ),
  )
  assert.ok(message, 'the test message is in the outbox')
  assert.equal(message.status, 'scheduled', 'urgent: not held for quiet hours, not suppressed')
  assert.equal(message.case_id, null, 'belongs to no case, so nothing is written back')
  assert.equal(message.person_id, null)
  assert.equal(message.recipient.replaceAll(' ', ''), '07700900982', 'sent to the number the designer typed')
  assert.match(message.body, /37\/12345\/26/)
  const [audit] = await t.app.db.asSystem((tx) =>
    rows<{ detail: { test: boolean; channel: string } }>(
      tx,
      sql`select detail from audit_events where action = 'journey.test-sent' and record_id = ${id}`,
    ),
  )
  assert.deepEqual([audit?.detail.test, audit?.detail.channel], [true, 'sms'])
})

function decodeEntities(html: string): string {
  return html
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}

test('UJ-18: publishing shows what changed since the published version in plain English, then publishes version 2 and audits it', async () => {
  const prompt = (await t.app.services.journeys.list('kent')).find((j) => j.name === 'Prompt response')!
  await designer.post(`${base}/${prompt.id}/steps/0/remove`)
  await designer.post(`${base}/${prompt.id}/steps`, { kind: 'send', template: 'case-update', channel: 'sms' })
  await designer.post(`${base}/${prompt.id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is-not',
    value: 'Fraud',
  })

  const admin = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await admin.get(`${base}/${prompt.id}/publish`)).statusCode, 403)
  const review = await designer.get(`${base}/${prompt.id}/publish`)
  assert.equal(review.statusCode, 200)
  const page = decode(review.body)
  assert.match(page, /Publish version 2/)
  assert.match(
    page,
    /The trigger changes from “When incident opened or incident updated or case party added and the grading is Prompt” to “When incident opened or incident updated or case party added and the grading is Prompt and the crime type is not Fraud”/,
  )
  assert.match(
    page,
    /Step 1 of the published version is removed: “Stop if the victim has opted out \(The victim opted out\)”/,
  )
  assert.match(page, /is added: “Send “case-update” by SMS”/)

  const published = await designer.post(`${base}/${prompt.id}/publish`)
  assert.equal(published.statusCode, 303)
  assert.match(published.headers.location as string, /published=2/)
  const detail = await t.app.services.journeys.detail('kent', prompt.id)
  assert.equal(detail.journey.publishedVersion, 2)
  assert.equal(detail.hasUnpublishedChanges, false)
  const [audit] = await t.app.db.asSystem((tx) =>
    rows<{ actor_id: string }>(
      tx,
      sql`select actor_id from audit_events where action = 'journey.published' and record_id = ${prompt.id} and detail->>'version' = '2'`,
    ),
  )
  assert.equal(audit?.actor_id, designer.userId)
})

let sequence = 0
function aVictim(overrides: Partial<PersonFacts> = {}): PersonFacts {
  sequence += 1
  return {
    athenaUrn: `DR${process.pid}${sequence}`,
    name: `Victim ${sequence}`,
    dateOfBirth: '1980-05-01',
    role: 'victim',
    phones: [{ value: `+4477008${String(sequence).padStart(5, '0')}`, mobile: true }],
    emails: [],
    markers: [],
    ...overrides,
  }
}

async function anIncident(grading: string, incidentType: string, daysAgo: number, person: PersonFacts) {
  sequence += 1
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      'kent',
      {
        kind: 'incident.opened',
        incident: {
          cadRef: `DRY-${sequence}-${process.pid}`,
          grading: grading as never,
          incidentType,
          openedAt: new Date(clock.now().getTime() - daysAgo * 24 * 3600_000),
        },
        people: [person],
      },
      { sourceSystem: 'storm', occurredAt: clock.now() },
    ),
  )
}

const counts = () =>
  t.app.db.asSystem((tx) =>
    rows<Record<string, number>>(
      tx,
      sql`select (select count(*) from enrolments)::int as enrolments,
            (select count(*) from enrolment_decisions)::int as decisions,
            (select count(*) from enrolment_steps)::int as steps,
            (select count(*) from messages)::int as messages,
            (select count(*) from audit_events)::int as audit,
            (select count(*) from journey_versions)::int as versions`,
    ),
  )

test('UJ-18: a dry run over the last 30 days counts who would be enrolled, the messages that would be sent and why others would not, and writes nothing', async () => {
  const id = await createJourney({ name: 'Appointment victims', kind: 'standard', grading: 'Appointment' })
  await designer.post(`${base}/${id}/steps`, {
    kind: 'send',
    template: 'officer-details',
    channel: 'preferred',
  })
  await anIncident('Appointment', 'Burglary', 2, aVictim())
  await anIncident('Appointment', 'Burglary', 3, aVictim({ phones: [] }))
  await anIncident('Appointment', 'Concern for welfare', 4, aVictim())
  await anIncident('Immediate', 'Burglary', 5, aVictim())
  await anIncident('Appointment', 'Burglary', 40, aVictim())
  await t.app.jobs.drain()

  const before = await counts()
  const page = decode((await designer.get(`${base}/${id}/dry-run?run=yes`)).body)
  assert.deepEqual(await counts(), before, 'the dry run writes nothing')
  const figure = (label: string) =>
    new RegExp(`${label}</dt><dd class="govuk-summary-list__value">(\\d+)<`).exec(page)?.[1]
  assert.deepEqual(
    [figure('Cases checked'), figure('People who would be enrolled'), figure('Messages that would be sent')],
    ['4', '2', '1'],
  )
  assert.match(
    page,
    /the trigger does not match: the grading is Appointment<\/td><td class="govuk-table__cell govuk-table__cell--numeric">1</,
  )
  assert.match(
    page,
    /the incident type Concern for welfare is excluded by the force<\/td><td class="govuk-table__cell govuk-table__cell--numeric">1</,
  )
  assert.match(
    page,
    /no SMS or email contact is known<\/td><td class="govuk-table__cell govuk-table__cell--numeric">1</,
  )

  const essexDesigner = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await essexDesigner.get(`${base}/${id}/dry-run?run=yes`)).statusCode, 404)
})

test('UJ-18: a force admin turns safe-contact checks on and off for their force only; other roles are refused', async () => {
  const path = '/console/journeys/contact-policy'
  const admin = await t.signInAs(['force_admin'], 'kent')
  const form = await admin.get(path)
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /value="suspect" checked/)

  const invalid = await admin.post(path, { checks: ['child'], childUnder: 'twelve' })
  assert.equal(invalid.statusCode, 400)
  assert.match(invalid.body, /Enter an age from 1 to 25/)

  const saved = await admin.post(path, {
    checks: ['do_not_contact', 'deceased', 'domestic_abuse', 'child'],
    childUnder: '16',
  })
  assert.equal(saved.statusCode, 303)
  assert.deepEqual((await t.app.services.journeys.rules('kent')).contactPolicy, {
    suppressOnMarkers: ['do_not_contact', 'deceased'],
    suppressWhenSuspectSharesContact: false,
    domesticAbuseNeedsSafeChannel: true,
    childUnder: 16,
  })
  assert.doesNotMatch((await admin.get(path)).body, /value="suspect" checked/)
  const [audit] = await t.app.db.asSystem((tx) =>
    rows<{ actor_id: string }>(
      tx,
      sql`select actor_id from audit_events where action = 'journey-contact-policy.updated' and force_id = 'kent'`,
    ),
  )
  assert.equal(audit?.actor_id, admin.userId)

  assert.equal((await designer.get(path)).statusCode, 403)
  assert.equal((await designer.post(path, { checks: [] })).statusCode, 403)
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essexAdmin.post(path, { checks: [] })).statusCode, 303)
  assert.equal((await t.app.services.journeys.rules('essex')).contactPolicy.suppressOnMarkers.length, 0)
  assert.equal(
    (await t.app.services.journeys.rules('kent')).contactPolicy.childUnder,
    16,
    'Kent is unchanged',
  )
})

test('conditions pick crime types and gradings from the force’s own values; an unknown crime type is warned about and a wrong grading refused', async () => {
  // Kent's Athena profile translates a code to its own crime type, and its crimes carry another.
  const athena = (await t.app.services.sources.currentProfile('kent', 'athena'))!.document
  const version = await t.app.services.sources.saveProfile(
    'kent',
    'athena',
    JSON.stringify({ ...athena, codes: { ...athena.codes, 'crime.crimeType': { BURG: 'Burglary' } } }),
    null,
    null,
    anAthenaEvent({
      id: 'PL-0',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-01T09:00:00Z',
      crimeRef: '46/90/26',
    }),
  )
  await t.app.services.sources.publishProfile('kent', 'athena', version, null)
  const received = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: 'PL-1',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-01T09:00:00Z',
      crimeRef: '46/91/26',
      investigation: { crimeType: 'Criminal damage' },
    }),
    'application/json',
  )
  assert.equal(received.status, 'applied', `${received.reason}`)

  const form = decode((await designer.get(`${base}/new`)).body)
  assert.match(form, /name="crimeTypePicks"[^>]*value="Burglary"/)
  assert.match(form, /name="crimeTypePicks"[^>]*value="Criminal damage"/)
  const id = await createJourney({
    name: 'Burglary and damage',
    kind: 'enhanced',
    crimeTypePicks: 'Burglary',
    crimeTypes: 'Burgalry',
    precedence: 'add',
  })
  const page = decode((await designer.get(`${base}/${id}`)).body)
  assert.match(page, /crime type is one of Burglary or Burgalry/)
  assert.match(page, /Crime type “Burgalry” is not one your force’s sources send or map to/)
  assert.doesNotMatch(page, /Crime type “Burglary” is not/)
  assert.match(page, /<option value="crime.type=Criminal damage">Crime type: Criminal damage<\/option>/)
  assert.match(page, /<option value="incident.grading=Prompt">Grading: Prompt<\/option>/)

  const picked = await designer.post(`${base}/${id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is-not',
    pick: 'crime.type=Criminal damage',
  })
  assert.equal(picked.statusCode, 303, picked.body)
  assert.match(decode((await designer.get(`${base}/${id}`)).body), /the crime type is not Criminal damage/)

  const mismatched = await designer.post(`${base}/${id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is',
    pick: 'incident.grading=Prompt',
  })
  assert.equal(mismatched.statusCode, 400)
  assert.match(
    decode(mismatched.body),
    /govuk-error-summary[\s\S]*“Prompt” is a grading: choose that under Check/,
  )
  const wrongGrading = await designer.post(`${base}/${id}/trigger/conditions`, {
    fact: 'incident.grading',
    operator: 'is',
    value: 'Urgent',
  })
  assert.equal(wrongGrading.statusCode, 400)
  assert.match(decode(wrongGrading.body), /“Urgent” is not a grading: use Immediate, Prompt/)

  const stopForm = decode((await designer.get(`${base}/${id}/steps/new?kind=stop-when`)).body)
  assert.match(stopForm, /<option value="crime.type=Burglary">Crime type: Burglary<\/option>/)
  const stop = await designer.post(`${base}/${id}/steps`, {
    kind: 'stop-when',
    fact: 'crime.type',
    operator: 'is',
    pick: 'crime.type=Criminal damage',
    reason: 'Damage is handled by the standard journey',
  })
  assert.equal(stop.statusCode, 303, stop.body)

  const essexDesigner = await t.signInAs(['journey_designer'], 'essex')
  const theirs = decode((await essexDesigner.get(`${base}/new`)).body)
  assert.doesNotMatch(theirs, /Criminal damage/, 'another force’s crime types are not offered')
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get(`${base}/new`)).statusCode, 403)
})
