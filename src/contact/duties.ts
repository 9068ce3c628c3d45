// Duty rosters from the force's duty management system (CRM-35, decision 0040): GRS, Crown Duty
// Roster and the like export who is on duty when. A roster arrives through the API (JSON or CSV)
// or as a CSV export a force administrator uploads: each row names a handler by staff email,
// payroll number or collar number, with the shift's start and end and, if the system gives them,
// skills and team. A roster is taken whole or not at all: one wrong row and nothing is saved, the
// refusal naming every wrong row. It is taken once by the duty system's roster id, and its shifts
// replace those of earlier rosters that start in its period. Every import is audited.
import { DateTime } from 'luxon'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { type FieldError, ValidationError } from '../platform/errors.ts'
import type { DutiesRepository, RosterRow, ShiftNow } from './duties-repository.ts'
import { parseCsv } from './gazetteer.ts'
import { type Skill, skills as knownSkills } from './queue-repository.ts'

/** Limits on one roster. */
export const ROSTER_LIMITS = {
  shifts: 2000,
  rosterRef: 100,
  systemName: 100,
  email: 320,
  number: 40,
  team: 100,
  /** A shift is at most a day long. */
  shiftHours: 24,
  /** A roster's shifts lie from 31 days before now to 92 days after. */
  pastDays: 31,
  futureDays: 92,
  /** The CSV text, in bytes. */
  csvBytes: 1_048_576,
  /** Refusals name at most this many wrong rows. */
  errors: 50,
} as const

export const rosterRefPattern = /^[A-Za-z0-9._:@-]{1,100}$/

export interface ShiftInput {
  email?: string | null
  payrollNumber?: string | null
  collarNumber?: string | null
  start: string
  end: string
  skills?: string[] | null
  team?: string | null
}

export interface RosterReceipt {
  status: 'imported' | 'duplicate'
  roster: string
  rosterId: string
  shifts: number
  replaced: number
  periodStart: string
  periodEnd: string
}

export interface Importer {
  actor: AuditEvent['actor']
  ip?: string | null
  correlationId?: string | null
  /** Shown on the rosters page as who imported it (a client's or a person's name). */
  name: string
}

/** The CSV columns, by header (any case, spaces or dashes for underscores). */
export const csvColumns = [
  'email',
  'payroll_number',
  'collar_number',
  'start',
  'end',
  'skills',
  'team',
] as const

/** Reads a CSV export: a header row naming the columns, then one shift a row. */
export function shiftsFromCsv(text: string): ShiftInput[] {
  const table = parseCsv(text.replace(/^\uFEFF/, ''))
  const header = (table[0] ?? []).map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  )
  const missing = ['start', 'end'].filter((c) => !header.includes(c))
  if (!header.some((h) => h === 'email' || h === 'payroll_number' || h === 'collar_number'))
    missing.unshift('email, payroll_number or collar_number')
  if (table.length === 0 || missing.length)
    throw new ValidationError(
      [
        {
          field: 'roster',
          message: `The file’s first row must name the columns: it lacks ${missing.join(' and ')}`,
        },
      ],
      'The roster was not imported',
    )
  const at = (row: string[], name: string) => {
    const i = header.indexOf(name)
    const value = i < 0 ? '' : (row[i] ?? '').trim()
    return value === '' ? null : value
  }
  return table.slice(1).map((row) => ({
    email: at(row, 'email'),
    payrollNumber: at(row, 'payroll_number'),
    collarNumber: at(row, 'collar_number'),
    start: at(row, 'start') ?? '',
    end: at(row, 'end') ?? '',
    skills: (at(row, 'skills') ?? '').split(/[;|\s]+/).filter(Boolean),
    team: at(row, 'team'),
  }))
}

/** An ISO 8601 date-time, or a UK local "YYYY-MM-DD HH:mm" as duty systems export them. */
function readTime(value: string): Date | undefined {
  const text = value.trim()
  if (!text) return undefined
  const iso = DateTime.fromISO(text.replace(' ', 'T'), { zone: ukZone, setZone: false })
  if (iso.isValid) return iso.toJSDate()
  for (const format of ['dd/MM/yyyy HH:mm', 'dd/MM/yyyy HH:mm:ss'] as const) {
    const parsed = DateTime.fromFormat(text, format, { zone: ukZone })
    if (parsed.isValid) return parsed.toJSDate()
  }
  return undefined
}

export interface DutiesNow {
  /** Handlers on a rostered shift now: their staff id, when the shift ends, their team. */
  onDuty: ShiftNow[]
  /** Whether any roster covers now: without one, nobody is "off-roster". */
  covered: boolean
}

export class DutiesService {
  readonly #db: Database
  readonly #repo: DutiesRepository
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: { db: Database; repo: DutiesRepository; clock: Clock; audit: AuditService }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  /**
   * Imports a roster: every row checked first, and nothing saved unless all are right. The same
   * roster id again changes nothing and answers `duplicate`.
   */
  async import(
    forceId: string,
    input: { rosterRef: string; systemName?: string | null; shifts: ShiftInput[]; source: 'api' | 'upload' },
    by: Importer,
  ): Promise<RosterReceipt> {
    const rosterRef = input.rosterRef.trim()
    const systemName = (input.systemName ?? '').trim() || null
    const head: FieldError[] = []
    if (!rosterRefPattern.test(rosterRef))
      head.push({
        field: 'rosterId',
        message: `Roster ID must be ${ROSTER_LIMITS.rosterRef} characters or fewer: letters, numbers, dots, colons, dashes, underscores or @`,
      })
    if (systemName && systemName.length > ROSTER_LIMITS.systemName)
      head.push({
        field: 'system',
        message: `Duty system must be ${ROSTER_LIMITS.systemName} characters or fewer`,
      })
    if (input.shifts.length === 0) head.push({ field: 'roster', message: 'The roster has no shifts' })
    if (input.shifts.length > ROSTER_LIMITS.shifts)
      head.push({ field: 'roster', message: `A roster may have at most ${ROSTER_LIMITS.shifts} shifts` })
    if (head.length) throw new ValidationError(head, 'The roster was not imported')
    return this.#db.withForce(forceId, async (tx) => {
      await this.#repo.lock(tx, forceId)
      const seen = await this.#repo.rosterByRef(tx, rosterRef)
      if (seen) return receipt('duplicate', seen)
      const now = this.#clock.now()
      const earliest = now.getTime() - ROSTER_LIMITS.pastDays * 86_400_000
      const latest = now.getTime() + ROSTER_LIMITS.futureDays * 86_400_000
      const staff = await this.#repo.staff(tx, forceId)
      const byEmail = new Map(staff.map((s) => [s.email.toLowerCase(), s]))
      const byPayroll = new Map(
        staff.flatMap((s) => (s.hrEmployeeId ? [[s.hrEmployeeId.toLowerCase(), s]] : [])),
      )
      const byCollar = new Map(staff.flatMap((s) => (s.collar ? [[s.collar.toLowerCase(), s]] : [])))
      const errors: FieldError[] = []
      const shifts: {
        staffId: string
        startsAt: Date
        endsAt: Date
        skills: Skill[]
        team: string | null
      }[] = []
      input.shifts.forEach((row, index) => {
        // Rows are numbered as a spreadsheet shows the export: the header is row 1.
        const name = input.source === 'upload' ? `Row ${index + 2}` : `Shift ${index + 1}`
        const field = input.source === 'upload' ? 'roster' : `shifts[${index}]`
        const wrong: string[] = []
        const email = row.email?.trim() || null
        const payroll = row.payrollNumber?.trim() || null
        const collar = row.collarNumber?.trim() || null
        if (
          (email && email.length > ROSTER_LIMITS.email) ||
          (payroll && payroll.length > ROSTER_LIMITS.number) ||
          (collar && collar.length > ROSTER_LIMITS.number)
        )
          wrong.push('the email or number is too long')
        const who = email
          ? byEmail.get(email.toLowerCase())
          : payroll
            ? byPayroll.get(payroll.toLowerCase())
            : collar
              ? byCollar.get(collar.toLowerCase())
              : undefined
        if (!email && !payroll && !collar) wrong.push('it names no handler (email, payroll or collar number)')
        else if (!who)
          wrong.push(
            `no member of the force’s staff has ${email ? 'that email' : payroll ? 'that payroll number' : 'that collar number'}`,
          )
        else if (!who.handler) wrong.push('they are not a contact handler')
        const startsAt = readTime(row.start ?? '')
        const endsAt = readTime(row.end ?? '')
        if (!startsAt || !endsAt)
          wrong.push('enter the start and end as a date and time, like 2026-12-05 07:00')
        else if (endsAt <= startsAt) wrong.push('the end must be after the start')
        else if (endsAt.getTime() - startsAt.getTime() > ROSTER_LIMITS.shiftHours * 3_600_000)
          wrong.push(`a shift may be at most ${ROSTER_LIMITS.shiftHours} hours`)
        else if (startsAt.getTime() < earliest || startsAt.getTime() > latest)
          wrong.push(
            `the shift must start within ${ROSTER_LIMITS.pastDays} days before today and ${ROSTER_LIMITS.futureDays} days after`,
          )
        const chosen = (row.skills ?? []).map((s) => s.trim().toLowerCase()).filter(Boolean)
        const unknown = chosen.filter((s) => !knownSkills.includes(s as Skill))
        if (unknown.length) wrong.push(`skills must be among ${knownSkills.join(', ')}`)
        const team = row.team?.trim() || null
        if (team && team.length > ROSTER_LIMITS.team)
          wrong.push(`the team must be ${ROSTER_LIMITS.team} characters or fewer`)
        if (wrong.length) {
          if (errors.length < ROSTER_LIMITS.errors)
            errors.push({ field, message: `${name}: ${wrong.join('; ')}` })
          return
        }
        shifts.push({
          staffId: who!.id,
          startsAt: startsAt!,
          endsAt: endsAt!,
          skills: [...new Set(chosen as Skill[])],
          team,
        })
      })
      if (errors.length) throw new ValidationError(errors, 'The roster was not imported: no shift was saved')
      const periodStart = new Date(Math.min(...shifts.map((s) => s.startsAt.getTime())))
      const periodEnd = new Date(Math.max(...shifts.map((s) => s.endsAt.getTime())))
      const replaced = await this.#repo.replaceShifts(tx, periodStart, periodEnd)
      const id = await this.#repo.insertRoster(tx, {
        forceId,
        rosterRef,
        source: input.source,
        systemName,
        periodStart,
        periodEnd,
        shifts: shifts.length,
        replaced,
        importedByName: by.name.slice(0, 200),
        at: now,
      })
      await this.#repo.insertShifts(tx, forceId, id, shifts)
      await this.#audit.record(
        {
          action: 'contact.roster-imported',
          forceId,
          actor: by.actor,
          ip: by.ip ?? null,
          correlationId: by.correlationId ?? null,
          recordType: 'contact-roster',
          recordId: id,
          detail: {
            roster: rosterRef,
            source: input.source,
            shifts: shifts.length,
            replaced,
            handlers: new Set(shifts.map((s) => s.staffId)).size,
          },
        },
        tx,
      )
      return receipt('imported', {
        id,
        rosterRef,
        shifts: shifts.length,
        replaced,
        periodStart,
        periodEnd,
      })
    })
  }

  /** The force's latest imports. */
  recent(forceId: string, limit = 20): Promise<RosterRow[]> {
    return this.#db.withForce(forceId, (tx) => this.#repo.recent(tx, limit))
  }

  /** Who is on a rostered shift now. */
  now(forceId: string): Promise<DutiesNow> {
    return this.#db.withForce(forceId, async (tx) => {
      const onDuty = await this.#repo.onDuty(tx, this.#clock.now())
      return { onDuty, covered: onDuty.length > 0 }
    })
  }

  /** Rostered and ready hours for each of the last `days` UK days, today last. */
  async hours(
    forceId: string,
    days = 7,
  ): Promise<{ day: string; rosteredHours: number; readyHours: number; readyPercent: number | null }[]> {
    const now = this.#clock.now()
    const today = DateTime.fromJSDate(now, { zone: ukZone }).startOf('day')
    const spans = Array.from({ length: days }, (_, i) => {
      const from = today.minus({ days: days - 1 - i })
      return { day: from.toISODate()!, from: from.toJSDate(), to: from.plus({ days: 1 }).toJSDate() }
    })
    const figures = await this.#db.withForce(forceId, (tx) => this.#repo.hoursByDay(tx, spans, now))
    const hours = (s: number) => Math.round(s / 360) / 10
    return spans.map((span, i) => {
      const f = figures[i]!
      return {
        day: span.day,
        rosteredHours: hours(f.rosteredSeconds),
        readyHours: hours(f.readySeconds),
        readyPercent: f.rosteredSeconds === 0 ? null : Math.round((100 * f.readySeconds) / f.rosteredSeconds),
      }
    })
  }
}

function receipt(
  status: RosterReceipt['status'],
  r: Pick<RosterRow, 'id' | 'rosterRef' | 'shifts' | 'replaced' | 'periodStart' | 'periodEnd'>,
): RosterReceipt {
  return {
    status,
    roster: r.id,
    rosterId: r.rosterRef,
    shifts: r.shifts,
    replaced: r.replaced,
    periodStart: r.periodStart.toISOString(),
    periodEnd: r.periodEnd.toISOString(),
  }
}
