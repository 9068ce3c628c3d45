// Duty rosters end to end (CRM-35): the duty system puts rosters through the API (JSON and CSV),
// taken once by roster id and whole or not at all; a force administrator uploads a CSV export;
// routing prefers rostered handlers, supervisors are told who is ready off the roster, the
// wallboard counts rostered against signed in and ready, and rostered and ready hours are given
// per day. Wrong clients, other forces and the wrong users are refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let token: string
let ana: SignedIn
let ben: SignedIn
let cat: SignedIn
let aaron: SignedIn
let supervisor: SignedIn
let admin: SignedIn
let kentAdmin: SignedIn
const email: Record<string, string> = {}

const put = (
  rosterId: string,
  body: object | string,
  options: { bearer?: string; force?: string; type?: string; query?: string } = {},
) =>
  t.app.http.inject({
    method: 'PUT',
    url: `/api/v1/contact/${options.force ?? 'essex'}/duties/${rosterId}${options.query ?? ''}`,
    headers: {
      ...(options.bearer === '' ? {} : { authorization: `Bearer ${options.bearer ?? token}` }),
      'content-type': options.type ?? 'application/json',
    },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  })

const upload = (who: SignedIn, csv: string, filename = 'roster.csv') => {
  const boundary = '----waypoint-test-boundary'
  const part = (headers: string, value: string) => `--${boundary}\r\n${headers}\r\n\r\n${value}\r\n`
  const payload =
    part('Content-Disposition: form-data; name="_csrf"', who.csrf) +
    part('Content-Disposition: form-data; name="system"', 'GRS') +
    part(
      `Content-Disposition: form-data; name="roster"; filename="${filename}"\r\nContent-Type: text/csv`,
      csv,
    ) +
    `--${boundary}--\r\n`
  return t.app.http.inject({
    method: 'POST',
    url: '/console/contact/duties/upload',
    headers: { cookie: who.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  })
}

const count = async (table: 'contact_rosters' | 'contact_roster_shifts', force = 'essex') => {
  const [row] = await t.app.db.withForce(force, (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from ${sql.identifier(table)}`),
  )
  return row!.n
}

before(async () => {
  t = await createTestApp({}, { clock })
  token = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:duties'] })
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
  cat = await t.signInAs(['contact_handler'], 'essex', 'Cat Handler')
  aaron = await t.signInAs(['contact_handler'], 'essex', 'Aaron Offroster')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  admin = await t.signInAs(['force_admin'], 'essex', 'Fay Admin')
  kentAdmin = await t.signInAs(['force_admin'], 'kent', 'Kit Admin')
  await t.app.db.asSystem(async (tx) => {
    for (const [name, who] of Object.entries({ ana, ben, cat, supervisor })) {
      const [row] = await rows<{ email: string }>(
        tx,
        sql`select email from staff_users where id = ${who.userId}`,
      )
      email[name] = row!.email
    }
    await tx.execute(sql`update staff_users set hr_employee_id = 'P-1002' where id = ${ben.userId}`)
    await tx.execute(
      sql`insert into officer_profiles (force_id, staff_id, collar, updated_at)
          values ('essex', ${cat.userId}, '4471', ${clock.now()})`,
    )
  })
})
after(() => t.close())

test('CRM-35: the duty system puts a roster as JSON, naming handlers by email or payroll number; the same roster id again changes nothing; a later roster replaces the shifts that start in its period; each import is audited', async () => {
  const first = await put('grs-2026-06-03', {
    system: 'GRS',
    shifts: [
      {
        email: email.ana!.toUpperCase(),
        start: '2026-06-03T08:00:00Z',
        end: '2026-06-03T16:00:00Z',
        team: 'Team A',
      },
      {
        payrollNumber: 'P-1002',
        start: '2026-06-03T06:00:00Z',
        end: '2026-06-03T14:00:00Z',
        skills: ['phone'],
      },
    ],
  })
  assert.equal(first.statusCode, 201, first.body)
  const receipt = first.json() as { status: string; shifts: number; replaced: number; rosterId: string }
  assert.deepEqual(
    [receipt.status, receipt.shifts, receipt.replaced, receipt.rosterId],
    ['imported', 2, 0, 'grs-2026-06-03'],
  )
  const again = await put('grs-2026-06-03', {
    shifts: [{ email: email.ana, start: '2026-06-03T00:00:00Z', end: '2026-06-03T23:00:00Z' }],
  })
  assert.equal(again.statusCode, 200)
  assert.equal((again.json() as { status: string }).status, 'duplicate')
  assert.equal(await count('contact_roster_shifts'), 2)
  // A revised roster for the morning: Ana's shift now ends at noon; Ben's started before it.
  const revised = await put('grs-2026-06-03-rev1', {
    shifts: [{ email: email.ana, start: '2026-06-03T08:00:00Z', end: '2026-06-03T12:00:00Z' }],
  })
  assert.equal(revised.statusCode, 201, revised.body)
  assert.equal((revised.json() as { replaced: number }).replaced, 1)
  const shifts = await t.app.db.withForce('essex', (tx) =>
    rows<{ staffId: string; endsAt: Date }>(
      tx,
      sql`select staff_id as "staffId", ends_at as "endsAt" from contact_roster_shifts order by starts_at`,
    ),
  )
  assert.deepEqual(
    shifts.map((s) => [s.staffId, new Date(s.endsAt).toISOString()]),
    [
      [ben.userId, '2026-06-03T14:00:00.000Z'],
      [ana.userId, '2026-06-03T12:00:00.000Z'],
    ],
  )
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ actorKind: string; shifts: string }>(
      tx,
      sql`select actor_kind as "actorKind", detail->>'shifts' as shifts from audit_events
          where action = 'contact.roster-imported' and force_id = 'essex' order by id`,
    ),
  )
  assert.deepEqual(audited, [
    { actorKind: 'client', shifts: '2' },
    { actorKind: 'client', shifts: '1' },
  ])
})

test('CRM-35: a roster with a wrong shift is refused whole, the problem naming each; CSV is taken too; the wrong scope, another force and no token are refused', async () => {
  const before = await count('contact_roster_shifts')
  const bad = await put('grs-bad', {
    shifts: [
      { email: 'nobody@example.org', start: '2026-06-04T08:00:00Z', end: '2026-06-04T16:00:00Z' },
      { email: email.ana, start: '2026-06-04T16:00:00Z', end: '2026-06-04T08:00:00Z' },
      { email: email.ana, start: '2026-06-05T08:00:00Z', end: '2026-06-05T16:00:00Z' },
      { collarNumber: '4471', start: '2026-06-05T08:00:00Z', end: '2026-06-06T16:00:00Z' },
    ],
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.headers['content-type'] as string, /application\/problem\+json/)
  const problem = bad.json() as { errors: { field: string; message: string }[] }
  assert.deepEqual(
    problem.errors.map((e) => e.field),
    ['shifts[0]', 'shifts[1]', 'shifts[3]'],
  )
  assert.match(problem.errors[0]!.message, /Shift 1: no member of the force’s staff has that email/)
  assert.match(problem.errors[1]!.message, /Shift 2: the end must be after the start/)
  assert.match(problem.errors[2]!.message, /Shift 4: a shift may be at most 24 hours/)
  assert.equal(await count('contact_roster_shifts'), before, 'nothing saved')
  // A supervisor is not a contact handler: a roster may not name them.
  const notHandler = await put('grs-sup', {
    shifts: [{ email: email.supervisor, start: '2026-06-04T08:00:00Z', end: '2026-06-04T09:00:00Z' }],
  })
  assert.equal(notHandler.statusCode, 400)
  assert.match(notHandler.body, /Shift 1: they are not a contact handler/)
  // CSV, with the duty system's name in the query.
  const csv = await put(
    'grs-csv-1',
    'payroll_number,start,end,skills\r\nP-1002,2026-06-05 07:00,2026-06-05 15:00,phone;sms\r\n',
    { type: 'text/csv', query: '?system=GRS' },
  )
  assert.equal(csv.statusCode, 201, csv.body)
  const [stored] = await t.app.db.withForce('essex', (tx) =>
    rows<{ startsAt: Date; skills: string[] }>(
      tx,
      sql`select s.starts_at as "startsAt", s.skills from contact_roster_shifts s
          join contact_rosters r on r.id = s.roster_id where r.roster_ref = 'grs-csv-1'`,
    ),
  )
  assert.equal(new Date(stored!.startsAt).toISOString(), '2026-06-05T06:00:00.000Z', 'UK time (BST)')
  assert.deepEqual(stored!.skills, ['phone', 'sms'])
  // Refusals: a client without the scope, another force's roster, no token.
  const telephony = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
  const roster = {
    shifts: [{ email: email.ana, start: '2026-06-06T08:00:00Z', end: '2026-06-06T16:00:00Z' }],
  }
  assert.equal((await put('grs-x', roster, { bearer: telephony })).statusCode, 403)
  const other = await put('grs-x', roster, { force: 'kent' })
  assert.equal(other.statusCode, 403)
  assert.match(other.headers['content-type'] as string, /application\/problem\+json/)
  assert.equal((await put('grs-x', roster, { bearer: '' })).statusCode, 401)
  const form = await put('grs-form', 'shifts=1', { type: 'application/x-www-form-urlencoded' })
  assert.equal(form.statusCode, 415)
  assert.match(form.headers['content-type'] as string, /application\/problem\+json/)
  assert.equal(await count('contact_rosters', 'kent'), 0)
})

test('CRM-35: routing gives contacts to a ready rostered handler before one off the roster; supervisors are told who is ready off it; the wallboard counts rostered against signed in and ready', async () => {
  // Aaron is first by name and as ready as Ana, so without the roster he would be given the first.
  assert.equal((await aaron.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  assert.equal((await ana.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  for (const n of [1, 2])
    await t.app.services.conversations.receiveText(
      'essex',
      {
        channel: 'sms',
        provider: 'notify',
        providerRef: `duties-${n}`,
        from: `0770090060${n}`,
        fromName: null,
        to: null,
        subject: null,
        body: 'Any news on my case?',
        receivedAt: null,
        attachments: [],
      },
      { system: 'test' },
    )
  const given = await t.app.db.withForce('essex', (tx) =>
    rows<{ assignedTo: string }>(
      tx,
      sql`select assigned_to as "assignedTo" from contact_items order by enqueued_at, id`,
    ),
  )
  assert.deepEqual(
    given.map((g) => g.assignedTo),
    [ana.userId, ana.userId],
  )
  const queue = await supervisor.get('/console/contact/queue')
  assert.equal(queue.statusCode, 200)
  assert.match(queue.body, /Ready but not on the duty roster now: Aaron Offroster\./)
  assert.match(queue.body, /Ana Handler[\s\S]*?On shift until/)
  const page = await supervisor.get('/console/contact/duties')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Ready but not on the duty roster now: Aaron Offroster/)
  assert.doesNotMatch(page.body, /Upload a roster/, 'only a force administrator uploads')
  const reader = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  const board = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/contact/wallboard',
    headers: { authorization: `Bearer ${reader}` },
  })
  assert.equal(board.statusCode, 200, board.body)
  assert.deepEqual((board.json() as { roster: unknown }).roster, {
    covered: true,
    rostered: 2,
    signedIn: 1,
    ready: 1,
    readyOffRoster: 1,
  })
  const wall = await ana.get('/console/contact/wallboard')
  assert.match(
    wall.body,
    /Ready but not rostered<\/th><td class="govuk-table__cell govuk-table__cell--numeric">1</,
  )
})

test('CRM-35: a force administrator uploads a CSV export; a wrong row refuses the file with an error summary naming each wrong row and nothing saved; handlers and supervisors may not upload; another force sees none of it', async () => {
  const header = 'Email,Payroll Number,Collar Number,Start,End,Skills,Team\r\n'
  const before = await count('contact_roster_shifts')
  const wrong = await upload(
    admin,
    `${header}${email.ana},,,2026-06-03 19:00,2026-06-04 03:00,,Nights\r\n,,9999,2026-06-03 19:00,2026-06-04 03:00,,\r\n${email.ben},,,tonight,later,,\r\n`,
  )
  assert.equal(wrong.statusCode, 400)
  assert.match(wrong.body, /govuk-error-summary/)
  assert.match(wrong.body, /Row 3: no member of the force’s staff has that collar number/)
  assert.match(wrong.body, /Row 4: enter the start and end as a date and time/)
  assert.match(wrong.body, /2 problems with the file: see the list above/)
  assert.equal(await count('contact_roster_shifts'), before, 'nothing saved')
  const good = `${header},,4471,2026-06-03 18:00,2026-06-04 02:00,phone,Lates\r\n`
  assert.equal((await upload(ana, good)).statusCode, 403, 'a handler may not upload')
  assert.equal((await upload(supervisor, good)).statusCode, 403, 'a supervisor may not upload')
  assert.equal((await ana.get('/console/contact/duties')).statusCode, 403, 'a handler does not see rosters')
  const saved = await upload(admin, good)
  assert.equal(saved.statusCode, 303, saved.body)
  const page = await admin.get(saved.headers.location as string)
  assert.match(page.body, /The roster is imported: 1 shifts/)
  assert.match(page.body, /GRS, by Fay Admin/)
  const again = await upload(admin, good)
  assert.equal(again.statusCode, 303)
  assert.match((await admin.get(again.headers.location as string)).body, /This file was imported before/)
  const [audited] = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'contact.roster-imported'
          and actor_id = ${admin.userId} and detail->>'source' = 'upload'`,
    ),
  )
  assert.equal(audited!.n, 1)
  const kent = await kentAdmin.get('/console/contact/duties')
  assert.equal(kent.statusCode, 200)
  assert.match(kent.body, /No roster has been imported yet/)
  assert.doesNotMatch(kent.body, /Fay Admin/)
  assert.equal(await count('contact_roster_shifts', 'kent'), 0)
})

test('CRM-35: Contact’s rosters page gives rostered and ready hours per day', async () => {
  // An hour on: Ana and Aaron have been ready for it.
  clock.advance(3_600_000)
  const reader = await t.signInAs(['contact_supervisor'], 'essex', 'Sam Supervisor')
  const page = await reader.get('/console/contact/duties')
  // Today (UK): Ana 08:00–12:00 and Ben 06:00–14:00 UTC, Cat 18:00 to midnight UK time.
  assert.match(
    page.body,
    /2026-06-03<\/th><td class="govuk-table__cell govuk-table__cell--numeric">18<\/td><td class="govuk-table__cell govuk-table__cell--numeric">2<\/td><td class="govuk-table__cell govuk-table__cell--numeric">11%<\/td>/,
  )
  // Contact's reports give the same for the period chosen, on the page and as CSV.
  const reports = await reader.get('/console/contact/reports?days=28')
  assert.equal(reports.statusCode, 200)
  assert.match(
    reports.body,
    /Rostered and ready hours[\s\S]*2026-06-03<\/th><td class="govuk-table__cell govuk-table__cell--numeric">18</,
  )
  const csv = await reader.get('/console/contact/reports/standard.csv?days=28&report=roster')
  assert.equal(csv.statusCode, 200)
  const lines = csv.body.trim().split(/\r?\n/)
  assert.equal(lines.length, 29)
  assert.equal(lines.at(-1), '2026-06-03,18,2,11')
  assert.equal(lines.at(-2), '2026-06-02,0,0,')
  const handler = await t.signInAs(['contact_handler'], 'essex')
  assert.equal(
    (await handler.get('/console/contact/reports')).statusCode,
    403,
    'a handler does not read reports',
  )
})
