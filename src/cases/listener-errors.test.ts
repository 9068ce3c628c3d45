// A case-change listener that refuses is never silent (CP-167): the refusal is logged with the
// force and counts, never personal data, and the event is still delivered once it is accepted.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { createLogger } from '../platform/logger.ts'

const lines: string[] = []
let t: TestApp
before(async () => {
  t = await createTestApp(
    {},
    { log: createLogger('warn', { write: (line: string) => void lines.push(line) }) },
  )
})
after(() => t.close())

test('CP-167: a case-change listener that refuses is logged with the force, not swallowed, and without personal data', async () => {
  let refusals = 1
  const stop = t.app.services.cases.onChange(async () => {
    if (refusals > 0) {
      refusals -= 1
      throw new Error('the listener is not ready')
    }
  })
  try {
    const token = await issueClientToken(t, { forceId: 'bedfordshire', scopes: ['sources:write'] })
    const payload = readFileSync(
      join(import.meta.dirname, '../sources/examples/storm-log-created.json'),
      'utf8',
    )
    const response = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/sources/bedfordshire/storm',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload,
    })
    assert.equal(response.statusCode, 202, response.body)
    await t.app.services.cases.deliverPending('bedfordshire')
  } finally {
    stop()
  }
  const warned = lines
    .map((line) => JSON.parse(line))
    .filter((e) => /case-change listener refused/.test(e.msg))
  assert.ok(warned.length >= 1, 'the refusal is logged')
  assert.ok(
    warned.every((e) => e.forceId === 'bedfordshire' && e.err?.message === 'the listener is not ready'),
  )
  const logged = lines.join('')
  for (const personal of ['Jane Smith', '07700 900123', 'jane.smith@example.org', '12 High Street']) {
    assert.ok(!logged.includes(personal), `the log contains ${personal}`)
  }
})
