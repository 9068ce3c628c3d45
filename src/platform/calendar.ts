// Waypoint's one calendar: Europe/London wall time (so British Summer Time changes move nothing a
// person would notice) and the bank holidays of England and Wales. Messaging's quiet hours,
// Journeys' working-day waits and Victims' Code deadlines, the Victims' Code report and service
// levels counted in working hours all read it.
import { createRequire } from 'node:module'
import type Holidays from 'date-holidays'
import { DateTime } from 'luxon'

/** The zone every date and time of day in Waypoint is read in. */
export const ukZone = 'Europe/London'

// The calendars are fixed reference data, not state. England and Wales have the same bank
// holidays today; the union of both regions stays right if that ever changes. date-holidays holds
// every country's rules, so it loads when a bank holiday is first asked for, not when Waypoint
// starts (decision 0068).
let regions: Holidays[] | undefined
function englandAndWales(): Holidays[] {
  if (!regions) {
    const Calendar = createRequire(import.meta.url)('date-holidays') as typeof Holidays
    regions = [new Calendar('GB', 'ENG'), new Calendar('GB', 'WLS')]
  }
  return regions
}
const byYear = new Map<number, Set<string>>()

/** Bank holidays of England and Wales in a year, as ISO dates (substitute days included). */
export function bankHolidays(year: number): Set<string> {
  let days = byYear.get(year)
  if (!days) {
    days = new Set(
      englandAndWales().flatMap((c) =>
        c
          .getHolidays(year)
          .filter((h) => h.type === 'public')
          .map((h) => h.date.slice(0, 10))
          // A holiday on a weekend is observed on its substitute weekday (GOV.UK lists only that).
          .filter((date) => DateTime.fromISO(date).weekday <= 5),
      ),
    )
    byYear.set(year, days)
  }
  return days
}

export function isBankHoliday(isoDate: string): boolean {
  return bankHolidays(Number(isoDate.slice(0, 4))).has(isoDate)
}

/** Whether `isoDate` (yyyy-mm-dd) is Christmas Day or Boxing Day itself. */
export function isChristmasDay(isoDate: string): boolean {
  const monthDay = isoDate.slice(5)
  return monthDay === '12-25' || monthDay === '12-26'
}

/** Monday to Friday and not a bank holiday of England and Wales (the Victims' Code's working days). */
export function isWorkingDay(isoDate: string): boolean {
  return DateTime.fromISO(isoDate, { zone: ukZone }).weekday <= 5 && !isBankHoliday(isoDate)
}

/** The London date (yyyy-mm-dd) of an instant: 00:30 BST is that day, not the UTC day before. */
export function ukDate(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: ukZone }).toISODate() as string
}

/** The date `n` working days after `isoDate`: the Victims' Code deadlines are counted this way. */
export function addWorkingDays(isoDate: string, n: number): string {
  let date = DateTime.fromISO(isoDate, { zone: ukZone })
  let remaining = n
  while (remaining > 0) {
    date = date.plus({ days: 1 })
    if (isWorkingDay(date.toISODate() as string)) remaining -= 1
  }
  return date.toISODate() as string
}

/** `at` (London wall time) on the working day `workingDays` after today; 0 = today if still ahead. */
export function workingDayTime(now: Date, workingDays: number, at: string): Date {
  const [hour, minute] = at.split(':').map(Number) as [number, number]
  let date = addWorkingDays(ukDate(now), workingDays)
  for (;;) {
    const candidate = DateTime.fromISO(date, { zone: ukZone }).set({ hour, minute }).toJSDate()
    if (isWorkingDay(date) && candidate > now) return candidate
    date = addWorkingDays(date, 1)
  }
}

/** Working hours in London wall time ('HH:mm'), on working days. */
export interface WorkingHours {
  start: string
  end: string
}

export const officeHours: WorkingHours = { start: '09:00', end: '17:00' }

/**
 * The instant `hours` working hours after `from`: time counts only within `within` on working
 * days (so 4 working hours from 15:00 on a Friday before a bank holiday Monday end at 11:00 on
 * Tuesday). For service levels such as "answered within 8 working hours".
 */
export function addWorkingHours(from: Date, hours: number, within: WorkingHours = officeHours): Date {
  let remaining = Math.round(hours * 60 * 60_000)
  let day = DateTime.fromJSDate(from, { zone: ukZone }).startOf('day')
  let cursor = from.getTime()
  for (;;) {
    const date = day.toISODate() as string
    if (isWorkingDay(date)) {
      const opens = wallClockMoment(day, within.start, 'later').toMillis()
      const closes = wallClockMoment(day, within.end, 'earlier').toMillis()
      const start = Math.max(cursor, opens)
      if (start < closes) {
        if (start + remaining <= closes) return new Date(start + remaining)
        remaining -= closes - start
      }
    }
    day = day.plus({ days: 1 }).startOf('day')
    cursor = day.toMillis()
  }
}

/**
 * The moment on `day` when London's clocks first show `time` (HH:mm). A time the clocks skip
 * (spring forward) is the moment they skip it; a time they show twice (autumn back) is the
 * earlier or later of the two, as asked.
 */
export function wallClockMoment(day: DateTime, time: string, whenTwice: 'earlier' | 'later'): DateTime {
  const [hour, minute] = time.split(':').map(Number) as [number, number]
  const shows = (t: DateTime) => t.hour === hour && t.minute === minute && t.day === day.day
  const moment = DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour, minute },
    { zone: ukZone },
  )
  if (!shows(moment)) {
    // Skipped: luxon moved it on by the gap; step back to the change itself.
    let change = moment
    while (change.minus({ minutes: 1 }).offset === moment.offset) change = change.minus({ minutes: 1 })
    return change
  }
  const other = whenTwice === 'earlier' ? moment.minus({ hours: 1 }) : moment.plus({ hours: 1 })
  return shows(other) ? other : moment
}

/** A moment as people in the UK read it: "8:00am on Saturday 6 March 2027". */
export function ukDateTime(instant: Date): string {
  const local = DateTime.fromJSDate(instant, { zone: ukZone })
  const time = `${local.toFormat('h:mm')}${local.hour < 12 ? 'am' : 'pm'}`
  return `${time} on ${local.toFormat('cccc d LLLL yyyy')}`
}
