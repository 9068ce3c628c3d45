// Teams of contact handlers (decision 0047): a supervisor makes teams, names a leader and puts
// handlers in them; the quality report and reviews show the leader's team first, the wallboard
// and the standard reports show one team, and the queue's handlers table names each handler's
// team. Handlers, other forces and other forces' teams are refused.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { SESSION_COOKIE } from '../platform/http/server.ts'
import { rows } from '../platform/db/database.ts'

// A Wednesday: the UK week began on Monday 1 June 2026.
const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let ana: SignedIn
let ben: SignedIn
let sue: SignedIn
let tom: SignedIn
let admin: SignedIn
let kent: SignedIn
let red: string
let blue: string
let kentTeam: string

const audited = (action: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ actorId: string | null; recordId: string; forceId: string }>(
      tx,
      sql`select actor_id as "actorId", record_id as "recordId", force_id as "forceId" from audit_events
          where action = ${action} order by id`,
    ),
  )
const teamId = async (name: string, force = 'essex') => {
  const [row] = await t.app.db.withForce(force, (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_teams where name = ${name}`),
  )
  return row!.id
}

/** A new session for someone already signed in, as at the clock's time now (sessions end after 30 idle minutes). */
async function signInAgain(who: SignedIn, forceId = 'essex'): Promise<SignedIn> {
  const { token, session } = await t.app.services.sessions.start(
    { subjectKind: 'staff', subjectId: who.userId, forceId },
    {},
    { ip: '127.0.0.1' },
  )
  const cookie = `${SESSION_COOKIE}=${t.app.http.signCookie(token)}`
  const csrf = t.app.services.sessions.csrfToken(session.id)
  return {
    userId: who.userId,
    cookie,
    csrf,
    get: (url) => t.app.http.inject({ method: 'GET', url, headers: { cookie } }),
    post: (url, form = {}) =>
      t.app.http.inject({
        method: 'POST',
        url,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ ...(form as Record<string, string>), _csrf: csrf }).toString(),
      }),
  }
}

let texts = 0
/** A person texts; `who` claims the contact, ends it, records its outcome and goes offline. */
async function closedText(who: SignedIn): Promise<string> {
  texts += 1
  const received = await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: `team-${texts}`,
      from: `0770090${String(2000 + texts)}`,
      fromName: null,
      to: null,
      subject: null,
      body: 'Any news on my case?',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from contact_items where conversation_id = ${received.conversationId} and status = 'waiting'`,
    ),
  )
  const base = `/console/contact/queue/contacts/${item!.id}`
  assert.equal((await who.post(`${base}/claim`)).statusCode, 303)
  assert.equal((await who.post(`${base}/end`)).statusCode, 303)
  assert.equal((await who.post(`${base}/outcome`, { outcome: 'information-given' })).statusCode, 303)
  assert.equal((await who.post('/console/contact/queue/state', { state: 'offline' })).statusCode, 303)
  return item!.id
}

before(async () => {
  t = await createTestApp({}, { clock })
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
  sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  tom = await t.signInAs(['contact_supervisor'], 'essex', 'Tom Supervisor')
  admin = await t.signInAs(['force_admin'], 'essex', 'Essex Admin')
  kent = await t.signInAs(['contact_supervisor'], 'kent', 'Kent Supervisor')
  await t.signInAs(['contact_handler'], 'kent', 'Kent Handler')
})
after(() => t.close())

test('a supervisor makes teams with a leader and handlers, with error summaries, limits and an audit; a handler may not', async () => {
  const empty = await sue.get('/console/contact/teams')
  assert.equal(empty.statusCode, 200)
  assert.match(empty.body, /Your force has no teams yet/)
  assert.match(empty.body, /Up to 60 characters/)
  const bad = await sue.post('/console/contact/teams', { name: 'x'.repeat(61), leader: ana.userId })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /govuk-error-summary/)
  assert.match(bad.body, /The team’s name must be 60 characters or fewer/)
  assert.match(bad.body, /Choose one of your force’s contact supervisors, or nobody/)
  const none = await sue.post('/console/contact/teams', { name: '  ' })
  assert.equal(none.statusCode, 400)
  assert.match(none.body, /Enter the team’s name/)

  const made = await sue.post('/console/contact/teams', { name: 'Red team', leader: sue.userId })
  assert.equal(made.statusCode, 303)
  red = await teamId('Red team')
  assert.equal(made.headers.location, `/console/contact/teams/${red}`)
  // A force administrator keeps teams too.
  assert.equal(
    (await admin.post('/console/contact/teams', { name: 'Blue team', leader: tom.userId })).statusCode,
    303,
  )
  blue = await teamId('Blue team')
  const clash = await sue.post('/console/contact/teams', { name: 'red TEAM' })
  assert.equal(clash.statusCode, 400)
  assert.match(clash.body, /Your force already has a team with this name/)

  assert.equal(
    (await sue.post(`/console/contact/teams/${red}/members`, { handler: ana.userId })).statusCode,
    303,
  )
  assert.equal(
    (await sue.post(`/console/contact/teams/${blue}/members`, { handler: ben.userId })).statusCode,
    303,
  )
  // Only the force's handlers: a supervisor is not one.
  const notHandler = await sue.post(`/console/contact/teams/${red}/members`, { handler: tom.userId })
  assert.equal(notHandler.statusCode, 400)
  assert.match(notHandler.body, /Choose one of your force’s contact handlers/)
  const again = await sue.post(`/console/contact/teams/${red}/members`, { handler: ana.userId })
  assert.equal(again.statusCode, 400)
  assert.match(again.body, /Ana Handler is already in this team/)

  const page = await sue.get(`/console/contact/teams/${red}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Team leader: Sue Supervisor/)
  // The button's name starts with its visible text (WCAG 2.5.3, axe's label-content-name-mismatch).
  assert.match(page.body, /aria-label="Take out Ana Handler from the team"/)
  assert.match(page.body, /Ben Handler \(now in Blue team\)/)
  const list = await sue.get('/console/contact/teams')
  assert.match(list.body, /Blue team[\s\S]*Tom Supervisor[\s\S]*Red team[\s\S]*Sue Supervisor/)

  // Renaming, a handler moving team and back, all audited with who did it.
  assert.equal(
    (await sue.post(`/console/contact/teams/${red}`, { name: 'Red watch', leader: sue.userId })).statusCode,
    303,
  )
  assert.equal(
    (await sue.post(`/console/contact/teams/${red}/members`, { handler: ben.userId })).statusCode,
    303,
  )
  assert.equal((await sue.post(`/console/contact/teams/${red}/members/${ben.userId}/remove`)).statusCode, 303)
  assert.equal(
    (await sue.post(`/console/contact/teams/${blue}/members`, { handler: ben.userId })).statusCode,
    303,
  )
  assert.deepEqual(
    (await audited('contact.team-created')).map((e) => e.actorId),
    [sue.userId, admin.userId],
  )
  assert.equal((await audited('contact.team-changed'))[0]!.recordId, red)
  assert.equal((await audited('contact.team-member-added')).length, 4)
  assert.equal((await audited('contact.team-member-removed')).length, 1)

  // Deny by default: a handler neither reads nor changes teams.
  assert.equal((await ana.get('/console/contact/teams')).statusCode, 403)
  assert.equal((await ana.post('/console/contact/teams', { name: 'Mine' })).statusCode, 403)
  assert.equal(
    (await ana.post(`/console/contact/teams/${red}/members`, { handler: ana.userId })).statusCode,
    403,
  )
})

test('CRM-5: another force neither sees, changes nor fills a team, nor puts another force’s handler in its own', async () => {
  assert.equal((await kent.post('/console/contact/teams', { name: 'Kent team' })).statusCode, 303)
  kentTeam = await teamId('Kent team', 'kent')
  assert.doesNotMatch((await kent.get('/console/contact/teams')).body, /Red watch/)
  assert.equal((await kent.get(`/console/contact/teams/${red}`)).statusCode, 404)
  assert.equal((await kent.post(`/console/contact/teams/${red}`, { name: 'Taken' })).statusCode, 404)
  assert.equal((await kent.post(`/console/contact/teams/${red}/remove`)).statusCode, 404)
  assert.equal(
    (await kent.post(`/console/contact/teams/${red}/members`, { handler: ana.userId })).statusCode,
    404,
  )
  assert.equal(
    (await kent.post(`/console/contact/teams/${red}/members/${ana.userId}/remove`)).statusCode,
    404,
  )
  const foreign = await kent.post(`/console/contact/teams/${kentTeam}/members`, { handler: ana.userId })
  assert.equal(foreign.statusCode, 400)
  assert.match(foreign.body, /Choose one of your force’s contact handlers/)
  // An Essex leader is not Kent's to name.
  const leader = await kent.post(`/console/contact/teams/${kentTeam}`, {
    name: 'Kent team',
    leader: sue.userId,
  })
  assert.equal(leader.statusCode, 400)
  // Row-level security: Kent's transaction reads none of Essex's teams or members.
  const seen = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select (select count(*) from contact_teams where force_id = 'essex')::int
            + (select count(*) from contact_team_members where force_id = 'essex')::int as n`,
    ),
  )
  assert.equal(seen[0]!.n, 0)
  assert.equal(
    (await t.app.db.withForce('essex', (tx) => rows(tx, sql`select 1 from contact_teams`))).length,
    2,
  )
})

test('CRM-23: the quality report and the reviews show the leader’s own team first, another team or all on asking; another force’s team is not found', async () => {
  assert.equal(
    (
      await sue.post('/console/contact/qa/scorecard', {
        name: 'Quality',
        samplePercent: '100',
        lowRatingMax: '0',
        complaintLabel: '',
      })
    ).statusCode,
    303,
  )
  await closedText(ana)
  await closedText(ben)
  await closedText(ben)
  assert.equal(await t.app.services.contact.qa.sample('essex'), 3)

  // Sue leads Red watch (Ana): her report and reviews are her team's by default.
  const mine = await sue.get('/console/contact/qa/report')
  assert.equal(mine.statusCode, 200)
  assert.match(mine.body, /Showing the handlers of the team <strong>Red watch<\/strong>/)
  assert.match(mine.body, /Ana Handler/)
  assert.doesNotMatch(mine.body, /Ben Handler/)
  assert.match(mine.body, /All of Red watch<\/th>\s*<td[^>]*>1</)
  const all = await sue.get('/console/contact/qa/report?team=')
  assert.match(all.body, /Ana Handler/)
  assert.match(all.body, /Ben Handler/)
  assert.match(all.body, /All handlers<\/th>\s*<td[^>]*>3</)
  const other = await sue.get(`/console/contact/qa/report?team=${blue}`)
  assert.match(other.body, /Ben Handler<\/th>\s*<td[^>]*>2</)
  assert.doesNotMatch(other.body, /Ana Handler/)

  const reviews = await sue.get('/console/contact/qa/reviews')
  assert.equal(reviews.statusCode, 200)
  assert.match(reviews.body, /To score \(1\)/)
  assert.match(reviews.body, /Ana Handler/)
  assert.doesNotMatch(reviews.body, /Ben Handler/)
  assert.match((await sue.get(`/console/contact/qa/reviews?team=${blue}`)).body, /To score \(2\)/)
  assert.match((await sue.get('/console/contact/qa/reviews?team=')).body, /To score \(3\)/)
  // Tom leads Blue team; an analyst leads none and sees the whole force.
  assert.match((await tom.get('/console/contact/qa/reviews')).body, /To score \(2\)/)
  const analyst = await t.signInAs(['analyst'], 'essex', 'Essex Analyst')
  assert.match((await analyst.get('/console/contact/qa/report')).body, /All handlers<\/th>\s*<td[^>]*>3</)

  // Another force's team, or no team, is "not found"; a handler still may not read the list.
  assert.equal((await sue.get(`/console/contact/qa/report?team=${kentTeam}`)).statusCode, 404)
  assert.equal((await sue.get(`/console/contact/qa/reviews?team=${kentTeam}`)).statusCode, 404)
  assert.equal((await kent.get(`/console/contact/qa/reviews?team=${red}`)).statusCode, 404)
  assert.equal((await ana.get(`/console/contact/qa/reviews?team=${red}`)).statusCode, 403)
})

test('CRM-9: the wallboard and its feed show one team’s handlers and today’s contacts; another force’s team is not found', async () => {
  assert.equal((await ana.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  const whole = await t.app.services.contact.wallboard.snapshot('essex')
  assert.equal(whole.agents.ready, 1)
  assert.equal(whole.agents.offline, 1)
  assert.equal(whole.today.arrived, 3)
  const redBoard = await t.app.services.contact.wallboard.snapshot('essex', red)
  assert.deepEqual([redBoard.agents.ready, redBoard.agents.offline, redBoard.today.arrived], [1, 0, 1])
  const blueBoard = await t.app.services.contact.wallboard.snapshot('essex', blue)
  assert.deepEqual([blueBoard.agents.ready, blueBoard.agents.offline, blueBoard.today.arrived], [0, 1, 2])

  const page = await sue.get(`/console/contact/wallboard?team=${blue}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /today’s contacts of the team <strong>Blue team<\/strong>/)
  assert.match(page.body, /id="wb-arrived"><p[^>]*>Arrived today<\/p><p[^>]*>2</)
  // The whole force by default, even for a leader.
  assert.match(
    (await sue.get('/console/contact/wallboard')).body,
    /id="wb-arrived"><p[^>]*>Arrived today<\/p><p[^>]*>3</,
  )
  assert.equal((await sue.get(`/console/contact/wallboard?team=${kentTeam}`)).statusCode, 404)

  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  const feed = await t.app.http.inject({
    method: 'GET',
    url: `/api/v1/contact/wallboard?team=${red}`,
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(feed.statusCode, 200)
  assert.equal(feed.json().today.arrived, 1)
  const refused = await t.app.http.inject({
    method: 'GET',
    url: `/api/v1/contact/wallboard?team=${kentTeam}`,
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(refused.statusCode, 404)
  assert.match(String(refused.headers['content-type']), /application\/problem\+json/)
})

test('CRM-26: the standard reports and their CSV show one team’s contacts; the queue names each handler’s team', async () => {
  const report = await sue.get(`/console/contact/reports?days=7&team=${blue}`)
  assert.equal(report.statusCode, 200)
  assert.match(report.body, /The contacts the handlers of the team <strong>Blue team<\/strong> took/)
  const csv = (team: string) =>
    sue.get(`/console/contact/reports/standard.csv?days=7&report=outcomes&team=${team}`)
  assert.match((await csv(blue)).body, /Information or advice given,No,2/)
  assert.match((await csv(red)).body, /Information or advice given,No,1/)
  assert.match((await csv('')).body, /Information or advice given,No,3/)
  assert.equal((await csv(kentTeam)).statusCode, 404)
  assert.equal((await ana.get(`/console/contact/reports?team=${red}`)).statusCode, 403)

  const queue = await ana.get('/console/contact/queue')
  assert.equal(queue.statusCode, 200)
  assert.match(queue.body, /Ana Handler<\/td><td class="govuk-table__cell">Red watch</)
  assert.match(queue.body, /Ben Handler<\/td><td class="govuk-table__cell">Blue team</)

  // Removing a team leaves its handlers in none, audited.
  assert.equal((await sue.post(`/console/contact/teams/${blue}/remove`)).statusCode, 303)
  assert.match(
    (await ana.get('/console/contact/queue')).body,
    /Ben Handler<\/td><td class="govuk-table__cell">No team</,
  )
  assert.equal((await audited('contact.team-removed'))[0]!.recordId, blue)
})

test('CRM-23, CRM-26, CRM-9: a handler moved today leaves yesterday’s contacts and time not ready with the old team; today’s go to the new', async () => {
  assert.equal((await ana.post('/console/contact/queue/state', { state: 'offline' })).statusCode, 303)
  for (const name of ['Green team', 'Gold team'])
    assert.equal((await sue.post('/console/contact/teams', { name })).statusCode, 303)
  const green = await teamId('Green team')
  const gold = await teamId('Gold team')
  const calFirst = await t.signInAs(['contact_handler'], 'essex', 'Cal Handler')
  assert.equal(
    (await sue.post(`/console/contact/teams/${green}/members`, { handler: calFirst.userId })).statusCode,
    303,
  )

  // Tuesday, in Green team: one contact, and ten minutes' training. (Each day, new sessions.)
  clock.set('2026-06-09T09:00:00Z')
  let cal = await signInAgain(calFirst)
  const state = async (body: Record<string, string>) =>
    assert.equal((await cal.post('/console/contact/queue/state', body)).statusCode, 303)
  await closedText(cal)
  await state({ state: 'not_ready', reason: 'training' })
  clock.advance(10 * 60_000)
  await state({ state: 'offline' })
  // Wednesday: in a meeting from 09:50 to 10:10 (London), moved to Gold team at 10:00; then two contacts.
  clock.set('2026-06-10T08:50:00Z')
  cal = await signInAgain(cal)
  const sueToday = await signInAgain(sue)
  await state({ state: 'not_ready', reason: 'meeting' })
  clock.advance(10 * 60_000)
  assert.equal(
    (await sueToday.post(`/console/contact/teams/${gold}/members`, { handler: cal.userId })).statusCode,
    303,
  )
  clock.advance(10 * 60_000)
  await state({ state: 'offline' })
  await closedText(cal)
  await closedText(cal)

  const mi = (team?: string) => t.app.services.contact.mi.standard('essex', 7, team)
  const given = (report: Awaited<ReturnType<typeof mi>>) =>
    report.outcomes.find((o) => o.code === 'information-given')!.count
  const notReady = (report: Awaited<ReturnType<typeof mi>>) =>
    Object.fromEntries(report.notReady.map((r) => [r.reason, r.seconds]))
  const [greenMi, goldMi, allMi] = [await mi(green), await mi(gold), await mi()]
  assert.deepEqual([given(greenMi), given(goldMi), given(allMi)], [1, 2, 3])
  assert.equal(greenMi.channels.find((c) => c.channel === 'sms')!.arrived, 1)
  assert.equal(goldMi.channels.find((c) => c.channel === 'sms')!.arrived, 2)
  // The meeting is split at the move: ten minutes in each team.
  assert.deepEqual(notReady(greenMi), { training: 600, meeting: 600 })
  assert.deepEqual(notReady(goldMi), { meeting: 600 })
  assert.deepEqual(notReady(allMi), { training: 600, meeting: 1200 })
  const csv = (team: string, report: string) =>
    sueToday.get(`/console/contact/reports/standard.csv?days=7&report=${report}&team=${team}`)
  assert.match((await csv(green, 'outcomes')).body, /Information or advice given,No,1/)
  assert.match((await csv(gold, 'outcomes')).body, /Information or advice given,No,2/)
  assert.match((await csv(green, 'not-ready')).body, /Meeting,10/)

  // Today's wallboard: both of today's contacts are Gold team's.
  const board = (team: string) => t.app.services.contact.wallboard.snapshot('essex', team)
  assert.equal((await board(gold)).today.arrived, 2)
  assert.equal((await board(green)).today.arrived, 0)

  // Quality: the week's three contacts are chosen; each team's report and reviews show Cal's own.
  assert.equal(await t.app.services.contact.qa.sample('essex'), 3)
  assert.match(
    (await sueToday.get(`/console/contact/qa/report?team=${green}`)).body,
    /Cal Handler<\/th>\s*<td[^>]*>1</,
  )
  assert.match(
    (await sueToday.get(`/console/contact/qa/report?team=${gold}`)).body,
    /Cal Handler<\/th>\s*<td[^>]*>2</,
  )
  assert.match((await sueToday.get(`/console/contact/qa/reviews?team=${green}`)).body, /To score \(1\)/)
  assert.match((await sueToday.get(`/console/contact/qa/reviews?team=${gold}`)).body, /To score \(2\)/)
})

test('migration 1421 puts contacts handled before teams had a history in their handler’s team now, and changes nothing run again', async () => {
  const backfill = readFileSync(
    new URL('./migrations/1421_contact_team_at_the_time_backfill.sql', import.meta.url),
    'utf8',
  )
  const byTeam = () =>
    t.app.db.withForce('essex', (tx) =>
      rows<{ name: string | null; n: number }>(
        tx,
        sql`select t.name, count(*)::int as n from contact_items i left join contact_teams t on t.id = i.team_id
            where i.assigned_to is not null group by t.name order by t.name nulls last`,
      ),
    )
  const spells = () =>
    t.app.db.withForce('essex', (tx) =>
      rows<{ name: string; open: number }>(
        tx,
        sql`select t.name, count(*) filter (where s.left_at is null)::int as open from contact_team_spells s
            join contact_teams t on t.id = s.team_id group by t.name order by t.name`,
      ),
    )
  // As before migration 1420: no contact has a team, and no handler a spell in one.
  await t.app.db.execAsOwner(
    `begin; update contact_items set team_id = null where force_id = 'essex';
     delete from contact_team_spells where force_id = 'essex'; commit;`,
  )
  assert.deepEqual(await byTeam(), [{ name: null, n: 6 }])
  await t.app.db.execAsOwner(`begin;\n${backfill}\n;commit;`)
  // Cal is in Gold team now and takes all three; Ana is in Red watch; Ben is in no team.
  const filled = await byTeam()
  assert.deepEqual(filled, [
    { name: 'Gold team', n: 3 },
    { name: 'Red watch', n: 1 },
    { name: null, n: 2 },
  ])
  assert.deepEqual(await spells(), [
    { name: 'Gold team', open: 1 },
    { name: 'Red watch', open: 1 },
  ])
  await t.app.db.execAsOwner(`begin;\n${backfill}\n;commit;`)
  assert.deepEqual(await byTeam(), filled)
  assert.equal((await spells()).length, 2)
  // The reports follow: Gold team now has all three of Cal's contacts.
  const gold = await teamId('Gold team')
  assert.deepEqual(
    (await t.app.services.contact.mi.standard('essex', 7, gold)).outcomes.find(
      (o) => o.code === 'information-given',
    )!.count,
    3,
  )
})
