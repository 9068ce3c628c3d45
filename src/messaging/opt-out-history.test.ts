// Opt-outs on the person page: status and history, and removing one with a reason, audited; the
// opt-outs list says so in plain words and shows one error summary.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { rows } from '../platform/db/database.ts'

let t: TestApp
let personId: string
const phone = '+447700900777'

before(async () => {
  t = await createTestApp()
  const result = await t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      'kent',
      {
        kind: 'crime.recorded',
        crime: { crimeRef: '46/4242/26', crimeType: 'Theft', status: 'open', recordedAt: t.clock.now() },
        people: [
          {
            athenaUrn: 'OPT-1',
            name: 'Alex Optout',
            role: 'victim',
            phones: [{ value: phone, mobile: true }],
            emails: ['alex@example.org'],
            markers: [],
          },
        ],
      },
      { sourceSystem: 'athena', occurredAt: t.clock.now() },
    ),
  )
  const crime = await t.app.services.cases.getCrime('kent', result.crimeId!)
  personId = crime.parties[0]!.personId
})
after(() => t.close())

const optOutByStop = () =>
  t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.optOuts.recordOptOut(tx, {
      forceId: 'kent',
      channel: 'sms',
      address: phone,
      source: 'sms-stop',
    }),
  )

const errorSummaries = (body: string) => body.match(/class="govuk-error-summary"/g)?.length ?? 0

test('the person page shows each contact detail’s opt-out status and the history, in plain words', async () => {
  const { optOut } = await optOutByStop()
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const page = await officer.get(`/console/people/${personId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /id="opt-outs"/)
  assert.match(page.body, /govuk-tag--purple">Opted out<\/strong> Text messages stopped since/)
  assert.match(page.body, /Replied STOP to a text message/)
  assert.match(
    page.body,
    /alex@example.org<\/dt>\s*<dd class="govuk-summary-list__value"><strong class="govuk-tag govuk-tag--green">Receiving messages/,
  )
  assert.match(page.body, new RegExp(`href="/console/opt-outs/${optOut.id}/remove\\?person=${personId}"`))
  assert.doesNotMatch(page.body, /sms-stop/)
})

test('a member of staff removes an opt-out with a reason: one error summary without it, then a success message, the history and the audit say who and why', async () => {
  const [active] = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.optOuts.optOuts(tx, 'kent'),
  )
  assert.ok(active)
  const handler = await t.signInAs(['contact_handler'], 'kent', 'Casey Handler')
  const confirm = await handler.get(`/console/opt-outs/${active.id}/remove?person=${personId}`)
  assert.equal(confirm.statusCode, 200)
  assert.match(confirm.body, /Remove this opt-out/)
  assert.match(confirm.body, /Why are you removing it\?/)

  const missing = await handler.post(`/console/opt-outs/${active.id}/remove`, {
    reason: '  ',
    person: personId,
  })
  assert.equal(missing.statusCode, 400)
  assert.equal(errorSummaries(missing.body), 1)
  assert.match(missing.body, /Enter why the opt-out is being removed/)
  assert.match(missing.body, /href="#reason"/)

  const tooLong = await handler.post(`/console/opt-outs/${active.id}/remove`, { reason: 'x'.repeat(1001) })
  assert.equal(tooLong.statusCode, 400)

  const removed = await handler.post(`/console/opt-outs/${active.id}/remove`, {
    reason: 'Phoned on 3 June to ask for updates again',
    person: personId,
  })
  assert.equal(removed.statusCode, 303)
  assert.equal(removed.headers.location, `/console/people/${personId}?optOut=removed#opt-outs`)
  const page = await handler.get(`/console/people/${personId}?optOut=removed`)
  assert.match(page.body, /govuk-notification-banner--success/)
  assert.match(page.body, /Opt-out removed/)
  assert.match(page.body, /removed by Casey Handler\. Reason: Phoned on 3 June to ask for updates again/)
  assert.doesNotMatch(page.body, /govuk-tag--purple">Opted out/)
  assert.equal(
    await t.app.db.withForce('kent', (tx) =>
      t.app.services.messaging.optOuts.isOptedOut(tx, 'kent', 'sms', phone),
    ),
    false,
  )
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string; detail: { reason: string } }>(
      tx,
      sql`select action, detail from audit_events where actor_id = ${handler.userId} and record_id = ${active.id}`,
    ),
  )
  assert.deepEqual(audited, [
    {
      action: 'message-opt-out.removed',
      detail: { channel: 'sms', reason: 'Phoned on 3 June to ask for updates again' },
    },
  ])
  // Removed once: a second removal is refused, and nothing changes.
  const again = await handler.post(`/console/opt-outs/${active.id}/remove`, { reason: 'Again' })
  assert.equal(again.statusCode, 409)
})

test('removing an opt-out is refused to roles that do not record them and to another force', async () => {
  const { optOut } = await optOutByStop()
  for (const role of ['analyst', 'journey_designer', 'auditor'] as const) {
    const other = await t.signInAs([role], 'kent')
    assert.equal((await other.get(`/console/opt-outs/${optOut.id}/remove`)).statusCode, 403, role)
    assert.equal(
      (await other.post(`/console/opt-outs/${optOut.id}/remove`, { reason: 'Asked' })).statusCode,
      403,
      role,
    )
  }
  const essex = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essex.get(`/console/opt-outs/${optOut.id}/remove`)).statusCode, 404)
  assert.equal(
    (await essex.post(`/console/opt-outs/${optOut.id}/remove`, { reason: 'Asked' })).statusCode,
    404,
  )
  assert.equal(
    await t.app.db.withForce('kent', (tx) =>
      t.app.services.messaging.optOuts.isOptedOut(tx, 'kent', 'sms', phone),
    ),
    true,
  )
})

test('the opt-outs list uses plain labels, shows one error summary and says when an opt-out was recorded', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const refused = await admin.post('/console/opt-outs', { address: phone })
  assert.equal(refused.statusCode, 400)
  assert.equal(errorSummaries(refused.body), 1)
  const saved = await admin.post('/console/opt-outs', { channel: 'email', address: 'alex@example.org' })
  assert.equal(saved.statusCode, 303)
  const list = await admin.get(saved.headers.location as string)
  assert.match(list.body, /govuk-notification-banner--success/)
  assert.match(list.body, /Opt-out recorded/)
  assert.match(
    list.body,
    /<td class="govuk-table__cell">Emails<\/td><td class="govuk-table__cell">Asked a member of staff<\/td>/,
  )
  assert.match(
    list.body,
    /<td class="govuk-table__cell">Text messages<\/td><td class="govuk-table__cell">Replied STOP to a text message<\/td>/,
  )
  assert.doesNotMatch(list.body, />(sms|email|staff|sms-stop|email-link)</)
})
