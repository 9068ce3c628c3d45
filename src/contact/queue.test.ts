// The omnichannel queue end to end: texts and emails people send (by the same path as GOV.UK
// Notify's callback and the inbound SMTP listener) become contacts; routing gives them to ready
// handlers by priority and skill; handlers claim, transfer, end and record outcomes; the live
// queue hears each change through the push channel; not-ready time is measured.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { openEventStream } from '../../test/support/event-stream.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import type { InboundMessage } from '../messaging/channels.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { aStormEvent } from '../sources/test-support/events.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let appUrl: string
let ana: SignedIn
let ben: SignedIn
let supervisor: SignedIn

const text = (from: string, body: string, ref: string): InboundMessage => ({
  channel: 'sms',
  provider: 'notify',
  providerRef: ref,
  from,
  fromName: null,
  to: null,
  subject: null,
  body,
  receivedAt: null,
  attachments: [],
})

const items = () =>
  t.app.db.withForce('essex', (tx) =>
    rows<{
      id: string
      status: string
      priority: number
      skill: string
      assignedTo: string | null
      outcome: string | null
      transfers: number
      personId: string | null
    }>(
      tx,
      sql`select id, status, priority, skill, assigned_to as "assignedTo", outcome, transfers, person_id as "personId"
          from contact_items order by enqueued_at, id`,
    ),
  )

const who = (s: SignedIn) => ({
  actor: { kind: 'staff' as const, id: s.userId },
  staffId: s.userId,
  name: 'x',
})

before(async () => {
  t = await createTestApp({}, { clock })
  appUrl = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  for (const [id, name, phone, markers] of [
    ['Q-1', 'Dee Ross', '07700 900201', []],
    ['Q-2', 'Kit Lane', '07700 900202', ['VUL']],
  ] as const) {
    const result = await t.app.services.sources.receive(
      'essex',
      'storm',
      aStormEvent({
        id,
        at: '2026-06-01T10:00:00Z',
        ref: `ESX-20260601-${id}`,
        persons: [{ nominalId: `N-${id}`, name, role: 'VIC', phone, markers }],
      }),
      'application/json',
    )
    assert.equal(result.status, 'applied', result.reason ?? '')
  }
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
})

after(() => t.close())

test('a text from a person becomes one waiting contact with a priority and a skill; a further text joins it', async () => {
  await t.app.services.conversations.receiveText('essex', text('07700900201', 'Any news?', 'q-1'), {
    system: 'test',
  })
  await t.app.services.conversations.receiveText('essex', text('07700900201', 'Hello?', 'q-2'), {
    system: 'test',
  })
  const [item, ...rest] = await items()
  assert.equal(rest.length, 0)
  assert.equal(item!.status, 'waiting')
  assert.equal(item!.priority, 3)
  assert.equal(item!.skill, 'sms')
  assert.ok(item!.personId)
  // The queue page shows it, and the view of the person it names is audited.
  const page = await ana.get('/console/contact/queue')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Dee Ross/)
  assert.match(page.body, /Waiting \(1\)/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'person.viewed' and actor_id = ${ana.userId}
            and record_id = ${item!.personId}`,
    ),
  )
  assert.equal(audited[0]!.n, 1)
})

test('a handler who becomes ready is given the waiting contact; the live queue hears it through the push channel', async () => {
  const stream = await openEventStream(`${appUrl}/push/events?topic=contact-queue`, ben.cookie)
  assert.equal(stream.status, 200)
  await stream.next('ready')
  const refused = await ana.post('/console/contact/queue/state', { state: 'not_ready' })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /Choose why you are not ready/)
  assert.equal((await ana.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  const [item] = await items()
  assert.equal(item!.status, 'assigned')
  assert.equal(item!.assignedTo, ana.userId)
  const heard = await stream.next('contact-queue')
  assert.equal(heard.topic, 'contact-queue')
  const mine = await ana.get('/console/contact/queue')
  assert.match(mine.body, /Your contacts[\s\S]*Dee Ross/)
  stream.close()
})

test('an urgent contact needing the vulnerability skill waits for a handler with it, and goes before normal contacts; a supervisor sets skills', async () => {
  // Ana has one contact; make her full so a new normal contact waits too.
  await t.app.services.contact.queue.setSkills(
    'essex',
    ana.userId,
    { skills: ['sms', 'email'], capacity: '1' },
    who(supervisor),
  )
  clock.advance(60_000)
  await t.app.services.conversations.receiveText('essex', text('07700900999', 'Unknown sender here', 'q-3'), {
    system: 'test',
  })
  clock.advance(60_000)
  await t.app.services.conversations.receiveText('essex', text('07700900202', 'I am scared', 'q-4'), {
    system: 'test',
  })
  const waiting = (await items()).filter((i) => i.status === 'waiting')
  assert.deepEqual(
    waiting.map((i) => [i.priority, i.skill]),
    [
      [3, 'sms'],
      [1, 'vulnerability'],
    ],
  )
  // Ben is ready, with room for one, but without the vulnerability skill: he gets the normal one.
  await t.app.services.contact.queue.setState(
    'essex',
    { state: 'ready' },
    { ...who(ben), name: 'Ben Handler' },
  )
  await t.app.services.contact.queue.setSkills(
    'essex',
    ben.userId,
    { skills: ['sms'], capacity: '1' },
    who(supervisor),
  )
  let now = await items()
  assert.equal(
    now.find((i) => i.priority === 3 && i.status !== 'closed' && i.assignedTo === ben.userId)?.skill,
    'sms',
  )
  assert.equal(now.find((i) => i.priority === 1)!.status, 'waiting')
  // Given the skill and room for more by a supervisor, Ben gets the urgent contact. Handlers may not set skills.
  const form = await supervisor.get('/console/contact/queue/agents')
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /Ben Handler/)
  assert.equal((await ana.get('/console/contact/queue/agents')).statusCode, 403)
  assert.equal(
    (
      await ana.post(`/console/contact/queue/agents/${ana.userId}`, {
        skills: ['vulnerability'],
        capacity: '5',
      })
    ).statusCode,
    403,
  )
  const noSkill = await supervisor.post(`/console/contact/queue/agents/${ben.userId}`, { capacity: '2' })
  assert.equal(noSkill.statusCode, 400)
  assert.match(noSkill.body, /Choose at least one skill/)
  const saved = await supervisor.post(`/console/contact/queue/agents/${ben.userId}`, {
    skills: ['sms', 'vulnerability'],
    capacity: '2',
  })
  assert.equal(saved.statusCode, 303)
  now = await items()
  assert.equal(now.find((i) => i.priority === 1)!.assignedTo, ben.userId)
})

test('a handler claims, transfers with a note, ends and records an outcome; the wrong handler is refused at each step', async () => {
  const queue = t.app.services.contact.queue
  const urgent = (await items()).find((i) => i.priority === 1)!
  assert.equal(urgent.assignedTo, ben.userId)
  // Ben passes the urgent contact to Ana with a note.
  const noNote = await ben.post(`/console/contact/queue/contacts/${urgent.id}/transfer`, {
    to: ana.userId,
    note: '',
  })
  assert.equal(noNote.statusCode, 400)
  assert.match(noNote.body, /Enter a note for whoever takes the contact/)
  const notHis = await ana.post(`/console/contact/queue/contacts/${urgent.id}/transfer`, {
    to: 'queue',
    note: 'x',
  })
  assert.equal(notHis.statusCode, 400)
  assert.match(notHis.body, /Only the handler who has this contact may transfer it/)
  const toAna = await ben.post(`/console/contact/queue/contacts/${urgent.id}/transfer`, {
    to: ana.userId,
    note: 'Over to you',
  })
  assert.equal(toAna.statusCode, 303)
  let row = (await items()).find((i) => i.id === urgent.id)!
  assert.equal(row.assignedTo, ana.userId)
  // Ana puts it back in the queue; Ben is on a break, so it waits, and is never given back to Ana.
  await queue.setState('essex', { state: 'not_ready', reason: 'break' }, { ...who(ben), name: 'Ben Handler' })
  const toQueue = await ana.post(`/console/contact/queue/contacts/${urgent.id}/transfer`, {
    to: 'queue',
    note: 'Needs a call back',
  })
  assert.equal(toQueue.statusCode, 303)
  row = (await items()).find((i) => i.id === urgent.id)!
  assert.equal(row.status, 'waiting')
  assert.equal(row.transfers, 2)
  // Ana claims it by hand; Ben's claim comes too late.
  assert.equal((await ana.post(`/console/contact/queue/contacts/${urgent.id}/claim`)).statusCode, 303)
  const twice = await ben.post(`/console/contact/queue/contacts/${urgent.id}/claim`)
  assert.equal(twice.statusCode, 400)
  assert.match(twice.body, /no longer waiting/)
  row = (await items()).find((i) => i.id === urgent.id)!
  assert.equal(row.assignedTo, ana.userId)
  const page = await ana.get(`/console/contact/queue/contacts/${urgent.id}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Kit Lane/)
  assert.match(page.body, /Over to you[\s\S]*Needs a call back/)
  // Ben cannot end or close Ana's contact.
  assert.equal((await ben.post(`/console/contact/queue/contacts/${urgent.id}/end`)).statusCode, 400)
  assert.equal((await ana.post(`/console/contact/queue/contacts/${urgent.id}/end`)).statusCode, 303)
  const anaNow = await t.app.db.withForce('essex', (tx) =>
    rows<{ state: string }>(tx, sql`select state from contact_agents where staff_id = ${ana.userId}`),
  )
  assert.equal(anaNow[0]!.state, 'wrap_up')
  const noOutcome = await ana.post(`/console/contact/queue/contacts/${urgent.id}/outcome`, {})
  assert.equal(noOutcome.statusCode, 400)
  assert.match(noOutcome.body, /Choose the outcome of the contact/)
  assert.equal(
    (
      await ana.post(`/console/contact/queue/contacts/${urgent.id}/outcome`, {
        outcome: 'update-request',
        note: 'Wanted news',
      })
    ).statusCode,
    303,
  )
  row = (await items()).find((i) => i.id === urgent.id)!
  assert.equal(row.status, 'closed')
  assert.equal(row.outcome, 'update-request')
  const back = await t.app.db.withForce('essex', (tx) =>
    rows<{ state: string }>(tx, sql`select state from contact_agents where staff_id = ${ana.userId}`),
  )
  assert.equal(back[0]!.state, 'ready')
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where record_id = ${urgent.id} and record_type = 'contact' order by id`,
    ),
  )
  const actions = audited.map((a) => a.action)
  for (const action of [
    'contact.queued',
    'contact.assigned',
    'contact.transferred',
    'contact.ended',
    'contact.closed',
  ])
    assert.ok(actions.includes(action), action)
})

test('time not ready is measured by reason', async () => {
  const queue = t.app.services.contact.queue
  await queue.setState('essex', { state: 'not_ready', reason: 'lunch' }, { ...who(ben), name: 'Ben Handler' })
  clock.advance(30 * 60_000)
  await queue.setState('essex', { state: 'ready' }, { ...who(ben), name: 'Ben Handler' })
  const board = await queue.board('essex', { ...who(ben), name: 'Ben Handler' }, async () => {})
  const lunch = board.notReadyToday.find((n) => n.reason === 'Lunch')
  assert.equal(lunch?.seconds, 30 * 60)
  // The page says so too (a new session: the clock moved on past the first one's idle time).
  const again = await t.signInAs(['contact_handler'], 'essex', 'Lunch Taker')
  await queue.setState(
    'essex',
    { state: 'not_ready', reason: 'lunch' },
    { ...who(again), name: 'Lunch Taker' },
  )
  clock.advance(12 * 60_000)
  const page = await again.get('/console/contact/queue')
  assert.match(page.body, /Not ready today: Lunch 12 min/)
})

test('the queue is refused to roles outside the contact centre and to other forces; a supervisor watches but does not take contacts', async () => {
  const supervisor = await t.signInAs(['contact_supervisor'], 'essex')
  const officer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await officer.get('/console/contact/queue')).statusCode, 403)
  const [item] = await items()
  assert.equal((await officer.get(`/console/contact/queue/contacts/${item!.id}`)).statusCode, 403)
  assert.equal((await supervisor.get(`/console/contact/queue/contacts/${item!.id}`)).statusCode, 200)
  assert.equal((await supervisor.post(`/console/contact/queue/contacts/${item!.id}/claim`)).statusCode, 403)
  assert.equal((await supervisor.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 403)
  const kent = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await kent.get(`/console/contact/queue/contacts/${item!.id}`)).statusCode, 404)
  assert.equal((await kent.post(`/console/contact/queue/contacts/${item!.id}/claim`)).statusCode, 404)
  const stream = await openEventStream(`${appUrl}/push/events?topic=contact-queue`, officer.cookie)
  assert.equal(stream.status, 403)
})
