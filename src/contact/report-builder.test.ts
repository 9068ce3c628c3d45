// Contact's report builder (CRM-30, CRM-26; decision 0054) on a whole Waypoint: seeded contacts,
// calls, THRIVE assessments and time not ready give reports whose figures equal direct counts of
// the same rows; the preview pages, the CSV holds the figures, anything not on the lists is
// refused with an error summary; saved reports are the force's own, audited, and a scheduled one
// reaches a real SMTP server once per slot, attached (or, naming handlers, as a link), catching up
// after downtime once; a refused address or an interrupted send is retried for that person alone,
// with the same Message-ID (decision 0065). Refused to the wrong roles and to other forces.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { DateTime } from 'luxon'
import { SMTPServer } from 'smtp-server'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { parseEmail } from '../messaging/email-parser.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { outcomes } from './queue.ts'
import {
  checkDefinition,
  csvText,
  latestSlot,
  periodOf,
  type ReportDefinition,
  reportQuery,
} from './report-builder.ts'
import { answerTargets } from './wallboard.ts'

// Wednesday 3 June 2026, 09:00 in London.
const clock = new FixedClock('2026-06-03T08:00:00Z')
let t: TestApp
let smtp: SMTPServer
const mail: { to: string[]; raw: Buffer }[] = []
/** Addresses the SMTP server refuses at RCPT TO (550). */
const refused = new Set<string>()
/** Addresses whose message the server takes in whole but then answers with an error, as a reply lost. */
const replyLost = new Set<string>()
let sue: SignedIn
let ana: SignedIn
let bob: SignedIn
let analyst: SignedIn
let fay: SignedIn
let teamId: string

const builder = () => t.app.services.contact.reportBuilder
const saved = () => t.app.services.contact.savedReports

async function aText(from: string, ref: string) {
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: ref,
      from,
      fromName: null,
      to: null,
      subject: null,
      body: 'Hello',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
}

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address))
        return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }))
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address)
        mail.push({ to, raw: Buffer.concat(chunks) })
        if (to.some((a) => replyLost.has(a)))
          return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }))
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  const port = (smtp.server.address() as { port: number }).port
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      http: { ...defaults.http, publicUrl: 'https://waypoint.example.org' },
      messaging: {
        ...defaults.messaging,
        smtp: { url: `smtp://127.0.0.1:${port}`, from: 'reports@essex.example.org' },
      },
    },
    { clock },
  )
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  await t.app.services.forces.setProducts('kent', ['journeys', 'portal', 'contact'])
  await t.app.services.forces.setProducts('norfolk', ['journeys'])
  sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  bob = await t.signInAs(['contact_handler'], 'essex', 'Bob Handler')
  analyst = await t.signInAs(['analyst'], 'essex', 'Alex Analyst')
  fay = await t.signInAs(['force_admin'], 'essex', 'Fay Admin')
  teamId = await t.app.services.contact.teams.create(
    'essex',
    { name: 'Day shift' },
    { actor: { kind: 'system', name: 'test' }, staffId: sue.userId, name: 'Sue' },
  )
  await t.app.services.contact.teams.addMember(
    'essex',
    teamId,
    { handler: ana.userId },
    { actor: { kind: 'system', name: 'test' }, staffId: sue.userId, name: 'Sue' },
  )
  // Two texts waiting now, through the real queue; their conversation carries the seeded contacts.
  await aText('07700900801', 'rb-1')
  await aText('07700900802', 'rb-2')
  await t.app.db.withForce('essex', async (tx) => {
    const [conversation] = await rows<{ id: string }>(
      tx,
      sql`select conversation_id as id from contact_items limit 1`,
    )
    // 400 closed contacts over the 13 days before now: four channels, four priorities, Ana's and
    // Bob's in turn (Ana's handled in her team), each answered after n % 90 minutes and handled for n % 13 + 1 minutes.
    await tx.execute(
      sql`insert into contact_items (force_id, conversation_id, channel, priority, skill, status, assigned_to, team_id,
            enqueued_at, assigned_at, wrap_started_at, closed_at, outcome, failure_demand)
          select 'essex', ${conversation!.id}, (array['sms', 'email', 'phone', 'chat'])[1 + n % 4], 1 + n % 4, 'sms', 'closed',
            case when n % 2 = 0 then ${ana.userId}::uuid else ${bob.userId}::uuid end,
            case when n % 2 = 0 then ${teamId}::uuid end,
            at, at + (n % 90) * interval '1 minute', at + (n % 90 + n % 13) * interval '1 minute',
            at + (n % 90 + n % 13 + 1) * interval '1 minute',
            (array[${sql.join(
              outcomes.map((o) => sql`${o.code}`),
              sql`, `,
            )}])[1 + n % ${outcomes.length}],
            (1 + n % ${outcomes.length}) <= 2
          from (select n, ${clock.now()}::timestamptz - (n * interval '47 minutes') as at
                from generate_series(1, 400) n) s`,
    )
    await tx.execute(
      sql`insert into contact_item_events (force_id, item_id, kind, by_staff_id, at)
          select 'essex', id, 'assigned', assigned_to, assigned_at from contact_items where status = 'closed'`,
    )
    // THRIVE: every fifth contact assessed twice; the later grading counts.
    await tx.execute(
      sql`insert into contact_thrive_assessments (force_id, item_id, threat, harm, risk, investigation, vulnerability,
            engagement, suggested_grading, reasons, grading, vulnerable, assessed_by, assessed_at)
          select 'essex', id, 1, 1, 1, 1, 1, 1, 'Prompt', '{}', g, false, ${sue.userId}, enqueued_at + interval '1 minute' * k
          from (select id, enqueued_at, row_number() over (order by enqueued_at) as r from contact_items where status = 'closed') c,
            lateral (values (1, 'Prompt'), (2, (array['Immediate', 'Scheduled', 'Appointment'])[1 + r % 3])) v(k, g)
          where r % 5 = 0`,
    )
    // A call the caller gave up on for every third phone contact.
    await tx.execute(
      sql`insert into contact_calls (force_id, call_ref, conversation_id, item_id, state, offered_at, ended_at, abandoned)
          select 'essex', 'call-' || r, conversation_id, id, 'ended', enqueued_at, enqueued_at + interval '2 minutes', true
          from (select id, conversation_id, enqueued_at, row_number() over (order by enqueued_at) as r
                from contact_items where channel = 'phone') c where r % 3 = 0`,
    )
    // Ana took a 30-minute break yesterday; Bob an hour's lunch two days ago; Ana is on a break now.
    await tx.execute(
      sql`insert into contact_agent_states (force_id, staff_id, state, reason, started_at, ended_at) values
          ('essex', ${ana.userId}, 'not_ready', 'break', '2026-06-02T09:00:00Z', '2026-06-02T09:30:00Z'),
          ('essex', ${bob.userId}, 'not_ready', 'lunch', '2026-06-01T11:00:00Z', '2026-06-01T12:00:00Z'),
          ('essex', ${ana.userId}, 'ready', null, '2026-06-01T08:00:00Z', '2026-06-01T11:00:00Z'),
          ('essex', ${ana.userId}, 'not_ready', 'break', '2026-06-03T07:50:00Z', null)`,
    )
  })
})

after(async () => {
  await t?.close()
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
})

const define = (d: Partial<ReportDefinition> & Pick<ReportDefinition, 'measures'>): ReportDefinition => ({
  dimensions: [],
  period: 'last-7',
  ...d,
})
const all = { limit: 10_000, offset: 0 }

/** The seeded contacts as rows, to count directly. */
async function contacts(from: Date, to: Date) {
  return t.app.db.withForce('essex', (tx) =>
    rows<{
      channel: string
      priority: number
      assignedTo: string | null
      outcome: string | null
      failure: boolean | null
      handling: number | null
      wait: number | null
      abandoned: boolean
      enqueuedAt: Date
    }>(
      tx,
      sql`select i.channel, i.priority, i.assigned_to as "assignedTo", i.outcome, i.failure_demand as failure,
            extract(epoch from (i.closed_at - i.assigned_at))::float8 as handling,
            extract(epoch from (i.assigned_at - i.enqueued_at))::float8 as wait,
            exists (select 1 from contact_calls c where c.item_id = i.id and c.abandoned) as abandoned,
            i.enqueued_at as "enqueuedAt"
          from contact_items i where i.enqueued_at >= ${from} and i.enqueued_at < ${to}`,
    ),
  )
}

/** percentile_cont: linear between the two nearest ranks. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  const at = p * (s.length - 1)
  const lo = Math.floor(at)
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo)
}

describe('the builder’s figures', () => {
  test('CRM-30, CRM-26: contacts, answered and abandoned by channel for the last 7 days equal direct counts of the seeded contacts', async () => {
    const definition = define({ dimensions: ['channel'], measures: ['contacts', 'answered', 'abandoned'] })
    const period = periodOf(definition, clock.now())
    assert.equal(period.firstDay, '2026-05-27')
    assert.equal(period.lastDay, '2026-06-02')
    const result = await builder().run('essex', definition, all)
    const direct = await contacts(period.from, period.to)
    assert.ok(direct.length > 150, `${direct.length} contacts in the period`)
    const byChannel = new Map(result.rows.map((r) => [r.cells[0], r.values]))
    for (const [channel, name] of [
      ['sms', 'Text message'],
      ['email', 'Email'],
      ['phone', 'Phone'],
      ['chat', 'Web chat'],
    ] as const) {
      const mine = direct.filter((c) => c.channel === channel)
      assert.deepEqual(byChannel.get(name), [
        mine.length,
        mine.filter((c) => c.assignedTo).length,
        mine.filter((c) => c.abandoned).length,
      ])
    }
    assert.equal(
      result.rows.reduce((n, r) => n + r.values[0]!, 0),
      direct.length,
    )
    assert.ok(byChannel.get('Phone')![2]! > 0, 'some phone contacts were abandoned calls')
    assert.equal(result.total, 4)
  })

  test('CRM-30: mean and 90th percentile handling time, answered within target and failure demand by priority equal figures worked out from the rows', async () => {
    const definition = define({
      dimensions: ['priority'],
      measures: ['handlingMean', 'handlingP90', 'slaMet', 'failureShare'],
      period: 'last-28',
    })
    const period = periodOf(definition, clock.now())
    const result = await builder().run('essex', definition, all)
    const direct = await contacts(period.from, period.to)
    assert.equal(result.rows.length, 4)
    for (const row of result.rows) {
      const priority = Number(row.cells[0]!.split(' ')[0])
      const closed = direct.filter((c) => c.priority === priority && c.handling !== null)
      const handling = closed.map((c) => c.handling!)
      const target = answerTargets[priority]!
      const waits = closed.map((c) => c.wait!)
      const met = waits.filter((w) => w <= target).length
      assert.deepEqual(row.values, [
        Math.round(handling.reduce((a, b) => a + b, 0) / handling.length),
        Math.round(percentile(handling, 0.9)),
        Math.round((1000 * met) / waits.length) / 10,
        Math.round((1000 * closed.filter((c) => c.failure).length) / closed.length) / 10,
      ])
    }
  })

  test('CRM-30: day by handler, and contacts of one team, one channel and one outcome, add up to direct counts; handlers are named', async () => {
    const definition = define({ dimensions: ['day', 'handler'], measures: ['contacts'] })
    const period = periodOf(definition, clock.now())
    const result = await builder().run('essex', definition, all)
    const direct = await contacts(period.from, period.to)
    assert.equal(
      result.rows.reduce((n, r) => n + r.values[0]!, 0),
      direct.length,
    )
    assert.ok(result.rows.some((r) => r.cells[1] === 'Ana Handler'))
    assert.ok(result.rows.some((r) => r.cells[1] === 'Bob Handler'))
    assert.equal(result.rows[0]!.cells[0], '2026-05-27')
    const team = await builder().run(
      'essex',
      define({ measures: ['contacts'], teamId, channel: 'sms', outcome: 'update-request' }),
      all,
    )
    assert.deepEqual(team.rows[0]!.values, [
      direct.filter(
        (c) => c.assignedTo === ana.userId && c.channel === 'sms' && c.outcome === 'update-request',
      ).length,
    ])
    const byTeam = await builder().run('essex', define({ dimensions: ['team'], measures: ['contacts'] }), all)
    assert.deepEqual(
      byTeam.rows.map((r) => [r.cells[0], r.values[0]]),
      [
        ['Day shift', direct.filter((c) => c.assignedTo === ana.userId).length],
        ['No team', direct.filter((c) => c.assignedTo !== ana.userId).length],
      ],
    )
  })

  test('CRM-30: THRIVE grading counts the latest assessment of each contact; hours are UK hours', async () => {
    const result = await builder().run(
      'essex',
      define({ dimensions: ['grading'], measures: ['contacts'], period: 'last-365' }),
      all,
    )
    const [direct] = await t.app.db.withForce('essex', (tx) =>
      rows<{ assessed: number; immediate: number; all: number }>(
        tx,
        sql`select count(*) filter (where g.grading is not null)::int as assessed,
              count(*) filter (where g.grading = 'Immediate')::int as immediate, count(*)::int as all
            from contact_items i left join lateral (select grading from contact_thrive_assessments a
              where a.item_id = i.id order by a.assessed_at desc limit 1) g on true
            where i.enqueued_at < ${periodOf(define({ measures: ['contacts'] }), clock.now()).to}`,
      ),
    )
    const cells = Object.fromEntries(result.rows.map((r) => [r.cells[0], r.values[0]]))
    assert.equal(cells.Immediate, direct!.immediate)
    assert.equal(cells.Prompt, undefined, 'the first assessment is superseded')
    assert.equal(
      result.rows.filter((r) => r.cells[0] !== 'Not assessed').reduce((n, r) => n + r.values[0]!, 0),
      direct!.assessed,
    )
    assert.equal(
      result.rows.reduce((n, r) => n + r.values[0]!, 0),
      direct!.all,
      'every contact before today',
    )
    assert.deepEqual(result.rows.at(-1)!.cells, ['Not assessed'])
    const today = await builder().run(
      'essex',
      define({ dimensions: ['hour', 'channel'], measures: ['contacts'], period: 'today' }),
      all,
    )
    assert.ok(today.rows.some((r) => r.cells[0] === '09:00 to 09:59' && r.cells[1] === 'Text message'))
  })

  test('CRM-30, CRM-26: time not ready by handler and reason, clipped to the period, in minutes in the CSV', async () => {
    const definition = define({ dimensions: ['handler', 'reason'], measures: ['notReady'] })
    const result = await builder().run('essex', definition, all)
    assert.deepEqual(
      result.rows.map((r) => [...r.cells, r.values[0]]),
      [
        ['Ana Handler', 'Break', 1800],
        ['Bob Handler', 'Lunch', 3600],
      ],
    )
    const today = await builder().run('essex', { ...definition, period: 'today' }, all)
    assert.deepEqual(
      today.rows.map((r) => [...r.cells, r.values[0]]),
      [['Ana Handler', 'Break', 600]],
    )
    const csv = csvText(definition, result)
    assert.equal(
      csv,
      '\uFEFFHandler,Reason not ready,Time not ready (minutes)\r\nAna Handler,Break,30\r\nBob Handler,Lunch,60\r\n',
    )
  })

  test('CRM-30: only keys of the lists reach the statement: anything else is refused field by field, and combinations that cannot be counted are refused', () => {
    const refused = (input: Parameters<typeof checkDefinition>[0]) => {
      try {
        checkDefinition(input, [teamId])
      } catch (error) {
        return (error as { fieldErrors: { field: string; message: string }[] }).fieldErrors
      }
      assert.fail('accepted')
    }
    assert.deepEqual(refused({ dimension: "day'); drop table contact_items; --", measure: 'contacts' }), [
      { field: 'dimension', message: 'Choose dimensions from the list' },
    ])
    assert.deepEqual(refused({ dimension: ['day', 'week', 'hour', 'channel'], measure: 'contacts' }), [
      { field: 'dimension', message: 'Choose at most 3 dimensions' },
    ])
    assert.deepEqual(refused({ measure: 'constructor' }), [
      { field: 'measure', message: 'Choose measures from the list' },
    ])
    assert.deepEqual(refused({}), [{ field: 'measure', message: 'Choose at least one measure' }])
    assert.match(
      refused({ dimension: 'channel', measure: 'notReady' })[0]!.message,
      /cannot be broken down by channel/,
    )
    assert.match(
      refused({ dimension: 'reason', measure: 'contacts' })[0]!.message,
      /goes only with time not ready/,
    )
    assert.deepEqual(refused({ measure: 'contacts', team: '00000000-0000-4000-8000-000000000000' }), [
      { field: 'team', message: 'Choose one of your force’s teams' },
    ])
    assert.deepEqual(
      refused({
        measure: 'contacts',
        period: 'dates',
        'from-day': '31',
        'from-month': '2',
        'from-year': '2026',
      }),
      [
        { field: 'from-day', message: 'The first day must be a real date' },
        { field: 'to-day', message: 'Enter the last day of the period' },
      ],
    )
    assert.deepEqual(
      refused({
        measure: 'contacts',
        period: 'dates',
        ...{
          'from-day': '1',
          'from-month': '1',
          'from-year': '2025',
          'to-day': '3',
          'to-month': '1',
          'to-year': '2026',
        },
      }),
      [{ field: 'to-day', message: 'The period must be 366 days or shorter' }],
    )
    // A channel and an outcome are bound as parameters, never written into the statement.
    const query = new PgDialect().sqlToQuery(
      reportQuery(define({ measures: ['contacts'], channel: 'sms', outcome: 'no-action' }), clock.now(), all),
    )
    assert.doesNotMatch(query.sql, /'sms'|no-action/)
    assert.ok(query.params.includes('sms') && query.params.includes('no-action'))
  })
})

describe('the builder’s pages', () => {
  test('CRM-30: a supervisor previews a report a page at a time and downloads it as CSV; the download is audited', async () => {
    const start = await sue.get('/console/contact/reports/builder')
    assert.equal(start.statusCode, 200)
    assert.match(start.body, /<h1 class="govuk-heading-l">Report builder<\/h1>/)
    assert.match(start.body, /Showing 1 to 7 of 7 rows/)
    assert.match(start.body, /<th scope="row" class="govuk-table__header">2026-05-27<\/th>/)
    const query = 'dimension=day&dimension=hour&measure=contacts&measure=handlingMean&period=last-28'
    const first = await sue.get(`/console/contact/reports/builder?${query}`)
    assert.equal(first.statusCode, 200)
    const total = Number(/Showing 1 to 50 of ([\d,]+) rows/.exec(first.body)?.[1]?.replace(',', ''))
    assert.ok(total > 50, `${total} rows`)
    const second = await sue.get(`/console/contact/reports/builder?${query}&page=2`)
    assert.match(second.body, new RegExp(`Showing 51 to ${Math.min(100, total)} of`))

    const csv = await sue.get(
      `/console/contact/reports/builder.csv?dimension=channel&measure=contacts&measure=slaMet`,
    )
    assert.equal(csv.statusCode, 200)
    assert.match(String(csv.headers['content-type']), /^text\/csv/)
    assert.match(String(csv.headers['content-disposition']), /contact-report-2026-06-02\.csv/)
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    assert.equal(lines[0], 'Channel,Contacts,Answered within target (%)')
    const period = periodOf(define({ measures: ['contacts'] }), clock.now())
    const direct = await contacts(period.from, period.to)
    const sms = lines.find((l) => l.startsWith('Text message,'))!.split(',')
    assert.equal(Number(sms[1]), direct.filter((c) => c.channel === 'sms').length)
    assert.match(sms[2]!, /^\d+(\.\d)?$/)
    assert.equal(
      lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0),
      direct.length,
    )
    const [audited] = await t.app.db.withForce('essex', (tx) =>
      rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from audit_events where action = 'contact.report-exported' and actor_id = ${sue.userId}`,
      ),
    )
    assert.equal(audited!.n, 1)
  })

  test('CRM-30: choices off the lists are refused with a GOV.UK error summary naming the field', async () => {
    const page = await sue.get(
      `/console/contact/reports/builder?dimension=${encodeURIComponent('1;select pg_sleep(5)')}&measure=notReady&channel=sms`,
    )
    assert.equal(page.statusCode, 400)
    assert.match(page.body, /govuk-error-summary/)
    assert.match(page.body, /<a href="#dimension">Choose dimensions from the list<\/a>/)
    const combo = await sue.get('/console/contact/reports/builder?measure=notReady&channel=sms')
    assert.match(combo.body, /<a href="#channel">Time not ready cannot be filtered by channel or outcome/)
    const csv = await sue.get('/console/contact/reports/builder.csv?measure=nothing')
    assert.equal(csv.statusCode, 400)
    assert.match(csv.body, /Choose measures from the list/)
  })

  test('CRM-30: a saved report is the force’s own: saved, changed and deleted with an audit trail, refused to another force and unseen by its row-level security', async () => {
    const refused = await sue.post('/console/contact/reports/saved', {
      dimension: 'channel',
      measure: 'contacts',
      period: 'last-7',
      name: '',
      schedule: 'weekly',
      time: '25:00',
    })
    assert.equal(refused.statusCode, 400)
    for (const message of [
      'Enter a name for the report',
      'Enter the time as hours and minutes, for example 07:30',
      'Choose the day of the week',
      'Choose who the report is emailed to',
    ])
      assert.match(refused.body, new RegExp(message), message)
    const outsider = await t.signInAs(['contact_supervisor'], 'kent', 'Kent Supervisor')
    const notStaff = await sue.post('/console/contact/reports/saved', {
      measure: 'contacts',
      name: 'Kent by mistake',
      schedule: 'daily',
      time: '07:00',
      recipient: [outsider.userId, ana.userId, analyst.userId],
    })
    assert.equal(notStaff.statusCode, 400)
    assert.match(notStaff.body, /Choose your force’s contact supervisors or force administrators/)

    const created = await sue.post('/console/contact/reports/saved', {
      dimension: 'channel',
      measure: ['contacts', 'abandoned'],
      period: 'last-7',
      name: 'Weekly channels',
    })
    assert.equal(created.statusCode, 303)
    const path = String(created.headers.location)
    const id = path.split('/').pop()!
    const page = await sue.get(path)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /<h1 class="govuk-heading-l">Weekly channels<\/h1>/)
    assert.match(page.body, /Not emailed/)
    const changed = await sue.post(path, {
      dimension: ['channel', 'outcome'],
      measure: 'contacts',
      period: 'last-28',
      name: 'Channels and outcomes',
      schedule: 'weekly',
      weekday: '1',
      time: '7:30',
      recipient: [sue.userId],
    })
    assert.equal(changed.statusCode, 303)
    const { report } = await saved().get('essex', id)
    assert.deepEqual(report.definition, {
      dimensions: ['channel', 'outcome'],
      measures: ['contacts'],
      period: 'last-28',
    })
    assert.equal(report.sendAt, '07:30')
    assert.equal(report.weekday, 1)

    // Kent's staff and Kent's transaction cannot see it.
    assert.equal((await outsider.get(path)).statusCode, 404)
    assert.equal((await outsider.get(`${path}/report.csv`)).statusCode, 404)
    assert.equal((await outsider.post(`${path}/delete`)).statusCode, 404)
    const [seen] = await t.app.db.withForce('kent', (tx) =>
      rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_saved_reports where id = ${id}`),
    )
    assert.equal(seen!.n, 0)

    assert.equal((await sue.post(`${path}/delete`)).statusCode, 303)
    assert.equal((await sue.get(path)).statusCode, 404)
    const trail = await t.app.db.withForce('essex', (tx) =>
      rows<{ action: string }>(
        tx,
        sql`select action from audit_events where record_id = ${id} order by occurred_at, id`,
      ),
    )
    assert.deepEqual(
      trail.map((r) => r.action),
      ['contact.report-saved', 'contact.report-changed', 'contact.report-deleted'],
    )
  })

  test('CRM-30: the builder is refused to handlers, analysts, other roles, a region administrator and a force without Contact', async () => {
    const paths = [
      '/console/contact/reports/builder',
      '/console/contact/reports/builder.csv?measure=contacts',
    ]
    const who = [
      ana,
      analyst,
      await t.signInAs(['journey_designer', 'investigating_officer', 'supervisor'], 'essex'),
      await t.signInAs(['force_admin', 'contact_supervisor'], 'norfolk'),
      await t.signInAs(['system_admin'], null),
    ]
    for (const person of who)
      for (const path of paths) assert.equal((await person.get(path)).statusCode, 403, path)
    assert.equal(
      (await ana.post('/console/contact/reports/saved', { measure: 'contacts', name: 'Mine' })).statusCode,
      403,
    )
    assert.equal((await fay.get(paths[0]!)).statusCode, 200)
  })
})

describe('scheduled reports', () => {
  const runJob = async () => {
    const job = t.app.jobs.names.find((n) => n === 'contact.report-schedules')
    assert.ok(job, 'the schedule is a registered job')
    await t.app.jobs.boss.send(job, {})
    await t.app.jobs.drain([job])
  }

  test('CRM-30: the slot of a daily and a weekly schedule is the latest UK time at or before now, across the clock change', () => {
    const daily = { schedule: 'daily' as const, weekday: null, sendAt: '07:30' }
    assert.equal(
      latestSlot(daily, new Date('2026-06-03T06:29:00Z')).toISOString(),
      '2026-06-02T06:30:00.000Z',
    )
    assert.equal(
      latestSlot(daily, new Date('2026-06-03T06:30:00Z')).toISOString(),
      '2026-06-03T06:30:00.000Z',
    )
    assert.equal(
      latestSlot(daily, new Date('2026-12-03T09:00:00Z')).toISOString(),
      '2026-12-03T07:30:00.000Z',
    )
    // Monday 07:30 in London; 3 June 2026 is a Wednesday.
    const weekly = { schedule: 'weekly' as const, weekday: 1, sendAt: '07:30' }
    assert.equal(
      latestSlot(weekly, new Date('2026-06-03T08:00:00Z')).toISOString(),
      '2026-06-01T06:30:00.000Z',
    )
    assert.equal(
      latestSlot(weekly, new Date('2026-03-30T06:00:00Z')).toISOString(),
      '2026-03-23T07:30:00.000Z',
    )
  })

  test('CRM-30, CRM-26: a scheduled report reaches the chosen staff through SMTP with its CSV attached, once per slot, and catches up after downtime once', async () => {
    mail.length = 0
    const id = await saved().create(
      'essex',
      checkDefinition({ dimension: 'channel', measure: ['contacts', 'abandoned'], period: 'yesterday' }, []),
      { name: 'Daily channels', schedule: 'daily', time: '10:00', recipient: [sue.userId, fay.userId] },
      { actor: { kind: 'staff', id: sue.userId }, staffId: sue.userId, name: 'Sue' },
    )
    // 09:00: the first slot (10:00 today) has not come; yesterday's was before the schedule.
    await runJob()
    assert.equal(mail.length, 0)
    clock.advance(60 * 60_000)
    await runJob()
    await runJob()
    assert.equal(mail.length, 2, 'one email each to Sue and Fay')
    const emails = await Promise.all(
      mail.map((m) => parseEmail(m.raw, { maxBytes: 1e6, maxAttachments: 5, maxAttachmentBytes: 1e6 })),
    )
    const staffEmail = async (s: SignedIn) =>
      (await t.app.services.staff.repository.findById(s.userId))!.email
    assert.deepEqual(mail.flatMap((m) => m.to).sort(), [await staffEmail(sue), await staffEmail(fay)].sort())
    const email = emails[0]!
    assert.equal(email.subject, 'Waypoint report: Daily channels (2026-06-02 to 2026-06-02)')
    assert.match(email.text, /attached as a CSV file with 4 rows/)
    assert.match(email.text, new RegExp(`https://waypoint.example.org/console/contact/reports/saved/${id}`))
    assert.equal(email.attachments.length, 1)
    assert.equal(email.attachments[0]!.filename, 'daily-channels-2026-06-02.csv')
    const csv = email.attachments[0]!.content.toString('utf8').replace(/^\uFEFF/, '')
    const yesterday = await contacts(new Date('2026-06-01T23:00:00Z'), new Date('2026-06-02T23:00:00Z'))
    assert.equal(csv.split('\r\n')[0], 'Channel,Contacts,Abandoned calls')
    assert.equal(
      csv
        .trim()
        .split('\r\n')
        .slice(1)
        .reduce((n, l) => n + Number(l.split(',')[1]), 0),
      yesterday.length,
    )

    // Down for three days: on coming back the latest slot is sent, once; the two before it are not.
    mail.length = 0
    clock.advance(3 * 24 * 60 * 60_000)
    await runJob()
    await runJob()
    assert.equal(mail.length, 2)
    const runs = (await saved().get('essex', id)).runs
    assert.deepEqual(
      runs.map((r) => [r.slot.toISOString(), r.recipients, r.delivery]),
      [
        ['2026-06-06T09:00:00.000Z', 2, 'attachment'],
        ['2026-06-03T09:00:00.000Z', 2, 'attachment'],
      ],
    )
    // A recipient who no longer reads Contact's reports is left out, and the send says so.
    await t.app.services.staff.revokeRole(fay.userId, 'force_admin', null)
    mail.length = 0
    clock.advance(24 * 60 * 60_000)
    await runJob()
    assert.equal(mail.length, 1)
    const [sent] = await t.app.db.withForce('essex', (tx) =>
      rows<{ detail: { recipients: string[]; skipped: string[] } }>(
        tx,
        sql`select detail from audit_events where action = 'contact.report-sent' and record_id = ${id}
            order by occurred_at desc limit 1`,
      ),
    )
    assert.deepEqual(sent!.detail.recipients, [sue.userId])
    assert.deepEqual(sent!.detail.skipped, [fay.userId])
    await saved().remove('essex', id, {
      actor: { kind: 'system', name: 'test' },
      staffId: sue.userId,
      name: 'Sue',
    })
  })

  test('CRM-30: a scheduled report naming handlers is never attached: the email carries only a link to Waypoint', async () => {
    mail.length = 0
    const id = await saved().create(
      'essex',
      checkDefinition({ dimension: ['handler'], measure: ['contacts'], period: 'last-7' }, []),
      { name: 'Handlers', schedule: 'daily', time: '06:00', recipient: [sue.userId] },
      { actor: { kind: 'staff', id: sue.userId }, staffId: sue.userId, name: 'Sue' },
    )
    clock.advance(24 * 60 * 60_000)
    await runJob()
    assert.equal(mail.length, 1)
    const email = parseEmail(mail[0]!.raw, { maxBytes: 1e6, maxAttachments: 5, maxAttachmentBytes: 1e6 })
    assert.equal(email.attachments.length, 0)
    assert.doesNotMatch(email.text, /Ana Handler|Bob Handler/)
    assert.match(email.text, /It names handlers, so it is not attached/)
    assert.match(email.text, new RegExp(`/console/contact/reports/saved/${id}`))
    // Days have passed on the clock since Sue signed in: a new session reads it.
    const reader = await t.signInAs(['contact_supervisor'], 'essex', 'Sid Supervisor')
    const page = await reader.get(`/console/contact/reports/saved/${id}`)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /This report names handlers/)
    assert.match(page.body, /Link to Waypoint/)
  })

  /** A force administrator who reads the reports below (Fay no longer does). */
  let fern: SignedIn
  /** Sue and Fern's scheduled report, due within the hour; the clock is then moved past its slot. */
  const dueReport = async (name: string) => {
    const next = DateTime.fromJSDate(clock.now(), { zone: 'Europe/London' }).plus({ hours: 1 })
    const id = await saved().create(
      'essex',
      checkDefinition({ dimension: 'channel', measure: ['contacts'], period: 'yesterday' }, []),
      { name, schedule: 'daily', time: next.toFormat('HH:00'), recipient: [sue.userId, fern.userId] },
      { actor: { kind: 'staff', id: sue.userId }, staffId: sue.userId, name: 'Sue' },
    )
    clock.advance(60 * 60_000)
    return id
  }
  const staffEmail = async (s: SignedIn) => (await t.app.services.staff.repository.findById(s.userId))!.email
  /** The Message-ID header, unfolded (a long one is carried on to the next line). */
  const messageIdOf = (raw: Buffer) =>
    /^Message-ID: *(.*?)\r?$/im.exec(raw.toString().replace(/\r?\n[ \t]+/g, ' '))?.[1]
  /** The emails of one saved report (another's slot may come as the clock moves on). */
  const mailOf = (id: string) => mail.filter((m) => messageIdOf(m.raw)?.startsWith(`<report.${id}.`))
  const messageIds = (id: string, to: string) =>
    mailOf(id)
      .filter((m) => m.to.includes(to))
      .map((m) => messageIdOf(m.raw))
  const deliveries = (id: string) =>
    t.app.db.withForce('essex', (tx) =>
      rows<{ staffId: string; status: string; attempts: number; lastError: string | null }>(
        tx,
        sql`select staff_id as "staffId", status, attempts, last_error as "lastError"
            from contact_report_deliveries where report_id = ${id} order by slot, staff_id`,
      ),
    )

  test('CRM-30: an address the mail server refuses does not send the report again to the others; that email alone is tried again 1, 2, 4 and 8 minutes on, then shows as failed, audited', async () => {
    mail.length = 0
    fern ??= await t.signInAs(['force_admin'], 'essex', 'Fern Admin')
    const [sueAt, fernAt] = [await staffEmail(sue), await staffEmail(fern)]
    refused.add(fernAt)
    try {
      const id = await dueReport('Refused channels')
      await runJob()
      assert.deepEqual(
        mailOf(id).map((m) => m.to),
        [[sueAt]],
      )
      const fernFirst = (await deliveries(id)).find((d) => d.staffId === fern.userId)!
      assert.deepEqual(
        [fernFirst.status, fernFirst.attempts, fernFirst.lastError],
        ['pending', 1, 'EENVELOPE'],
      )
      // Not before its time: a minute after the first failure.
      await runJob()
      assert.equal((await deliveries(id)).find((d) => d.staffId === fern.userId)!.attempts, 1)
      for (const wait of [1, 2, 4, 8]) {
        clock.advance(wait * 60_000)
        await runJob()
      }
      assert.deepEqual(
        mailOf(id).map((m) => m.to),
        [[sueAt]],
        'Sue had it once; the refused address was never accepted',
      )
      const after = await deliveries(id)
      assert.deepEqual(
        after.map((d) => [d.staffId, d.status, d.attempts]).sort(),
        [
          [sue.userId, 'sent', 1],
          [fern.userId, 'failed', 5],
        ].sort(),
      )
      const [failed] = await t.app.db.withForce('essex', (tx) =>
        rows<{ detail: { staffId: string; reason: string; attempts: number } }>(
          tx,
          sql`select detail from audit_events where action = 'contact.report-email-failed' and record_id = ${id}`,
        ),
      )
      assert.deepEqual(failed!.detail.staffId, fern.userId)
      assert.equal(failed!.detail.reason, 'EENVELOPE')
      const reader = await t.signInAs(['contact_supervisor'], 'essex', 'Sam Supervisor')
      const page = await reader.get(`/console/contact/reports/saved/${id}`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /1 sent, 1 failed/)
      // Later runs do not try it again.
      clock.advance(60 * 60_000)
      await runJob()
      assert.equal((await deliveries(id)).find((d) => d.staffId === fern.userId)!.attempts, 5)
      await saved().remove('essex', id, {
        actor: { kind: 'system', name: 'test' },
        staffId: sue.userId,
        name: 'Sue',
      })
    } finally {
      refused.clear()
    }
  })

  test('CRM-30: an email whose send did not finish is sent again to that person alone, with the same Message-ID: after a reply lost at the mail server, and after a worker stopped mid-send', async () => {
    mail.length = 0
    fern ??= await t.signInAs(['force_admin'], 'essex', 'Fern Admin')
    const [sueAt, fernAt] = [await staffEmail(sue), await staffEmail(fern)]
    replyLost.add(fernAt)
    const id = await dueReport('Interrupted channels')
    try {
      await runJob()
    } finally {
      replyLost.clear()
    }
    // The server holds Fern's copy but answered with an error: to Waypoint it is not sent.
    assert.equal(mailOf(id).length, 2)
    assert.equal((await deliveries(id)).find((d) => d.staffId === fern.userId)!.status, 'pending')
    clock.advance(60_000)
    await runJob()
    assert.equal(messageIds(id, sueAt).length, 1, 'Sue had it once')
    const fernIds = messageIds(id, fernAt)
    assert.equal(fernIds.length, 2)
    assert.equal(fernIds[0], fernIds[1], 'the copy sent again is the same message to her mail system')
    assert.match(
      fernIds[0] ?? '',
      new RegExp(`^<report\\.${id}\\.\\d+\\.${fern.userId}@waypoint\\.example\\.org>$`),
    )
    assert.notEqual(messageIds(id, sueAt)[0], fernIds[0])

    // The next day's slot: Fern's first try is refused, and her second is taken by a worker that
    // stops before the SMTP conversation ends (SIGKILL), which leaves it `sending`, as set here.
    mail.length = 0
    clock.advance(24 * 60 * 60_000)
    refused.add(fernAt)
    try {
      await runJob()
    } finally {
      refused.clear()
    }
    assert.deepEqual(
      mailOf(id).map((m) => m.to),
      [[sueAt]],
    )
    clock.advance(60_000)
    await t.app.db.withForce('essex', (tx) =>
      tx.execute(
        sql`update contact_report_deliveries set status = 'sending', attempts = attempts + 1, updated_at = ${clock.now()}
            where report_id = ${id} and staff_id = ${fern.userId} and status = 'pending'`,
      ),
    )
    // Within 15 minutes it may still be a live worker's send: left alone.
    clock.advance(14 * 60_000)
    await runJob()
    assert.equal(mailOf(id).length, 1)
    clock.advance(60_000)
    await runJob()
    assert.deepEqual(
      mailOf(id).map((m) => m.to),
      [[sueAt], [fernAt]],
    )
    const [slot] = await t.app.db.withForce('essex', (tx) =>
      rows<{ ms: number }>(
        tx,
        sql`select (extract(epoch from max(slot)) * 1000)::bigint::float8 as ms from contact_report_runs where report_id = ${id}`,
      ),
    )
    assert.equal(messageIds(id, fernAt)[0], `<report.${id}.${slot!.ms}.${fern.userId}@waypoint.example.org>`)
    assert.deepEqual(
      (await deliveries(id)).filter((d) => d.staffId === fern.userId).map((d) => [d.status, d.attempts]),
      [
        ['sent', 2],
        ['sent', 3],
      ],
    )
    const [run] = (await saved().get('essex', id)).runs
    assert.deepEqual([run!.delivered, run!.waiting, run!.failed], [2, 0, 0])
    // Once every email of a run is sent, the run no longer keeps the email and its CSV.
    const kept = await t.app.db.withForce('essex', (tx) =>
      rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from contact_report_runs where report_id = ${id} and email is not null`,
      ),
    )
    assert.equal(kept[0]!.n, 0)
    await saved().remove('essex', id, {
      actor: { kind: 'system', name: 'test' },
      staffId: sue.userId,
      name: 'Sue',
    })
  })
})
