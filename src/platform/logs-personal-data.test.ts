// Logs never carry statement parameters or personal data (CP-167): each error path is provoked
// with planted values, and every line the app logged is scanned for them.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { toDatabaseError } from './db/database-error.ts'
import { createLogger, serializeError, urlForLog } from './logger.ts'

const planted = {
  name: 'Zebedee Quillfeather',
  surname: 'Quillfeather',
  phone: '07700 900417',
  email: 'zebedee.quill@example.org',
  address: '17 Plantation Row, Luton LU9 9ZZ',
  marker: 'DOMESTICABUSEPLANTED',
}

const lines: string[] = []
let t: TestApp

before(async () => {
  const log = createLogger('info', { write: (line: string) => void lines.push(line) })
  t = await createTestApp({}, { log })
})
after(() => t.close())

function assertNothingPlanted(from: number, label: string): void {
  const logged = lines.slice(from).join('')
  for (const [what, value] of Object.entries(planted)) {
    assert.ok(!logged.includes(value), `${label}: the log contains the planted ${what}`)
  }
}

function loggedErrors(from: number): { msg: string; err?: { type?: string; message?: string } }[] {
  return lines
    .slice(from)
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.level >= 50)
}

const stormEvent = (eventId: string) =>
  JSON.stringify({
    eventId,
    eventType: 'LOG_CREATED',
    timestamp: '2026-06-01T09:15:00Z',
    log: {
      reference: `BED-20260601-${eventId.slice(-4)}`,
      openedAt: '2026-06-01T09:14:30Z',
      grading: 'PRI',
      incidentType: 'Burglary - residential',
      openingCode: 'BURG',
      location: planted.address,
      persons: [
        {
          nominalId: 'N-900417',
          name: planted.name,
          role: 'VIC',
          phone: planted.phone,
          email: planted.email,
          address: planted.address,
          markers: [planted.marker],
        },
      ],
    },
  })

test('CP-167: a database error during ingest is logged without the event’s personal data', async () => {
  const token = await issueClientToken(t, { forceId: 'bedfordshire', scopes: ['sources:write'] })
  await t.database.db.execAsOwner(`
    create function log_test_refuse() returns trigger language plpgsql as $$
      begin raise exception 'the inbox refuses this row'; end $$;
    create trigger log_test_refuse before insert on source_events for each row execute function log_test_refuse();`)
  const from = lines.length
  try {
    const response = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/sources/bedfordshire/storm',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: stormEvent('STORM-LOG-0001'),
    })
    assert.ok(response.statusCode >= 500, `the inbox refused the row: ${response.statusCode}`)
    assert.ok(!response.body.includes(planted.name), 'nor does the answer repeat it')
  } finally {
    await t.database.db.execAsOwner(
      'drop trigger log_test_refuse on source_events; drop function log_test_refuse();',
    )
  }
  const errors = loggedErrors(from)
  assert.ok(errors.length > 0, 'the failure is logged')
  assert.ok(
    errors.some((e) => e.err?.message?.includes('the inbox refuses this row')),
    'with the database’s own message',
  )
  assertNothingPlanted(from, 'ingest')
})

test('CP-167: a failing query on a search page is logged without the search term or parameters', async () => {
  const staff = await t.signInAs(['investigating_officer'], 'kent')
  await t.database.db.execAsOwner('alter table people rename to people_log_test')
  const from = lines.length
  try {
    const response = await staff.get(`/console/cases?q=${encodeURIComponent(planted.surname)}`)
    assert.equal(response.statusCode, 500)
    assert.ok(!response.body.includes('people_log_test') && !response.body.includes('relation'))
  } finally {
    await t.database.db.execAsOwner('alter table people_log_test rename to people')
  }
  const errors = loggedErrors(from)
  assert.ok(errors.length > 0, 'the failure is logged')
  assertNothingPlanted(from, 'failing search')
})

test('CP-167: a search that works logs the request without its search term', async () => {
  const staff = await t.signInAs(['investigating_officer'], 'kent')
  const from = lines.length
  const response = await staff.get(`/console/cases?q=${encodeURIComponent(planted.surname)}`)
  assert.equal(response.statusCode, 200)
  assert.ok(
    lines.slice(from).some((line) => line.includes('/console/cases?q=…')),
    'the request is logged with the parameter’s name only',
  )
  assertNothingPlanted(from, 'search')
})

test('CP-167: an error’s statement, parameters and row values are dropped before it is logged', () => {
  const server = Object.assign(new Error('duplicate key value violates unique constraint "people_x"'), {
    code: '23505',
    constraint: 'people_x',
    detail: `Key (email)=(${planted.email}) already exists.`,
    query: 'insert into people (name) values ($1)',
    params: [planted.name],
  })
  const drizzle = Object.assign(
    new Error(`Failed query: insert into people (name) values ($1)\nparams: ${planted.name}`),
    { query: 'insert into people (name) values ($1)', params: [planted.name], cause: server },
  )
  const serialized = JSON.stringify(serializeError(drizzle))
  assertNothingPlantedIn(serialized)
  assert.match(serialized, /23505/)
  const wrapped = toDatabaseError(drizzle)
  assert.equal(wrapped.code, '23505')
  assert.equal(wrapped.constraint, 'people_x')
  assertNothingPlantedIn(JSON.stringify(serializeError(wrapped)) + wrapped.message + wrapped.stack)
  const syntax = toDatabaseError({
    cause: { code: '22P02', message: `invalid input syntax for type uuid: "${planted.name}"` },
  })
  assert.ok(!syntax.message.includes(planted.name))
  assert.equal(urlForLog(`/console/cases?q=${planted.surname}&page=2`), '/console/cases?q=…&page=…')
})

function assertNothingPlantedIn(text: string): void {
  for (const [what, value] of Object.entries(planted))
    assert.ok(!text.includes(value), `contains the ${what}`)
}
