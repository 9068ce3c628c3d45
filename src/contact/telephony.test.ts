// Telephony end to end over the CTI event API: a call offered by the telephony platform becomes a
// contact in the queue (matched to a known person by the caller's number), its events are kept on
// it once each and measure the wait and handling time, a call the caller gave up on stays as a
// call-back, and a handler turns a text into a call-back. Wrong clients and wrong users are refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { aStormEvent } from '../sources/test-support/events.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let token: string
let ana: SignedIn
let ben: SignedIn

const post = (body: object, bearer = token, force = 'essex') =>
  t.app.http.inject({
    method: 'POST',
    url: `/api/v1/contact/${force}/telephony/events`,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  })
const at = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000).toISOString()

const contacts = () =>
  t.app.db.withForce('essex', (tx) =>
    rows<{
      id: string
      channel: string
      status: string
      skill: string
      priority: number
      personId: string | null
      assignedTo: string | null
    }>(
      tx,
      sql`select id, channel, status, skill, priority, person_id as "personId", assigned_to as "assignedTo" from contact_items
          order by enqueued_at, id`,
    ),
  )

before(async () => {
  t = await createTestApp({}, { clock })
  const result = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'T-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-T1',
      persons: [{ nominalId: 'N-T-1', name: 'Robin Hale', role: 'VIC', phone: '07700 900311' }],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', result.reason ?? '')
  token = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
})
after(() => t.close())

test('CRM-6, CRM-8: an offered call becomes a phone contact in the queue for the person who holds the number, with the IVR choices', async () => {
  const offered = await post({
    eventId: 'ev-1',
    type: 'call.offered',
    callId: 'call-1',
    occurredAt: at(0),
    caller: '+447700900311',
    dialled: '101',
    ivr: [{ menu: 'main', choice: '2', label: 'Update on an existing report' }],
  })
  assert.equal(offered.statusCode, 202, offered.body)
  const receipt = offered.json() as { status: string; call: string; contact: string }
  assert.equal(receipt.status, 'applied')
  const [item] = await contacts()
  assert.equal(item!.id, receipt.contact)
  assert.equal(item!.channel, 'phone')
  assert.equal(item!.skill, 'phone')
  assert.equal(item!.status, 'waiting')
  assert.ok(item!.personId, 'matched by the caller’s number')
  // The same event again changes nothing.
  const again = await post({
    eventId: 'ev-1',
    type: 'call.offered',
    callId: 'call-1',
    occurredAt: at(0),
    caller: '+447700900311',
  })
  assert.equal(again.statusCode, 202)
  assert.equal((again.json() as { status: string }).status, 'duplicate')
  assert.equal((await contacts()).length, 1)
  // The queue shows it as a phone call; the single view shows the call among the person's contacts.
  const queue = await ana.get('/console/contact/queue')
  assert.match(queue.body, /Robin Hale[\s\S]*Phone call/)
  const view = await ana.get(`/console/contact/people/${item!.personId}`)
  assert.equal(view.statusCode, 200)
  assert.match(view.body, /Phone call from \+447700900311 to 101\. IVR: Update on an existing report/)
})

test('CRM-8, CRM-31: answered, held, resumed, transferred (to Rapid Video Response) and ended are kept on the contact, and measure the wait, hold and handling time', async () => {
  const [item] = await contacts()
  assert.equal((await ana.post(`/console/contact/queue/contacts/${item!.id}/claim`)).statusCode, 303)
  const steps = [
    ['ev-2', 'call.answered', 35, { agent: 'ext-2041' }],
    ['ev-3', 'call.held', 100, {}],
    ['ev-4', 'call.resumed', 130, {}],
    ['ev-5', 'call.transferred', 200, { agent: 'ext-2041', to: 'Rapid Video Response' }],
    ['ev-6', 'call.ended', 275, {}],
  ] as const
  for (const [eventId, type, seconds, extra] of steps) {
    const response = await post({ eventId, type, callId: 'call-1', occurredAt: at(seconds), ...extra })
    assert.equal(response.statusCode, 202, response.body)
  }
  const page = await ana.get(`/console/contact/queue/contacts/${item!.id}/caller`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Waited<\/dt><dd class="govuk-summary-list__value">35 s/)
  assert.match(
    page.body,
    /Handling time<\/dt><dd class="govuk-summary-list__value">4 min 0 s, 30 s on hold, transferred 1 times/,
  )
  assert.match(page.body, /Transferred[\s\S]*ext-2041 to Rapid Video Response/)
  assert.match(page.body, /Update on an existing report/)
  // Opening the caller page is a view of the contact and of the person, audited.
  const viewed = await t.app.db.asSystem((tx) =>
    rows<{ recordType: string }>(
      tx,
      sql`select record_type as "recordType" from audit_events where actor_id = ${ana.userId}
            and action like '%.viewed' and detail->>'view' in ('caller', 'contact-caller') order by id`,
    ),
  )
  assert.deepEqual([...new Set(viewed.map((v) => v.recordType))].sort(), ['contact', 'person'])
  // An event after the end, or about a call never offered, is a problem document.
  const late = await post({ eventId: 'ev-7', type: 'call.held', callId: 'call-1', occurredAt: at(300) })
  assert.equal(late.statusCode, 409)
  assert.match(late.headers['content-type'] as string, /application\/problem\+json/)
  const unknown = await post({ eventId: 'ev-8', type: 'call.answered', callId: 'call-x', occurredAt: at(10) })
  assert.equal(unknown.statusCode, 409)
  assert.match(unknown.json().detail ?? unknown.json().title, /call\.offered/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where record_type = 'contact-call' order by id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.action),
    [
      'contact-call.offered',
      'contact-call.answered',
      'contact-call.held',
      'contact-call.resumed',
      'contact-call.transferred',
      'contact-call.ended',
    ],
  )
})

test('CRM-6: a malformed event is refused with a problem document naming the field', async () => {
  const response = await post({ eventId: 'ev-bad', type: 'call.rang', callId: 'call-2', occurredAt: at(0) })
  assert.equal(response.statusCode, 400)
  assert.match(response.headers['content-type'] as string, /application\/problem\+json/)
  const noTime = await post({
    eventId: 'ev-bad2',
    type: 'call.offered',
    callId: 'call-2',
    occurredAt: 'yesterday',
  })
  assert.equal(noTime.statusCode, 400)
})

test('CRM-6, CRM-8: a caller who hangs up before an answer stays in the queue as a call-back to their number; a withheld number is matched to nobody; a caller in danger is urgent', async () => {
  clock.advance(10 * 60_000)
  for (const event of [
    { eventId: 'ev-10', type: 'call.offered', callId: 'call-3', occurredAt: at(-60), caller: '07700 900999' },
    { eventId: 'ev-11', type: 'call.ended', callId: 'call-3', occurredAt: at(-10) },
    { eventId: 'ev-12', type: 'call.offered', callId: 'call-4', occurredAt: at(0), caller: null },
    {
      eventId: 'ev-13',
      type: 'call.offered',
      callId: 'call-5',
      occurredAt: at(0),
      caller: '07700 900888',
      ivr: [{ menu: 'main', choice: '4', label: 'Domestic abuse or feeling unsafe' }],
    },
  ])
    assert.equal((await post(event)).statusCode, 202)
  const all = await contacts()
  assert.equal(all.length, 4)
  const ofCall = async (ref: string) => {
    const [call] = await t.app.db.withForce('essex', (tx) =>
      rows<{ itemId: string }>(
        tx,
        sql`select item_id as "itemId" from contact_calls where call_ref = ${ref}`,
      ),
    )
    return all.find((c) => c.id === call!.itemId)
  }
  const abandoned = await ofCall('call-3')
  const withheld = await ofCall('call-4')
  // CRM-6: the IVR choice of a caller in danger makes the call urgent, for handlers with the skill.
  const urgent = await ofCall('call-5')
  assert.deepEqual([urgent!.skill, urgent!.priority], ['vulnerability', 1])
  assert.equal(abandoned!.status, 'waiting')
  assert.equal(withheld!.personId, null)
  const page = await ana.get(`/console/contact/queue/contacts/${abandoned!.id}/caller`)
  assert.match(page.body, /Hung up before an answer/)
  assert.match(page.body, /call back on 07700 900999: the caller hung up before an answer/)
  const withheldPage = await ana.get(`/console/contact/queue/contacts/${withheld!.id}/caller`)
  assert.match(withheldPage.body, /Withheld number/)
})

test('CRM-8: a handler turns a text into a call-back; it waits in the queue on the phone; another handler may not', async () => {
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'txt-1',
      from: '07700900555',
      fromName: null,
      to: null,
      subject: null,
      body: 'Can someone ring me please',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const text = (await contacts()).find((c) => c.channel === 'sms')!
  assert.ok(text)
  assert.equal((await ben.post(`/console/contact/queue/contacts/${text.id}/claim`)).statusCode, 303)
  const notHers = await ana.post(`/console/contact/queue/contacts/${text.id}/caller/callback`, {
    number: '07700900311',
  })
  assert.equal(notHers.statusCode, 400)
  assert.match(notHers.body, /Only the handler who has this contact may turn it into a call-back/)
  const badNumber = await ben.post(`/console/contact/queue/contacts/${text.id}/caller/callback`, {
    number: 'ring me',
  })
  assert.equal(badNumber.statusCode, 400)
  assert.match(badNumber.body, /Enter the phone number to call back/)
  const done = await ben.post(`/console/contact/queue/contacts/${text.id}/caller/callback`, {
    number: '07700 900555',
    note: 'After 5pm',
  })
  assert.equal(done.statusCode, 303)
  const moved = (await contacts()).find((c) => c.id === text.id)!
  assert.deepEqual(
    [moved.channel, moved.status, moved.skill, moved.assignedTo],
    ['phone', 'waiting', 'phone', null],
  )
  const page = await ana.get(`/console/contact/queue/contacts/${text.id}/caller`)
  assert.match(page.body, /call back on 07700 900555, asked for on the sms contact. After 5pm/)
})

test('CRM-6: the CTI API refuses a client of another force, a force without Contact, a client without the scope, and no token; the caller page refuses other roles and forces', async () => {
  const kent = await issueClientToken(t, { forceId: 'kent', scopes: ['contact:telephony'] })
  const event = {
    eventId: 'ev-20',
    type: 'call.offered',
    callId: 'call-20',
    occurredAt: at(0),
    caller: '07700900311',
  }
  const wrongForce = await post(event, kent)
  assert.equal(wrongForce.statusCode, 403)
  assert.match(wrongForce.headers['content-type'] as string, /application\/problem\+json/)
  // A force without Contact takes no calls.
  await t.app.services.forces.setProducts('kent', ['journeys', 'portal'])
  const withoutContact = await post({ ...event, eventId: 'ev-21' }, kent, 'kent')
  assert.equal(withoutContact.statusCode, 403)
  assert.match(withoutContact.json().detail ?? withoutContact.json().title, /does not have Contact/)
  await t.app.services.forces.setProducts('kent', ['journeys', 'portal', 'contact'])
  const noScope = await issueClientToken(t, { forceId: 'essex', scopes: ['sources:write'] })
  assert.equal((await post(event, noScope)).statusCode, 403)
  const anonymous = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/contact/essex/telephony/events',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(event),
  })
  assert.equal(anonymous.statusCode, 401)
  assert.equal((await contacts()).length, 5, 'nothing was queued')
  const [item] = await contacts()
  const officer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await officer.get(`/console/contact/queue/contacts/${item!.id}/caller`)).statusCode, 403)
  const kentHandler = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await kentHandler.get(`/console/contact/queue/contacts/${item!.id}/caller`)).statusCode, 404)
  const supervisor = await t.signInAs(['contact_supervisor'], 'essex')
  assert.equal((await supervisor.get(`/console/contact/queue/contacts/${item!.id}/caller`)).statusCode, 200)
  assert.equal(
    (
      await supervisor.post(`/console/contact/queue/contacts/${item!.id}/caller/callback`, {
        number: '07700900311',
      })
    ).statusCode,
    403,
  )
})

let cat: SignedIn
const callItem = async (ref: string) => {
  const [row] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; status: string; assignedTo: string | null; transfers: number }>(
      tx,
      sql`select i.id, i.status, i.assigned_to as "assignedTo", i.transfers from contact_calls c
            join contact_items i on i.id = c.item_id where c.call_ref = ${ref}`,
    ),
  )
  return row!
}

test('CRM-6, CRM-8: a new handler has the phone skill, so a ready handler is given an offered call; a supervisor records handlers’ telephony agent IDs, a handler may not, and one ID is one handler’s', async () => {
  cat = await t.signInAs(['contact_handler'], 'essex', 'Cat Handler')
  assert.equal((await cat.get('/console/contact/queue')).statusCode, 200)
  const [skills] = await t.app.db.withForce('essex', (tx) =>
    rows<{ skills: string[] }>(tx, sql`select skills from contact_agents where staff_id = ${cat.userId}`),
  )
  assert.deepEqual(skills!.skills, ['sms', 'email', 'chat', 'phone'])
  const supervisor = await t.signInAs(['contact_supervisor'], 'essex')
  const page = await supervisor.get('/console/contact/queue/agents')
  assert.match(page.body, /Telephony agent ID or extension/)
  const save = (who: SignedIn, staffId: string, ctiAgent: string) =>
    who.post(`/console/contact/queue/agents/${staffId}`, {
      skills: ['sms', 'email', 'chat', 'phone'],
      capacity: '5',
      ctiAgent,
    })
  assert.equal((await save(ana, ana.userId, 'ext-2041')).statusCode, 403, 'a handler may not')
  assert.equal((await save(supervisor, ben.userId, 'ext-2042')).statusCode, 303)
  assert.equal((await save(supervisor, cat.userId, 'ext-2055')).statusCode, 303)
  const taken = await save(supervisor, ana.userId, 'EXT-2042')
  assert.equal(taken.statusCode, 400)
  assert.match(taken.body, /govuk-error-summary[\s\S]*Ben Handler already has telephony agent ID EXT-2042/)
  const bad = await save(supervisor, ana.userId, 'ext 2041; drop')
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /Telephony agent ID must be 100 characters or fewer/)
  const [mapped] = await t.app.db.withForce('essex', (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_agents where cti_agent is not null`),
  )
  assert.equal(mapped!.n, 2)
  // Cat is ready: the calls left waiting for a skill nobody had are hers, and so is the next one.
  assert.equal((await cat.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  const hers = (await contacts()).filter((c) => c.assignedTo === cat.userId)
  assert.equal(hers.length, 3)
  assert.ok(hers.every((c) => c.skill === 'phone'))
  const offered = await post({
    eventId: 'ev-30',
    type: 'call.offered',
    callId: 'call-30',
    occurredAt: at(0),
    caller: '07700 900777',
  })
  assert.equal(offered.statusCode, 202, offered.body)
  assert.deepEqual(await callItem('call-30').then((i) => [i.status, i.assignedTo]), ['assigned', cat.userId])
})

test('CRM-6, CRM-8: a call answered on a handler’s telephony agent ID becomes their contact, whether it waited or routing gave it to someone else; an unknown agent leaves it where it is', async () => {
  // Routing gave call-30 to Cat; Ben (ext-2042) answers it, so it is his now.
  const answered = await post({
    eventId: 'ev-31',
    type: 'call.answered',
    callId: 'call-30',
    occurredAt: at(20),
    agent: 'ext-2042',
  })
  assert.equal(answered.statusCode, 202, answered.body)
  const moved = await callItem('call-30')
  assert.deepEqual([moved.status, moved.assignedTo, moved.transfers], ['assigned', ben.userId, 1])
  // Cat goes offline; a call waits, and Cat answers it on her extension (any case).
  assert.equal((await cat.post('/console/contact/queue/state', { state: 'offline' })).statusCode, 303)
  for (const event of [
    { eventId: 'ev-32', type: 'call.offered', callId: 'call-31', occurredAt: at(30), caller: '07700 900778' },
    { eventId: 'ev-33', type: 'call.answered', callId: 'call-31', occurredAt: at(60), agent: 'ext-9999' },
  ])
    assert.equal((await post(event)).statusCode, 202)
  assert.deepEqual(await callItem('call-31').then((i) => [i.status, i.assignedTo]), ['waiting', null])
  assert.equal(
    (
      await post({
        eventId: 'ev-34',
        type: 'call.answered',
        callId: 'call-31',
        occurredAt: at(65),
        agent: 'EXT-2055',
      })
    ).statusCode,
    202,
  )
  const taken = await callItem('call-31')
  assert.deepEqual([taken.status, taken.assignedTo], ['assigned', cat.userId])
  // The contact page says so, and Cat's queue shows it as hers; the assignment is audited.
  const contact = await cat.get(`/console/contact/queue/contacts/${taken.id}`)
  assert.equal(contact.statusCode, 200)
  assert.match(contact.body, /Answered the call as EXT-2055/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ actor: string; to: string }>(
      tx,
      sql`select actor_name as actor, detail->>'to' as "to" from audit_events
            where action = 'contact.assigned' and record_id = ${taken.id} order by id`,
    ),
  )
  assert.deepEqual(audited, [{ actor: 'Telephony platform', to: cat.userId }])
  // The event again changes nothing.
  const again = await post({
    eventId: 'ev-34',
    type: 'call.answered',
    callId: 'call-31',
    occurredAt: at(65),
    agent: 'ext-2042',
  })
  assert.equal((again.json() as { status: string }).status, 'duplicate')
  assert.equal((await callItem('call-31')).assignedTo, cat.userId)
})
