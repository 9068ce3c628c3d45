// Quiet hours (UJ-8, CP-64), worked out here and only here, on the platform calendar: Europe/London
// wall time and the bank holidays of England and Wales (platform/calendar.ts).
import { DateTime } from 'luxon'
import { isBankHoliday, isChristmasDay, ukZone as zone, wallClockMoment } from '../platform/calendar.ts'

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

/** Whether `instant` falls outside the window (a message now would be sent in quiet hours). */
export function isWithinQuietHours(instant: Date, window: SendingWindow): boolean {
  return nextSendableTime(instant, window).getTime() !== instant.getTime()
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

/** A person's own quiet hours (CP-25): whole hours of London time, from `from` until `to`. */
export interface PersonalQuietHours {
  from: number
  to: number
}

/** The windows a person's own quiet hours leave open; quiet hours across midnight leave one. */
export function windowsOutside(quiet: PersonalQuietHours): SendingWindow[] {
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`
  const always = { days: [1, 2, 3, 4, 5, 6, 7], sendOnBankHolidays: true, sendOnChristmasDays: true }
  if (quiet.from > quiet.to) return [{ ...always, start: hh(quiet.to), end: hh(quiet.from) }]
  return [
    { ...always, start: '00:00', end: hh(quiet.from) },
    { ...always, start: hh(quiet.to), end: '24:00' },
  ].filter((w) => w.start < w.end)
}

/**
 * The first instant at or after `instant` that both the force's window and the person's own quiet
 * hours allow (CP-64, CP-25). When the two never meet (a person's quiet hours cover all of the
 * force's window), the force's window alone decides: the person is told rather than never.
 */
export function nextSendableTimeFor(
  instant: Date,
  window: SendingWindow,
  quiet: PersonalQuietHours | null | undefined,
  options: { urgent?: boolean } = {},
): Date {
  const forceOnly = nextSendableTime(instant, window, options)
  if (options.urgent || !quiet || quiet.from === quiet.to) return forceOnly
  const personal = windowsOutside(quiet)
  let at = forceOnly
  for (let round = 0; round < 32; round += 1) {
    const theirs = new Date(Math.min(...personal.map((w) => nextSendableTime(at, w).getTime())))
    const next = nextSendableTime(theirs, window)
    if (next.getTime() === at.getTime()) return at
    at = next
  }
  return forceOnly
}
