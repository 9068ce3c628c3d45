// The platform calendar: Europe/London wall time and the bank holidays of England and Wales, as
// Messaging's quiet hours, Journeys' working-day waits, Victims' Code deadlines and service levels
// read them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  addWorkingDays,
  addWorkingHours,
  bankHolidays,
  isWorkingDay,
  ukDate,
  ukDateTime,
  workingDayTime,
} from './calendar.ts'

test('the bank holidays of England and Wales, substitute weekdays included (2026 and 2027 as GOV.UK lists them)', () => {
  assert.deepEqual([...bankHolidays(2026)].sort(), [
    '2026-01-01',
    '2026-04-03',
    '2026-04-06',
    '2026-05-04',
    '2026-05-25',
    '2026-08-31',
    '2026-12-25',
    '2026-12-28',
  ])
  assert.deepEqual([...bankHolidays(2027)].sort(), [
    '2027-01-01',
    '2027-03-26',
    '2027-03-29',
    '2027-05-03',
    '2027-05-31',
    '2027-08-30',
    '2027-12-27',
    '2027-12-28',
  ])
  assert.equal(isWorkingDay('2026-12-28'), false, 'the substitute for Boxing Day on a Saturday')
  assert.equal(isWorkingDay('2026-12-29'), true)
  assert.equal(isWorkingDay('2026-06-06'), false, 'a Saturday')
})

test('Victims’ Code working days skip weekends and bank holidays of England and Wales', () => {
  assert.equal(addWorkingDays('2026-01-09', 1), '2026-01-12') // Friday + 1 → Monday
  assert.equal(addWorkingDays('2026-04-02', 2), '2026-04-08') // Good Friday and Easter Monday skipped
  assert.equal(addWorkingDays('2026-12-23', 3), '2026-12-30') // 24th, (25, 26, 27, 28 off), 29th, 30th
  assert.equal(addWorkingDays('2026-06-01', 0), '2026-06-01')
})

test('a London date is the day in London, not in UTC', () => {
  assert.equal(ukDate(new Date('2026-06-01T23:30:00Z')), '2026-06-02') // 00:30 BST
  assert.equal(ukDate(new Date('2026-12-01T23:30:00Z')), '2026-12-01') // 23:30 GMT
})

test('a time of day on a working day: today if still ahead, else the next working day', () => {
  // Friday 22 May 2026 15:00 BST; Monday 25 May is a bank holiday.
  assert.equal(
    workingDayTime(new Date('2026-05-22T14:00:00Z'), 0, '10:00').toISOString(),
    '2026-05-26T09:00:00.000Z',
  )
  assert.equal(
    workingDayTime(new Date('2026-05-22T08:00:00Z'), 0, '10:00').toISOString(),
    '2026-05-22T09:00:00.000Z',
  )
  assert.equal(
    workingDayTime(new Date('2026-05-22T08:00:00Z'), 1, '10:00').toISOString(),
    '2026-05-26T09:00:00.000Z',
  )
})

test('working hours: only 09:00–17:00 on working days count, across weekends, bank holidays and clock changes', () => {
  const after = (from: string, hours: number) => addWorkingHours(new Date(from), hours).toISOString()
  // Within one day (Tuesday 2 June 2026, BST).
  assert.equal(after('2026-06-02T09:00:00Z', 2), '2026-06-02T11:00:00.000Z')
  // Started before opening: counted from 09:00 BST (08:00Z).
  assert.equal(after('2026-06-02T05:00:00Z', 1), '2026-06-02T09:00:00.000Z')
  // Friday 22 May 2026 15:00 BST + 4 h: 2 h on Friday, bank holiday Monday skipped, 2 h on Tuesday.
  assert.equal(after('2026-05-22T14:00:00Z', 4), '2026-05-26T10:00:00.000Z')
  // Started after closing on Thursday 24 December 2026: Christmas and the substitute Boxing Day skipped.
  assert.equal(after('2026-12-24T18:00:00Z', 8), '2026-12-29T17:00:00.000Z')
  // Friday 27 March 2026 16:00 GMT + 2 h: 1 h on Friday, then Monday 30 March 09:00 BST (08:00Z) + 1 h.
  assert.equal(after('2026-03-27T16:00:00Z', 2), '2026-03-30T09:00:00.000Z')
  // Other working hours: 17:00 BST with hours to 18:00 leaves one hour that day.
  assert.equal(
    addWorkingHours(new Date('2026-06-02T16:00:00Z'), 1, { start: '08:00', end: '18:00' }).toISOString(),
    '2026-06-02T17:00:00.000Z',
  )
})

test('times are shown as people in the UK read them', () => {
  assert.equal(ukDateTime(new Date('2027-03-06T08:00:00Z')), '8:00am on Saturday 6 March 2027')
  assert.equal(ukDateTime(new Date('2027-06-15T20:30:00Z')), '9:30pm on Tuesday 15 June 2027')
  assert.equal(ukDateTime(new Date('2027-06-15T11:05:00Z')), '12:05pm on Tuesday 15 June 2027')
})
