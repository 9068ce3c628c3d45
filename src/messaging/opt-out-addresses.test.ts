// An opt-out is accepted for exactly the addresses ingest accepts (UJ-6): one validator for both.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { normaliseEmail, normaliseUkPhone } from '../sources/contact-details.ts'
import { isValidAddress } from './addresses.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t.close())

const refusedByIngest = [
  ['sms', '070 1234 5678'],
  ['sms', '+33 6 12 34 56 78'],
  ['sms', '0033612345678'],
  ['sms', '01632 960 001'],
  ['email', '<script>@x.com'],
  ['email', 'victim@example'],
  ['email', 'a"b@example.org'],
] as const

test('UJ-6: the opt-out form refuses numbers and addresses that ingest refuses, with an error summary', async () => {
  const staff = await t.signInAs(['force_admin'], 'kent')
  for (const [channel, address] of refusedByIngest) {
    const phone = channel === 'sms' ? normaliseUkPhone(address) : undefined
    const ingestCanMessage =
      channel === 'sms' ? phone?.ok === true && phone.value.mobile : normaliseEmail(address).ok
    assert.ok(!ingestCanMessage, `${address}: ingest cannot message it`)
    const response = await staff.post('/console/opt-outs', { channel, address })
    assert.equal(response.statusCode, 400, `${address} was accepted`)
    assert.match(response.body, /govuk-error-summary/)
    assert.match(response.body, /Enter a UK mobile number, like 07700 900 982, or an email address/)
  }
  for (const [channel, address] of [
    ['sms', '07700 900 982'],
    ['sms', '+44 7700 900 983'],
    ['email', 'Sam.Jones@Example.org'],
  ] as const) {
    const response = await staff.post('/console/opt-outs', { channel, address })
    assert.equal(response.statusCode, 303, `${address}: ${response.body.slice(0, 200)}`)
  }
})

test('UJ-6: a STOP reply’s number in Notify’s international form (447…) is still a valid address', () => {
  assert.ok(isValidAddress('sms', '447700900123'))
  assert.ok(isValidAddress('sms', '+447700900123'))
  assert.ok(!isValidAddress('sms', '447012345678'))
})
