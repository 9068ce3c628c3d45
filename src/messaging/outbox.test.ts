// The outbox at volume: keyset pages with a total, search by phone, email, reference and name,
// filters in plain words, the CSV, and cancel and resend with a reason, audited, refused to
// roles without outbox actions and across forces.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { rows } from '../platform/db/database.ts'
import { classifySearch } from './outbox-service.ts'

let t: TestApp
let personId: string
let crimeId: string
const ids: string[] = []

before(async () => {
  t = await createTestApp()
  const messaging = t.app.services.messaging
  for (const forceId of ['kent', 'essex'])
    await t.app.db.withForce(forceId, async (tx) => {
      await messaging.templates.addTemplateVersion(tx, {
        forceId,
        key: 'incident-reference',
        title: 'Your incident reference',
        channel: 'sms',
        body: 'Dear ((first_name)), your reference is ((crime_ref)).',
      })
      await messaging.templates.addTemplateVersion(tx, {
        forceId,
        key: 'incident-reference',
        title: 'Your incident reference',
        channel: 'email',
        subject: 'Your reference',
        body: 'Dear ((first_name)), your reference is ((crime_ref)).',
      })
      await messaging.templates.addTemplateVersion(tx, {
        forceId,
        key: 'officer-assigned',
        title: 'An officer is looking into it',
        channel: 'sms',
        body: 'Dear ((first_name)), an officer has your case ((crime_ref)).',
      })
    })
  await t.app.db.withForce('kent', async (tx) => {
    ;[{ id: personId }] = await rows<{ id: string }>(
      tx,
      sql`insert into people (force_id, display_name) values ('kent', 'Ada Lovelace Byron') returning id::text`,
    )
    ;[{ id: crimeId }] = await rows<{ id: string }>(
      tx,
      sql`insert into crimes (force_id, crime_ref) values ('kent', 'KT/4411/26') returning id::text`,
    )
    // 60 messages to one number, 60 seconds apart, then one email to Ada about her crime.
    for (let i = 0; i < 60; i += 1) {
      t.clock.set(new Date(Date.UTC(2026, 5, 1, 9, 0, i)))
      const m = await messaging.scheduling.schedule(tx, {
        forceId: 'kent',
        channel: 'sms',
        to: '07700 900555',
        templateKey: i % 2 ? 'officer-assigned' : 'incident-reference',
        personalisation: { first_name: 'Sam', crime_ref: `KT/${i}/26` },
      })
      ids.push(m.id)
    }
  })
})
after(() => t.close())

const createdAt = async (forceId: string) => {
  // Each message is created at the database's clock: spread them so the order is the schedule's.
  await t.app.db.asSystem((tx) =>
    tx.execute(
      sql`update messages set created_at = send_after where force_id = ${forceId} and send_after is not null`,
    ),
  )
}

test('UJ-15: the outbox pages a force’s messages newest first, 50 at a time, with the total and newer and older links', async () => {
  await createdAt('kent')
  const admin = await t.signInAs(['force_admin'], 'kent')
  const first = await admin.get('/console/outbox')
  assert.equal(first.statusCode, 200)
  assert.match(first.body, /60 messages\. Showing 50\./)
  assert.equal(first.body.split('<div class="govuk-summary-card">').length - 1, 50)
  // Newest first: the last scheduled is on the first page, the first is not.
  assert.ok(first.body.includes(ids[59]!))
  assert.ok(!first.body.includes(`/console/outbox/${ids[0]}"`))
  const older = /href="(\/console\/outbox\?older=[^"]+)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&')
  assert.ok(older, 'a link to older messages')
  assert.doesNotMatch(first.body, /newer=/)
  const second = await admin.get(older)
  assert.equal(second.statusCode, 200)
  assert.equal(second.body.split('<div class="govuk-summary-card">').length - 1, 10)
  assert.ok(second.body.includes(`/console/outbox/${ids[0]}"`))
  assert.doesNotMatch(second.body, /older=/)
  const newer = /href="(\/console\/outbox\?newer=[^"]+)"/.exec(second.body)?.[1]?.replace(/&amp;/g, '&')
  assert.ok(newer, 'a link back to newer messages')
  const back = await admin.get(newer)
  assert.equal(back.body.split('<div class="govuk-summary-card">').length - 1, 50)
  assert.ok(back.body.includes(`/console/outbox/${ids[59]}"`))
})

test('UJ-15: filters read in plain words, and templates by their names, not their keys', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const page = await admin.get('/console/outbox?template=officer-assigned&status=scheduled&channel=sms')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /30 messages match\./)
  assert.match(page.body, /<option value="officer-assigned" selected>An officer is looking into it<\/option>/)
  assert.match(page.body, /<option value="scheduled" selected>Waiting to send<\/option>/)
  assert.match(page.body, /An officer is looking into it, English \(version 1\)/)
  assert.doesNotMatch(page.body, /officer-assigned v1 \(en\)/)
  assert.doesNotMatch(page.body, />permanent-failure</)
  assert.match(
    page.body,
    /<option value="permanent-failure">Not delivered: the number or address does not work<\/option>/,
  )
  const emails = await admin.get('/console/outbox?channel=email')
  assert.match(emails.body, /There are no messages that match/)
})

test('UJ-15: search finds messages by phone in any format, email, our reference, crime reference and name', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const email = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'kent',
      channel: 'email',
      to: 'Ada@Example.org',
      personId,
      caseId: crimeId,
      templateKey: 'incident-reference',
      personalisation: { first_name: 'Ada', crime_ref: 'KT/4411/26' },
    }),
  )
  const count = async (q: string) => {
    const page = await admin.get(`/console/outbox?q=${encodeURIComponent(q)}`)
    assert.equal(page.statusCode, 200, q)
    return page.body.split('<div class="govuk-summary-card">').length - 1
  }
  assert.equal(await count('+44 7700 900555'), 50)
  assert.match((await admin.get('/console/outbox?q=07700900555')).body, /60 messages match/)
  assert.equal(await count('ada@example.ORG'), 1)
  assert.equal(await count(email.reference), 1)
  assert.equal(await count('kt/4411/26'), 1)
  assert.equal(await count(' KT/4411 /26 '), 1)
  assert.equal(await count('lovelace'), 1)
  assert.equal(await count('Ada Byron'), 1)
  assert.equal(await count('Grace'), 0)
  assert.equal(await count('07700 900556'), 0)
  const long = await admin.get(`/console/outbox?q=${'x'.repeat(201)}`)
  assert.equal(long.statusCode, 400)
  assert.match(long.body, /Search must be 200 characters or fewer/)
  assert.deepEqual(classifySearch('07700 900123'), { kind: 'address', recipientKey: '+447700900123' })
  assert.equal(classifySearch('  ')?.kind, undefined)
})

test('UJ-15: the CSV holds every message matching the same filters, and the export is audited with its criteria', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const csv = await admin.get('/console/outbox/export.csv?template=officer-assigned')
  assert.equal(csv.statusCode, 200)
  assert.match(csv.headers['content-type'] as string, /text\/csv/)
  const lines = csv.body.trim().split('\n')
  assert.equal(lines.length, 31, 'a header and the 30 messages')
  assert.match(lines[0]!, /Reference,Created \(UTC\),Channel,To,Template/)
  assert.ok(
    lines.slice(1).every((l) => l.includes('An officer is looking into it') && l.includes('Waiting to send')),
  )
  const [audit] = await t.app.db.withForce('kent', (tx) =>
    rows<{ detail: { criteria: Record<string, string> } }>(
      tx,
      sql`select detail from audit_events where action = 'outbox.exported' order by id desc limit 1`,
    ),
  )
  assert.deepEqual(audit?.detail.criteria, { template: 'officer-assigned' })
})

test('UJ-15: staff cancel a scheduled message with a reason, confirmed first; it is audited and kept in its history', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Priya Admin')
  const id = ids[3]!
  const page = await admin.get(`/console/outbox/${id}`)
  assert.match(page.body, new RegExp(`href="/console/outbox/${id}/cancel">Cancel this message`))
  const confirm = await admin.get(`/console/outbox/${id}/cancel`)
  assert.equal(confirm.statusCode, 200)
  assert.match(confirm.body, /The person will not get this message/)
  const empty = await admin.post(`/console/outbox/${id}/cancel`, { reason: ' ' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /Enter why this message is cancelled/)
  const tooLong = await admin.post(`/console/outbox/${id}/cancel`, { reason: 'x'.repeat(501) })
  assert.equal(tooLong.statusCode, 400)
  const done = await admin.post(`/console/outbox/${id}/cancel`, { reason: 'The victim asked by phone' })
  assert.equal(done.statusCode, 303)
  assert.equal(done.headers.location, `/console/outbox/${id}?done=cancelled`)
  const after = await admin.get(`/console/outbox/${id}?done=cancelled`)
  assert.match(after.body, /The message was cancelled\. It will not be sent\./)
  assert.match(after.body, /Cancelled by staff: The victim asked by phone/)
  assert.doesNotMatch(after.body, /Cancel this message/)
  const [event] = await t.app.db.withForce('kent', (tx) =>
    rows<{ actor_name: string; record_id: string }>(
      tx,
      sql`select actor_name, record_id from audit_events where action = 'message.cancelled' order by id desc limit 1`,
    ),
  )
  assert.deepEqual(event, { actor_name: 'Priya Admin', record_id: id })
  // A second cancel finds nothing waiting: refused, nothing changes.
  assert.equal((await admin.post(`/console/outbox/${id}/cancel`, { reason: 'again' })).statusCode, 409)
})

test('UJ-15: a role without outbox actions, and another force, are refused cancel and resend', async () => {
  const id = ids[4]!
  for (const roles of [['investigating_officer'], ['journey_designer'], ['analyst']] as const) {
    const user = await t.signInAs([...roles], 'kent')
    assert.equal((await user.get(`/console/outbox/${id}/cancel`)).statusCode, 403, roles[0])
    assert.equal(
      (await user.post(`/console/outbox/${id}/cancel`, { reason: 'no' })).statusCode,
      403,
      roles[0],
    )
    assert.equal(
      (await user.post(`/console/outbox/${id}/resend`, { reason: 'no' })).statusCode,
      403,
      roles[0],
    )
  }
  const designer = await t.signInAs(['journey_designer'], 'kent')
  assert.doesNotMatch((await designer.get(`/console/outbox/${id}`)).body, /Cancel this message/)
  const essex = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essex.get(`/console/outbox/${id}/cancel`)).statusCode, 404)
  assert.equal((await essex.post(`/console/outbox/${id}/cancel`, { reason: 'not ours' })).statusCode, 404)
  const { message } = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.message(tx, id),
  )
  assert.equal(message.status, 'scheduled')
})

test('UJ-15: a failed message is sent again as a new message after a reason; an opted-out address is refused', async () => {
  const admin = await t.signInAs(['service_support'], 'kent')
  const id = ids[5]!
  await t.app.db.withForce('kent', (tx) =>
    tx.execute(sql`update messages set status = 'technical-failure' where id = ${id}::uuid`),
  )
  assert.match((await admin.get(`/console/outbox/${id}`)).body, /Send this message again/)
  assert.equal((await admin.get(`/console/outbox/${ids[6]}/resend`)).statusCode, 409, 'not failed')
  const done = await admin.post(`/console/outbox/${id}/resend`, { reason: 'Notify was down' })
  assert.equal(done.statusCode, 303)
  const page = await admin.get(`/console/outbox/${id}?done=resent`)
  assert.match(page.body, /will be sent again as a new message/)
  const newId = /Sent again as a new message \(([0-9a-f-]{36})\): Notify was down/.exec(page.body)?.[1]
  assert.ok(newId)
  const { message: copy, events } = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.message(tx, newId),
  )
  const { message: original } = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.message(tx, id),
  )
  assert.equal(copy.status, 'scheduled')
  assert.equal(copy.body, original.body)
  assert.equal(copy.recipientKey, original.recipientKey)
  assert.notEqual(copy.reference, original.reference)
  assert.match(events[0]?.detail ?? '', /Sent again by staff/)
  // Once the person opts out, a failed message to them is not sent again.
  const second = ids[7]!
  await t.app.db.withForce('kent', async (tx) => {
    await tx.execute(sql`update messages set status = 'permanent-failure' where id = ${second}::uuid`)
    await t.app.services.messaging.optOuts.recordOptOut(tx, {
      forceId: 'kent',
      channel: 'sms',
      address: '07700900555',
      source: 'staff',
    })
  })
  const refused = await admin.post(`/console/outbox/${second}/resend`, { reason: 'try again' })
  assert.equal(refused.statusCode, 409)
  assert.match(refused.body, /opted out/)
})

test('UJ-15: a message page names the provider plainly: no “dev outbox” wording for a message GOV.UK Notify sent', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const id = ids[8]!
  await t.app.db.withForce('kent', (tx) =>
    tx.execute(
      sql`update messages set provider = 'notify', provider_ref = 'notify-123', status = 'delivered' where id = ${id}::uuid`,
    ),
  )
  const page = await admin.get(`/console/outbox/${id}`)
  assert.match(
    page.body,
    /Sent by<\/dt><dd class="govuk-summary-list__value">GOV.UK Notify \(their reference notify-123\)/,
  )
  assert.doesNotMatch(page.body, /dev outbox|embedded set-up/i)
})
