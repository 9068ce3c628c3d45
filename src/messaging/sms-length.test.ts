import assert from 'node:assert/strict'
import { test } from 'node:test'
import { smsLength } from './sms-length.ts'

test('SMS length: 160 plain GSM-7 characters fit one SMS; 161 need two parts of 153', () => {
  assert.deepEqual(smsLength('a'.repeat(160)), {
    encoding: 'GSM-7',
    units: 160,
    segments: 1,
    remainingInSegment: 0,
    nonGsmCharacters: [],
  })
  const two = smsLength('a'.repeat(161))
  assert.equal(two.segments, 2)
  assert.equal(two.remainingInSegment, 306 - 161)
  assert.equal(smsLength('a'.repeat(306)).segments, 2)
  assert.equal(smsLength('a'.repeat(307)).segments, 3)
})

test('SMS length: extension-table characters (€, [, ], {, }, ^, ~, |, \\) count as two GSM-7 units', () => {
  const result = smsLength('€'.repeat(80))
  assert.equal(result.encoding, 'GSM-7')
  assert.equal(result.units, 160)
  assert.equal(result.segments, 1)
  assert.equal(smsLength(`${'a'.repeat(159)}[`).segments, 2)
})

test('SMS length: one character outside GSM-7 makes the message UCS-2 (70 single, 67 per part)', () => {
  const welsh = smsLength('ŵ'.repeat(70))
  assert.equal(welsh.encoding, 'UCS-2')
  assert.equal(welsh.segments, 1)
  assert.deepEqual(welsh.nonGsmCharacters, ['ŵ'])
  assert.equal(smsLength('ŵ'.repeat(71)).segments, 2)
  assert.equal(smsLength('ŵ'.repeat(134)).segments, 2)
  assert.equal(smsLength('ŵ'.repeat(135)).segments, 3)
  assert.equal(smsLength(`Your crime reference is 42 ’`).encoding, 'UCS-2')
})

test('SMS length: an empty message is zero segments; GSM-7 accented letters stay single units', () => {
  assert.equal(smsLength('').segments, 0)
  const accented = smsLength('café Ñandù £5 @ 10:00')
  assert.equal(accented.encoding, 'GSM-7')
  assert.equal(accented.units, 21)
})
