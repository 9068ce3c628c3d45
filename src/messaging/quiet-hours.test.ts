import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isBankHoliday } from '../platform/calendar.ts'
import {
  defaultSendingWindow,
  isWithinQuietHours,
  nextSendableTime,
  nextSendableTimeFor,
  type SendingWindow,
  windowsOutside,
} from './quiet-hours.ts'

const window: SendingWindow = {
  days: [1, 2, 3, 4, 5, 6, 7],
  start: '08:00',
  end: '21:00',
  sendOnBankHolidays: false,
}
const at = (iso: string) => nextSendableTime(new Date(iso), window).toISOString()

test('UJ-8: an SMS due at 22:30 is sent at 08:00 the next day (winter and summer time)', () => {
  assert.equal(at('2026-01-13T22:30:00Z'), '2026-01-14T08:00:00.000Z')
  // 22:30 BST is 21:30Z; 08:00 BST is 07:00Z.
  assert.equal(at('2026-06-09T21:30:00Z'), '2026-06-10T07:00:00.000Z')
})

test('UJ-8: the window boundaries: 07:59 waits, 08:00 goes, 20:59 goes, 21:00 waits', () => {
  assert.equal(at('2026-01-13T07:59:00Z'), '2026-01-13T08:00:00.000Z')
  assert.equal(at('2026-01-13T08:00:00Z'), '2026-01-13T08:00:00.000Z')
  assert.equal(at('2026-01-13T20:59:59Z'), '2026-01-13T20:59:59.000Z')
  assert.equal(at('2026-01-13T21:00:00Z'), '2026-01-14T08:00:00.000Z')
  assert.equal(isWithinQuietHours(new Date('2026-01-13T21:00:00Z'), window), true)
  assert.equal(isWithinQuietHours(new Date('2026-01-13T12:00:00Z'), window), false)
})

test('UJ-8: a step due at 01:30 on the spring-forward day goes at 08:00 BST (07:00Z)', () => {
  // 29 March 2026: clocks go from 01:00 GMT to 02:00 BST; 00:30Z is 00:30 GMT, 01:30Z is 02:30 BST.
  assert.equal(at('2026-03-29T00:30:00Z'), '2026-03-29T07:00:00.000Z')
  assert.equal(at('2026-03-29T01:30:00Z'), '2026-03-29T07:00:00.000Z')
})

test('UJ-8: both 01:30s of the autumn-back day go at 08:00 GMT', () => {
  // 25 October 2026: 01:30 happens at 00:30Z (BST) and again at 01:30Z (GMT).
  assert.equal(at('2026-10-25T00:30:00Z'), '2026-10-25T08:00:00.000Z')
  assert.equal(at('2026-10-25T01:30:00Z'), '2026-10-25T08:00:00.000Z')
  // The evening before the change: 22:00 BST (21:00Z) → 08:00 GMT next morning.
  assert.equal(at('2026-10-24T21:00:00Z'), '2026-10-25T08:00:00.000Z')
})

test('UJ-8: with bank holidays off, Christmas Day, Boxing Day (substitute) and Easter Monday are skipped', () => {
  // 24 Dec 2026 22:00 → the 25th (Friday) is a bank holiday; Saturday 26th is not (its substitute is the 28th).
  assert.equal(isBankHoliday('2026-12-25'), true)
  assert.equal(isBankHoliday('2026-12-28'), true)
  assert.equal(isBankHoliday('2026-12-26'), false)
  // Saturday 26th is Boxing Day itself: not sent on unless the force chooses to (see below).
  assert.equal(at('2026-12-24T22:00:00Z'), '2026-12-27T08:00:00.000Z')
  const weekdaysOnly = { ...window, days: [1, 2, 3, 4, 5] }
  assert.equal(
    nextSendableTime(new Date('2026-12-24T22:00:00Z'), weekdaysOnly).toISOString(),
    '2026-12-29T08:00:00.000Z',
  )
  // Easter Monday 6 April 2026 (BST): Sunday evening → Tuesday 08:00 BST.
  assert.equal(
    nextSendableTime(new Date('2026-04-05T20:30:00Z'), weekdaysOnly).toISOString(),
    '2026-04-07T07:00:00.000Z',
  )
  // With bank holidays on, Easter Monday is an ordinary day.
  assert.equal(
    nextSendableTime(new Date('2026-04-05T20:30:00Z'), {
      ...weekdaysOnly,
      sendOnBankHolidays: true,
    }).toISOString(),
    '2026-04-06T07:00:00.000Z',
  )
})

test('UJ-8: an urgent message is exempt from quiet hours; the schedule is configurable per channel', () => {
  assert.equal(
    nextSendableTime(new Date('2026-01-13T23:10:00Z'), window, { urgent: true }).toISOString(),
    '2026-01-13T23:10:00.000Z',
  )
  const late = { ...defaultSendingWindow, start: '10:00', end: '18:00' }
  assert.equal(
    nextSendableTime(new Date('2026-01-13T09:00:00Z'), late).toISOString(),
    '2026-01-13T10:00:00.000Z',
  )
})

const iso = (instant: string, w: SendingWindow) => nextSendableTime(new Date(instant), w).toISOString()

test('UJ-8: a window ending at a time the clocks skip (00:00–01:30 on 28 March 2027) closes when they skip it', () => {
  const w = { ...defaultSendingWindow, start: '00:00', end: '01:30' }
  // 00:50 GMT is inside; 02:10 BST (01:10Z) is after 01:30 on the clock: held to 00:00 BST on the 29th.
  assert.equal(iso('2027-03-28T00:50:00Z', w), '2027-03-28T00:50:00.000Z')
  assert.equal(iso('2027-03-28T01:10:00Z', w), '2027-03-28T23:00:00.000Z')
  assert.equal(isWithinQuietHours(new Date('2027-03-28T01:00:00Z'), w), true)
})

test('UJ-8: a window starting at a time the clocks skip opens when they skip it (02:00 BST)', () => {
  const w = { ...defaultSendingWindow, start: '01:30', end: '06:00' }
  assert.equal(iso('2027-03-28T00:30:00Z', w), '2027-03-28T01:00:00.000Z')
  // An ordinary day: 01:30 GMT.
  assert.equal(iso('2027-03-21T00:30:00Z', w), '2027-03-21T01:30:00.000Z')
})

test('UJ-8: on the autumn-back day a window closing at 01:30 closes at the first 01:30 and one opening at 01:30 opens at the second', () => {
  const closing = { ...defaultSendingWindow, start: '00:00', end: '01:30' }
  // 31 October 2027: 01:30 BST is 00:30Z, 01:30 GMT is 01:30Z.
  assert.equal(iso('2027-10-31T00:20:00Z', closing), '2027-10-31T00:20:00.000Z')
  assert.equal(iso('2027-10-31T00:45:00Z', closing), '2027-11-01T00:00:00.000Z')
  assert.equal(iso('2027-10-31T01:15:00Z', closing), '2027-11-01T00:00:00.000Z')
  const opening = { ...defaultSendingWindow, start: '01:30', end: '06:00' }
  assert.equal(iso('2027-10-31T00:30:00Z', opening), '2027-10-31T01:30:00.000Z')
})

test('UJ-8: Christmas 2027: no messages on Saturday 25 or Sunday 26 December unless the force chooses to send on them', () => {
  const noBankHolidays = { ...window }
  // Fri 24 Dec 22:00 → Sat 25 and Sun 26 (Christmas itself), Mon 27 and Tue 28 (substitute bank holidays) skipped.
  assert.equal(iso('2027-12-24T22:00:00Z', noBankHolidays), '2027-12-29T08:00:00.000Z')
  assert.equal(isWithinQuietHours(new Date('2027-12-25T12:00:00Z'), noBankHolidays), true)
  assert.equal(isWithinQuietHours(new Date('2027-12-26T12:00:00Z'), noBankHolidays), true)
  // A force that sends on bank holidays still keeps 25 and 26 December free by default.
  assert.equal(iso('2027-12-24T22:00:00Z', defaultSendingWindow), '2027-12-27T08:00:00.000Z')
  // The force's choice to send on them.
  assert.equal(
    iso('2027-12-24T22:00:00Z', { ...noBankHolidays, sendOnChristmasDays: true }),
    '2027-12-25T08:00:00.000Z',
  )
})

test('CP-64: a person’s own quiet hours are kept as well as the force’s window, across midnight or not', () => {
  // Wednesday 10 June 2026, 11:00 BST.
  const at = new Date('2026-06-10T10:00:00Z')
  // Quiet from 10:00 to 15:00: held until 15:00 BST.
  assert.equal(
    nextSendableTimeFor(at, window, { from: 10, to: 15 }).toISOString(),
    '2026-06-10T14:00:00.000Z',
  )
  // Quiet from 22:00 to 09:00 (across midnight) leaves 11:00 free.
  assert.equal(nextSendableTimeFor(at, window, { from: 22, to: 9 }).toISOString(), at.toISOString())
  // At 20:30 BST with quiet hours from 20:00 to 07:00: the person's 07:00 is before the force's
  // 08:00, so the force's opening decides.
  const evening = new Date('2026-06-10T19:30:00Z')
  assert.equal(
    nextSendableTimeFor(evening, window, { from: 20, to: 7 }).toISOString(),
    '2026-06-11T07:00:00.000Z',
  )
  // Quiet hours that cover the whole of the force's window: the force's window alone decides.
  assert.equal(nextSendableTimeFor(at, window, { from: 7, to: 22 }).toISOString(), at.toISOString())
  // No quiet hours, or an urgent message: as before.
  assert.equal(nextSendableTimeFor(at, window, null).toISOString(), at.toISOString())
  assert.equal(
    nextSendableTimeFor(at, window, { from: 10, to: 15 }, { urgent: true }).toISOString(),
    at.toISOString(),
  )
  assert.deepEqual(
    windowsOutside({ from: 1, to: 5 }).map((w) => [w.start, w.end]),
    [
      ['00:00', '01:00'],
      ['05:00', '24:00'],
    ],
  )
})
