// The wallboard (CRM-9) end to end: texts and an email people send become contacts; the page and
// the external feeds (JSON and server-sent events, with a bearer token) show what waits on each
// channel, the longest wait, handlers by state and today's service level, and follow the queue
// live. Each is refused to the wrong role, the wrong kind of client and a force without Contact,
// and shows only the viewer's own force; with `?team=`, only one of the force's teams.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import type { InboundMessage } from '../messaging/channels.ts'
import { FixedClock } from '../platform/clock.ts'
import { aStormEvent } from '../sources/test-support/events.ts'
import type { Wallboard } from './wallboard.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let appUrl: string
let ana: SignedIn
let ben: SignedIn
let token: string

const inbound = (channel: 'sms' | 'email', from: string, ref: string): InboundMessage => ({
  channel,
  provider: channel === 'sms' ? 'notify' : 'smtp',
  providerRef: ref,
  from,
  fromName: null,
  to: null,
  subject: channel === 'email' ? 'My case' : null,
  body: 'Any news on my case?',
  receivedAt: null,
  attachments: [],
})
const text = (from: string, ref: string) =>
  t.app.services.conversations.receiveText('essex', inbound('sms', from, ref), { system: 'test' })
const email = (from: string, ref: string) =>
  t.app.db.withForce('essex', (tx) =>
    t.app.services.conversations.receive(tx, 'essex', inbound('email', from, ref)),
  )

const board = async (bearer = token) => {
  const response = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/contact/wallboard',
    headers: { authorization: `Bearer ${bearer}` },
  })
  return response
}

/** Reads `wallboard` events from the external stream as a wallboard would. */
async function follow(bearer: string, query = '') {
  const controller = new AbortController()
  const response = await fetch(`${appUrl}/api/v1/contact/wallboard/events${query}`, {
    headers: { authorization: `Bearer ${bearer}` },
    signal: controller.signal,
  })
  const boards: Wallboard[] = []
  if (response.status === 200)
    void (async () => {
      let buffer = ''
      try {
        for await (const chunk of response.body!) {
          buffer += Buffer.from(chunk as Uint8Array).toString('utf8')
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const data = /^event: wallboard\ndata: (.*)$/m.exec(block)?.[1]
            if (data) boards.push(JSON.parse(data) as Wallboard)
            end = buffer.indexOf('\n\n')
          }
        }
      } catch {
        // Expected: the test closed the stream.
      }
    })()
  else await response.body?.cancel()
  const next = async (count: number, ms = 10_000) => {
    const deadline = Date.now() + ms
    while (boards.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.ok(boards.length >= count, `expected ${count} wallboard events, heard ${boards.length}`)
    return boards[count - 1]!
  }
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    problem: response.status === 200 ? undefined : response.headers.get('content-type'),
    next,
    close: () => controller.abort(),
  }
}

before(async () => {
  t = await createTestApp({}, { clock })
  appUrl = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  await t.app.services.forces.setProducts('norfolk', ['journeys'])
  for (const [id, name, phone, mail, markers] of [
    ['W-1', 'Dee Ross', '07700 900301', 'dee@example.org'],
    ['W-2', 'Kit Lane', '07700 900302', 'kit@example.org', ['VUL']],
    ['W-3', 'Ray Moss', '07700 900303', 'ray@example.org'],
  ] as [string, string, string, string, string[]?][]) {
    const result = await t.app.services.sources.receive(
      'essex',
      'storm',
      aStormEvent({
        id,
        at: '2026-06-01T10:00:00Z',
        ref: `ESX-20260601-${id}`,
        persons: [{ nominalId: `N-${id}`, name, role: 'VIC', phone, email: mail, markers: markers ?? [] }],
      }),
      'application/json',
    )
    assert.equal(result.status, 'applied', result.reason ?? '')
  }
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
  token = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
})

after(() => t.close())

test('CRM-9: the wallboard shows what waits on each channel, the longest wait, handlers by state and today’s service level', async () => {
  const empty = (await board()).json() as Wallboard
  assert.equal(empty.waiting.total, 0)
  assert.equal(empty.waiting.longestWaitSeconds, null)
  assert.equal(empty.today.serviceLevelPercent, null)

  await text('07700900301', 'w-1')
  await email('sam@example.net', 'w-2')
  // Ben is in; Ana is on a break.
  assert.equal((await ben.get('/console/contact/queue')).statusCode, 200)
  assert.equal(
    (await ana.post('/console/contact/queue/state', { state: 'not_ready', reason: 'break' })).statusCode,
    303,
  )
  clock.advance(2 * 60_000)
  // Ben becomes ready at 09:02 and is given both: within the hour's target of a normal contact.
  assert.equal((await ben.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  await t.app.services.contact.queue.setSkills(
    'essex',
    ben.userId,
    { skills: ['email'], capacity: '3' },
    { actor: { kind: 'staff', id: ana.userId }, staffId: ana.userId, name: 'Ana' },
  )
  // Kit, who is vulnerable, is urgent (a five-minute target) and waits for a handler with the
  // vulnerability skill: eight minutes, past the target. Ray's text waits two, within its hour.
  await text('07700900302', 'w-3')
  clock.advance(6 * 60_000)
  await text('07700900303', 'w-4')
  clock.advance(2 * 60_000)

  const response = await board()
  assert.equal(response.statusCode, 200)
  assert.match(response.headers['content-type'] as string, /^application\/json/)
  const now = response.json() as Wallboard
  assert.equal(now.waiting.total, 2)
  assert.equal(now.waiting.longestWaitSeconds, 8 * 60)
  const sms = now.channels.find((c) => c.channel === 'sms')!
  assert.deepEqual(sms, { channel: 'sms', waiting: 2, longestWaitSeconds: 8 * 60 })
  assert.deepEqual(
    now.channels.find((c) => c.channel === 'email'),
    {
      channel: 'email',
      waiting: 0,
      longestWaitSeconds: null,
    },
  )
  assert.equal(now.agents.ready, 1)
  assert.equal(now.agents.not_ready, 1)
  // Two answered in target; Kit's waited past it; Ray's, two minutes in, is not yet decided.
  assert.equal(now.today.arrived, 4)
  assert.equal(now.today.answeredInTarget, 2)
  assert.equal(now.today.outsideTarget, 1)
  assert.equal(now.today.serviceLevelPercent, 67)

  const page = await ana.get('/console/contact/wallboard')
  assert.equal(page.statusCode, 200)
  assert.equal(page.headers.refresh, undefined)
  assert.match(page.body, /data-push-topic="contact-queue"/)
  assert.match(page.body, /id="wb-waiting">[\s\S]*?>2</)
  assert.match(page.body, /id="wb-longest">[\s\S]*?8 min/)
  assert.match(page.body, /id="wb-sla">[\s\S]*?67%/)
  assert.match(page.body, /Text message<\/th><td[^>]*>2<\/td><td[^>]*>8 min/)
  assert.match(page.body, /Not ready<\/th><td[^>]*>1</)
  // The page names no caller.
  assert.doesNotMatch(page.body, /Ray Moss|Kit Lane|Dee Ross/)
})

test('CRM-9: without JavaScript the wallboard reloads itself only at an interval the viewer chose', async () => {
  const chosen = await ana.get('/console/contact/wallboard?refresh=60')
  assert.equal(chosen.headers.refresh, '60')
  assert.match(chosen.body, /reloads every 60 seconds/)
  const odd = await ana.get('/console/contact/wallboard?refresh=1')
  assert.equal(odd.headers.refresh, undefined)
})

test('CRM-9: an external wallboard follows the queue as server-sent events, a new reading after each change', async () => {
  const stream = await follow(token)
  assert.equal(stream.status, 200)
  assert.match(stream.type ?? '', /^text\/event-stream/)
  const first = await stream.next(1)
  // An email from someone new is a new contact, given at once to Ben (ready, with the email skill).
  await email('lee@example.net', 'w-6')
  const after = await stream.next(2)
  assert.equal(after.today.arrived, first.today.arrived + 1)
  assert.equal(after.waiting.total, first.waiting.total)
  assert.deepEqual(after, (await board()).json())
  stream.close()
})

test('CRM-9: the wallboard is refused to the wrong role, the wrong scope and a force without Contact, and shows only the own force', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'essex', 'Ivy Officer')
  assert.equal((await officer.get('/console/contact/wallboard')).statusCode, 403)
  const norfolkHandler = await t.signInAs(['contact_handler'], 'norfolk', 'Nia Handler')
  assert.equal((await norfolkHandler.get('/console/contact/wallboard')).statusCode, 403)

  const writer = await issueClientToken(t, { forceId: 'essex', scopes: ['sources:write'] })
  const wrongScope = await board(writer)
  assert.equal(wrongScope.statusCode, 403)
  assert.match(wrongScope.headers['content-type'] as string, /^application\/problem\+json/)
  assert.equal((await follow(writer)).status, 403)
  const noToken = await t.app.http.inject({ method: 'GET', url: '/api/v1/contact/wallboard' })
  assert.equal(noToken.statusCode, 401)
  assert.equal((await follow('not-a-token')).status, 401)

  const norfolk = await issueClientToken(t, { forceId: 'norfolk', scopes: ['reporting:read'] })
  assert.equal((await board(norfolk)).statusCode, 403)
  assert.equal((await follow(norfolk)).status, 403)

  // Suffolk uses Contact: its wallboard counts only its own queue, whatever waits in Essex.
  await t.app.services.forces.setProducts('suffolk', ['journeys', 'contact'])
  const suffolk = (
    await board(await issueClientToken(t, { forceId: 'suffolk', scopes: ['reporting:read'] }))
  ).json()
  assert.equal((suffolk as Wallboard).waiting.total, 0)
  assert.equal((suffolk as Wallboard).today.arrived, 0)
  assert.ok(((await board()).json() as Wallboard).waiting.total > 0)
  const suffolkHandler = await t.signInAs(['contact_supervisor'], 'suffolk', 'Sol Supervisor')
  const page = await suffolkHandler.get('/console/contact/wallboard')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /id="wb-waiting">[\s\S]*?>0</)
})

test('CRM-9: the feeds and the page show one team’s figures with ?team=; another force’s team is not found', async () => {
  // Ben (ready, email only) is put in Day team and may take two more; Ana, not ready, is in Late team.
  const sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  const made = async (who: SignedIn, name: string) => {
    const response = await who.post('/console/contact/teams', { name })
    assert.equal(response.statusCode, 303)
    return (response.headers.location as string).split('/').pop()!
  }
  const day = await made(sue, 'Day team')
  const late = await made(sue, 'Late team')
  for (const [team, who] of [
    [day, ben],
    [late, ana],
  ] as const)
    assert.equal(
      (await sue.post(`/console/contact/teams/${team}/members`, { handler: who.userId })).statusCode,
      303,
    )
  await t.app.services.contact.queue.setSkills(
    'essex',
    ben.userId,
    { skills: ['email'], capacity: '5' },
    { actor: { kind: 'staff', id: sue.userId }, staffId: sue.userId, name: 'Sue' },
  )
  await t.app.services.forces.setProducts('suffolk', ['journeys', 'contact'])
  const suffolkTeam = await made(
    await t.signInAs(['contact_supervisor'], 'suffolk', 'Sol Supervisor'),
    'Suffolk team',
  )

  const whole = (await board()).json() as Wallboard
  const stream = await follow(token, `?team=${day}`)
  assert.equal(stream.status, 200)
  const first = await stream.next(1)
  // Day team's handlers are Ben alone; none of today's contacts was handled in it yet; what waits is the force's.
  assert.deepEqual(first.agents, { ready: 1, not_ready: 0, wrap_up: 0, offline: 0 })
  assert.equal(first.today.arrived, 0)
  assert.equal(first.waiting.total, whole.waiting.total)
  // An email from someone new goes to Ben: Day team's first contact today, and the force's next.
  await email('max@example.net', 'w-7')
  const after = await stream.next(2)
  stream.close()
  assert.equal(after.today.arrived, 1)
  assert.equal(((await board()).json() as Wallboard).today.arrived, whole.today.arrived + 1)
  const json = await t.app.http.inject({
    method: 'GET',
    url: `/api/v1/contact/wallboard?team=${day}`,
    headers: { authorization: `Bearer ${token}` },
  })
  assert.deepEqual(json.json(), after)
  const lateBoard = await t.app.http.inject({
    method: 'GET',
    url: `/api/v1/contact/wallboard?team=${late}`,
    headers: { authorization: `Bearer ${token}` },
  })
  assert.deepEqual((lateBoard.json() as Wallboard).agents, { ready: 0, not_ready: 1, wrap_up: 0, offline: 0 })
  assert.equal((lateBoard.json() as Wallboard).today.arrived, 0)
  const page = await ana.get(`/console/contact/wallboard?team=${day}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /id="wb-arrived"><p[^>]*>Arrived today<\/p><p[^>]*>1</)

  // Suffolk's team is not Essex's to read, on the feeds or the page; nor is a team that is no id.
  const foreign = await follow(token, `?team=${suffolkTeam}`)
  assert.equal(foreign.status, 404)
  assert.match(foreign.problem ?? '', /^application\/problem\+json/)
  const foreignJson = await t.app.http.inject({
    method: 'GET',
    url: `/api/v1/contact/wallboard?team=${suffolkTeam}`,
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(foreignJson.statusCode, 404)
  assert.equal((await ana.get(`/console/contact/wallboard?team=${suffolkTeam}`)).statusCode, 404)
  assert.equal((await follow(token, '?team=not-a-team')).status, 400)
  // Suffolk's own client reads its team, and none of Essex's contacts.
  const suffolkToken = await issueClientToken(t, { forceId: 'suffolk', scopes: ['reporting:read'] })
  const own = await follow(suffolkToken, `?team=${suffolkTeam}`)
  assert.equal(own.status, 200)
  assert.equal((await own.next(1)).today.arrived, 0)
  own.close()
  assert.equal((await follow(suffolkToken, `?team=${day}`)).status, 404)
})
