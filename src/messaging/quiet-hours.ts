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

/**
 * The first instant at or after `instant` when the window allows sending. Urgent messages
 * (a risk to life, a change of court date today) are exempt and go at once.
 */
export function nextSendableTime(
  instant: Date,
  window: SendingWindow,
  options: { urgent?: boolean } = {},
): Date {
  if (options.urgent) return instant
  const [startHour, startMinute] = parseTime(window.start)
  const [endHour, endMinute] = parseTime(window.end)
  let local = DateTime.fromJSDate(instant, { zone })
  for (let day = 0; day < 15; day += 1) {
    const opens = local.startOf('day').set({ hour: startHour, minute: startMinute })
    const closes = local.startOf('day').set({ hour: endHour, minute: endMinute })
    const allowedDay =
      window.days.includes(local.weekday) &&
      (window.sendOnBankHolidays || !isBankHoliday(local.toISODate() as string))
    if (allowedDay && local < closes) return new Date(Math.max(local.toMillis(), opens.toMillis()))
    local = local.plus({ days: 1 }).startOf('day')
  }
  throw new Error('The sending window never opens: check its days')
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
