// The only code that touches duty rosters' tables (migration 1260): rosters taken from the force's
// duty management system, their shifts, and the staff a roster row names.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

export interface RosterRow {
  id: string
  rosterRef: string
  source: 'api' | 'upload'
  systemName: string | null
  periodStart: Date
  periodEnd: Date
  shifts: number
  replaced: number
  importedByName: string
  importedAt: Date
}

export interface StaffMatch {
  id: string
  email: string
  hrEmployeeId: string | null
  collar: string | null
  handler: boolean
}

export interface ShiftNow {
  staffId: string
  endsAt: Date
  team: string | null
}

const dates = <T extends object>(row: T): T => {
  const fields = row as Record<string, unknown>
  for (const key of Object.keys(fields))
    if ((key.endsWith('At') || key.startsWith('period')) && typeof fields[key] === 'string')
      fields[key] = new Date(fields[key])
  return row
}

const rosterColumns = sql`id, roster_ref as "rosterRef", source, system_name as "systemName",
  period_start as "periodStart", period_end as "periodEnd", shifts, replaced,
  imported_by_name as "importedByName", imported_at as "importedAt"`

export class DutiesRepository {
  /** Imports of one force are taken one at a time, so a roster id is taken once. */
  async lock(tx: Tx, forceId: string): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('contact-roster'), hashtext(${forceId}))`)
  }

  async rosterByRef(tx: Tx, rosterRef: string): Promise<RosterRow | undefined> {
    const [row] = await rows<RosterRow>(
      tx,
      sql`select ${rosterColumns} from contact_rosters where roster_ref = ${rosterRef}`,
    )
    return row ? dates(row) : undefined
  }

  async recent(tx: Tx, limit: number): Promise<RosterRow[]> {
    return (
      await rows<RosterRow>(
        tx,
        sql`select ${rosterColumns} from contact_rosters order by imported_at desc, id limit ${limit}`,
      )
    ).map(dates)
  }

  /**
   * The force's active staff a roster may name, with their email, payroll (HR employee) number and
   * collar number, and whether they hold the contact handler role.
   */
  async staff(tx: Tx, forceId: string): Promise<StaffMatch[]> {
    return rows<StaffMatch>(
      tx,
      sql`select s.id, s.email, s.hr_employee_id as "hrEmployeeId", o.collar,
            exists (select 1 from staff_role_grants g where g.user_id = s.id and g.role = 'contact_handler'
              and g.revoked_at is null) as handler
          from staff_users s left join officer_profiles o on o.staff_id = s.id
          where s.force_id = ${forceId} and s.disabled_at is null`,
    )
  }

  async insertRoster(
    tx: Tx,
    r: {
      forceId: string
      rosterRef: string
      source: 'api' | 'upload'
      systemName: string | null
      periodStart: Date
      periodEnd: Date
      shifts: number
      replaced: number
      importedByName: string
      at: Date
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_rosters (force_id, roster_ref, source, system_name, period_start, period_end, shifts,
            replaced, imported_by_name, imported_at)
          values (${r.forceId}, ${r.rosterRef}, ${r.source}, ${r.systemName}, ${r.periodStart}, ${r.periodEnd},
            ${r.shifts}, ${r.replaced}, ${r.importedByName}, ${r.at})
          returning id`,
    )
    return row!.id
  }

  /** Removes the shifts of earlier rosters that start in the period; returns how many. */
  async replaceShifts(tx: Tx, from: Date, to: Date): Promise<number> {
    const gone = await rows<{ id: string }>(
      tx,
      sql`delete from contact_roster_shifts where starts_at >= ${from} and starts_at < ${to} returning id`,
    )
    return gone.length
  }

  async insertShifts(
    tx: Tx,
    forceId: string,
    rosterId: string,
    shifts: { staffId: string; startsAt: Date; endsAt: Date; skills: string[]; team: string | null }[],
  ): Promise<void> {
    for (let i = 0; i < shifts.length; i += 200) {
      const chunk = shifts.slice(i, i + 200)
      await tx.execute(
        sql`insert into contact_roster_shifts (force_id, roster_id, staff_id, starts_at, ends_at, skills, team)
            values ${sql.join(
              chunk.map(
                (s) =>
                  sql`(${forceId}, ${rosterId}, ${s.staffId}, ${s.startsAt}, ${s.endsAt},
                    ${sql`array[${sql.join(
                      s.skills.map((k) => sql`${k}`),
                      sql`, `,
                    )}]::text[]`}, ${s.team})`,
              ),
              sql`, `,
            )}`,
      )
    }
  }

  /** The shifts under way at `at`, one per handler (the one ending last). */
  async onDuty(tx: Tx, at: Date): Promise<ShiftNow[]> {
    return (
      await rows<ShiftNow>(
        tx,
        sql`select distinct on (staff_id) staff_id as "staffId", ends_at as "endsAt", team
            from contact_roster_shifts where starts_at <= ${at} and ends_at > ${at}
            order by staff_id, ends_at desc`,
      )
    ).map(dates)
  }

  /**
   * For each day (UK midnights), the seconds handlers were rostered and the seconds they were
   * ready, each counted within the day (and ready time up to `now`), in one reading.
   */
  async hoursByDay(
    tx: Tx,
    days: { from: Date; to: Date }[],
    now: Date,
  ): Promise<{ rosteredSeconds: number; readySeconds: number }[]> {
    if (days.length === 0) return []
    const stamps = (values: Date[]) =>
      sql`array[${sql.join(
        values.map((v) => sql`${v.toISOString()}`),
        sql`, `,
      )}]::timestamptz[]`
    const found = await rows<{ i: number; rostered: number; ready: number }>(
      tx,
      sql`select d.i::int as i,
            coalesce((select sum(extract(epoch from least(s.ends_at, d.day_to) - greatest(s.starts_at, d.day_from)))
              from contact_roster_shifts s where s.starts_at < d.day_to and s.ends_at > d.day_from), 0)::float8
              as rostered,
            coalesce((select sum(extract(epoch from
                least(coalesce(a.ended_at, ${now}::timestamptz), ${now}::timestamptz, d.day_to)
                - greatest(a.started_at, d.day_from)))
              from contact_agent_states a where a.state = 'ready'
                and a.started_at < least(d.day_to, ${now}::timestamptz)
                and coalesce(a.ended_at, ${now}::timestamptz) > d.day_from), 0)::float8 as ready
          from unnest(${stamps(days.map((d) => d.from))}, ${stamps(days.map((d) => d.to))})
            with ordinality as d(day_from, day_to, i)
          order by d.i`,
    )
    return days.map((_, index) => {
      const row = found.find((f) => f.i === index + 1)
      return {
        rosteredSeconds: Math.round(row?.rostered ?? 0),
        readySeconds: Math.max(0, Math.round(row?.ready ?? 0)),
      }
    })
  }
}
