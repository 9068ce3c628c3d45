// Quiet hours (UJ-8, CP-64) and Victims' Code working days, from one calendar: Europe/London wall
// time (so British Summer Time changes move nothing a person would notice) and the bank holidays
// of England and Wales.
import Holidays from 'date-holidays'
import { DateTime } from 'luxon'

const zone = 'Europe/London'

/** When a channel may send, in London wall time. Days are ISO weekdays: 1 = Monday … 7 = Sunday. */
export interface SendingWindow {
  days: number[]
  /** 'HH:mm', inclusive. */
  start: string
  /** 'HH:mm', exclusive. */
  end: string
  /** Whether messages may go on bank holidays of England and Wales. */
  sendOnBankHolidays: boolean
  /**
   * Whether messages may go on 25 and 26 December themselves, whatever day of the week they fall
   * on (a force-wide choice; absent means no). When they fall at a weekend the bank holidays are
   * the substitute weekdays, which `sendOnBankHolidays` covers.
   */
  sendOnChristmasDays?: boolean
}

export const defaultSendingWindow: SendingWindow = {
  days: [1, 2, 3, 4, 5, 6, 7],
  start: '08:00',
  end: '21:00',
  sendOnBankHolidays: true,
}

// The calendars are fixed reference data, not state. England and Wales have the same bank
// holidays today; the union of both regions stays right if that ever changes.
const calendars = [new Holidays('GB', 'ENG'), new Holidays('GB', 'WLS')]
const bankHolidayCache = new Map<number, Set<string>>()

/** Bank holidays of England and Wales in a year, as ISO dates (substitute days included). */
export function bankHolidays(year: number): Set<string> {
  let days = bankHolidayCache.get(year)
  if (!days) {
    days = new Set(
      calendars.flatMap((c) =>
        c
          .getHolidays(year)
          .filter((h) => h.type === 'public')
          .map((h) => h.date.slice(0, 10))
          // A holiday on a weekend is observed on its substitute weekday (GOV.UK lists only that).
          .filter((date) => DateTime.fromISO(date).weekday <= 5),
      ),
    )
    bankHolidayCache.set(year, days)
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

/**
 * The first instant at or after `instant` when the window allows sending. Urgent messages
 * (a risk to life, a change of court date today) are exempt and go at once.
 *
 * The window is read on the wall clock of Europe/London. On the days the clocks change, a start
 * or end that does not exist or happens twice is resolved in the person's favour: the window
 * opens at the later of two moments and closes at the earlier, and a time the clocks skip
 * stands for the moment they skip it (a window 00:00–01:30 on 28 March 2027 closes at 01:00
 * GMT, when the clocks go to 02:00 BST).
 */
export function nextSendableTime(
  instant: Date,
  window: SendingWindow,
  options: { urgent?: boolean } = {},
): Date {
  if (options.urgent) return instant
  let local = DateTime.fromJSDate(instant, { zone })
  for (let day = 0; day < 15; day += 1) {
    const date = local.toISODate() as string
    const allowedDay =
      window.days.includes(local.weekday) &&
      (window.sendOnBankHolidays || !isBankHoliday(date)) &&
      (window.sendOnChristmasDays === true || !isChristmasDay(date))
    if (allowedDay) {
      const opens = wallClockMoment(local, window.start, 'later')
      const closes =
        window.end === '24:00'
          ? local.startOf('day').plus({ days: 1 })
          : wallClockMoment(local, window.end, 'earlier')
      if (local < closes && opens < closes) return new Date(Math.max(local.toMillis(), opens.toMillis()))
    }
    local = local.plus({ days: 1 }).startOf('day')
  }
  throw new Error('The sending window never opens: check its days')
}

/**
 * The moment on `day` when London's clocks first show `time` (HH:mm). A time the clocks skip
 * (spring forward) is the moment they skip it; a time they show twice (autumn back) is the
 * earlier or later of the two, as asked.
 */
function wallClockMoment(day: DateTime, time: string, whenTwice: 'earlier' | 'later'): DateTime {
  const [hour, minute] = parseTime(time)
  const shows = (t: DateTime) => t.hour === hour && t.minute === minute && t.day === day.day
  const moment = DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour, minute },
    { zone },
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
  const local = DateTime.fromJSDate(instant, { zone })
  const time = `${local.toFormat('h:mm')}${local.hour < 12 ? 'am' : 'pm'}`
  return `${time} on ${local.toFormat('cccc d LLLL yyyy')}`
}

/** Whether `instant` falls outside the window (a message now would be sent in quiet hours). */
export function isWithinQuietHours(instant: Date, window: SendingWindow): boolean {
  return nextSendableTime(instant, window).getTime() !== instant.getTime()
}

/**
 * The date `n` working days after `isoDate` (Monday to Friday, not a bank holiday of England and
 * Wales): the Victims' Code deadlines are counted this way.
 */
export function addWorkingDays(isoDate: string, n: number): string {
  let date = DateTime.fromISO(isoDate, { zone })
  let remaining = n
  while (remaining > 0) {
    date = date.plus({ days: 1 })
    if (date.weekday <= 5 && !isBankHoliday(date.toISODate() as string)) remaining -= 1
  }
  return date.toISODate() as string
}

export function isValidSendingWindow(window: SendingWindow): boolean {
  return (
    window.days.length > 0 &&
    window.days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7) &&
    /^([01]\d|2[0-3]):[0-5]\d$/.test(window.start) &&
    /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(window.end) &&
    window.start < window.end
  )
}

function parseTime(value: string): [number, number] {
  const [h, m] = value.split(':').map(Number)
  return [h as number, m as number]
}
