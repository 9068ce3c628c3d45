// Teams of contact handlers (decision 0047): a contact supervisor or force administrator makes the
// force's teams, names each one's leader (one of the force's contact supervisors) and puts the
// force's handlers in them, one team per handler. Quality assurance, the wallboard and the
// standard reports are filtered by team; a team leader sees their own team first. A contact counts
// in the team it was handled in at the time (migration 1420), and time not ready in the team the
// handler was in then (their spells in teams), so a handler who moves leaves their past behind.
// Every change is audited; the tables have row-level security per force (migrations 1370, 1420),
// so another force's team or person is "not found".
import { type SQL, sql } from 'drizzle-orm'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { type FieldError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { type Acting, auditActing } from './queue.ts'

export const TEAM_NAME_MAX = 60
/** Teams a force may have. */
export const TEAMS_MAX = 100

export interface Team {
  id: string
  name: string
  leaderId: string | null
  leaderName: string | null
  members: number
}

export interface TeamMember {
  staffId: string
  name: string
}

export interface StaffChoice {
  staffId: string
  name: string
  teamId: string | null
  teamName: string | null
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The staff of the force holding `role` now (row-level security keeps them to the force). */
const holding = (role: string) => sql`select u.id as "staffId", u.display_name as name from staff_users u
  where u.disabled_at is null and exists (select 1 from staff_role_grants g
    where g.user_id = u.id and g.revoked_at is null and g.role = ${role})`

/**
 * SQL keeping rows whose staff column is a member of the team now, or `true` for the whole force:
 * for what is live (handlers by state, the roster now). Used inside a force's transaction, so the
 * team is always the force's own.
 */
export function inTeam(column: SQL, teamId: string | null | undefined): SQL {
  return teamId
    ? sql`${column} in (select m.staff_id from contact_team_members m where m.team_id = ${teamId})`
    : sql`true`
}

/**
 * SQL keeping contacts handled in the team (their `team_id`, the team of the handler they are
 * with or last were, at the time: migration 1420), or `true` for the whole force. A handler who
 * moves team leaves their past contacts with the team they were in.
 */
export function handledIn(teamColumn: SQL, teamId: string | null | undefined): SQL {
  return teamId ? sql`${teamColumn} = ${teamId}` : sql`true`
}

export class TeamsService {
  readonly #db: Database
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: { db: Database; clock: Clock; audit: AuditService }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  list(forceId: string): Promise<Team[]> {
    return this.#db.withForce(forceId, (tx) => this.#teams(tx))
  }

  #teams(tx: Tx, id?: string): Promise<Team[]> {
    return rows<Team>(
      tx,
      sql`select t.id, t.name, t.leader_id as "leaderId", u.display_name as "leaderName",
            (select count(*)::int from contact_team_members m where m.team_id = t.id) as members
          from contact_teams t left join staff_users u on u.id = t.leader_id
          where ${id ? sql`t.id = ${id}` : sql`true`}
          order by lower(t.name), t.id`,
    )
  }

  /** The team a supervisor leads (the first by name if several), to show them first. */
  async ledBy(forceId: string, staffId: string): Promise<string | null> {
    const [row] = await this.#db.withForce(forceId, (tx) =>
      rows<{ id: string }>(
        tx,
        sql`select id from contact_teams where leader_id = ${staffId} order by lower(name), id limit 1`,
      ),
    )
    return row?.id ?? null
  }

  /** One team with its members, the force's handlers (with their team) and its supervisors. */
  team(
    forceId: string,
    id: string,
  ): Promise<{ team: Team; members: TeamMember[]; handlers: StaffChoice[]; supervisors: TeamMember[] }> {
    if (!uuid.test(id)) throw new NotFoundError('The team')
    return this.#db.withForce(forceId, async (tx) => {
      const [team] = await this.#teams(tx, id)
      if (!team) throw new NotFoundError('The team')
      const members = await rows<TeamMember>(
        tx,
        sql`select m.staff_id as "staffId", u.display_name as name from contact_team_members m
            join staff_users u on u.id = m.staff_id where m.team_id = ${id} order by u.display_name, m.staff_id`,
      )
      return { team, members, handlers: await this.#handlers(tx), supervisors: await this.#supervisors(tx) }
    })
  }

  /** The force's supervisors, who may lead a team. */
  supervisors(forceId: string): Promise<TeamMember[]> {
    return this.#db.withForce(forceId, (tx) => this.#supervisors(tx))
  }

  #supervisors(tx: Tx): Promise<TeamMember[]> {
    return rows<TeamMember>(
      tx,
      sql`select * from (${holding('contact_supervisor')}) s order by name, "staffId"`,
    )
  }

  #handlers(tx: Tx): Promise<StaffChoice[]> {
    return rows<StaffChoice>(
      tx,
      sql`select h."staffId", h.name, m.team_id as "teamId", t.name as "teamName"
          from (${holding('contact_handler')}) h
          left join contact_team_members m on m.staff_id = h."staffId"
          left join contact_teams t on t.id = m.team_id
          order by h.name, h."staffId"`,
    )
  }

  /** Each handler's team, by staff id (for the queue's handlers table). */
  async teamOf(forceId: string): Promise<Record<string, string>> {
    const found = await this.#db.withForce(forceId, (tx) =>
      rows<{ staffId: string; name: string }>(
        tx,
        sql`select m.staff_id as "staffId", t.name from contact_team_members m join contact_teams t on t.id = m.team_id`,
      ),
    )
    return Object.fromEntries(found.map((r) => [r.staffId, r.name]))
  }

  async #checked(
    tx: Tx,
    input: { name?: string; leader?: string },
    except: string | null,
  ): Promise<{ name: string; leaderId: string | null }> {
    const name = (input.name ?? '').trim()
    const leader = (input.leader ?? '').trim()
    const errors: FieldError[] = []
    if (!name) errors.push({ field: 'name', message: 'Enter the team’s name' })
    else if (name.length > TEAM_NAME_MAX)
      errors.push({ field: 'name', message: `The team’s name must be ${TEAM_NAME_MAX} characters or fewer` })
    else {
      const clash = await rows(
        tx,
        sql`select 1 from contact_teams where lower(name) = lower(${name})
            and ${except ? sql`id <> ${except}` : sql`true`}`,
      )
      if (clash.length)
        errors.push({ field: 'name', message: 'Your force already has a team with this name' })
    }
    if (leader && !(uuid.test(leader) && (await this.#supervisors(tx)).some((s) => s.staffId === leader)))
      errors.push({ field: 'leader', message: 'Choose one of your force’s contact supervisors, or nobody' })
    if (errors.length) throw new ValidationError(errors)
    return { name, leaderId: leader || null }
  }

  async create(forceId: string, input: { name?: string; leader?: string }, acting: Acting): Promise<string> {
    return this.#db.withForce(forceId, async (tx) => {
      const team = await this.#checked(tx, input, null)
      const [{ n } = { n: 0 }] = await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from contact_teams`,
      )
      if (n >= TEAMS_MAX)
        throw new ValidationError([{ field: 'name', message: `A force has at most ${TEAMS_MAX} teams` }])
      const now = this.#clock.now()
      const [added] = await rows<{ id: string }>(
        tx,
        sql`insert into contact_teams (force_id, name, leader_id, created_at, updated_at)
            values (${forceId}, ${team.name}, ${team.leaderId}, ${now}, ${now}) returning id`,
      )
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.team-created',
        recordType: 'contact-team',
        recordId: added!.id,
        detail: team,
      })
      return added!.id
    })
  }

  async update(
    forceId: string,
    id: string,
    input: { name?: string; leader?: string },
    acting: Acting,
  ): Promise<void> {
    if (!uuid.test(id)) throw new NotFoundError('The team')
    await this.#db.withForce(forceId, async (tx) => {
      const [before] = await this.#teams(tx, id)
      if (!before) throw new NotFoundError('The team')
      const team = await this.#checked(tx, input, id)
      await tx.execute(
        sql`update contact_teams set name = ${team.name}, leader_id = ${team.leaderId}, updated_at = ${this.#clock.now()}
            where id = ${id}`,
      )
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.team-changed',
        recordType: 'contact-team',
        recordId: id,
        detail: { ...team, was: { name: before.name, leaderId: before.leaderId } },
      })
    })
  }

  async remove(forceId: string, id: string, acting: Acting): Promise<void> {
    if (!uuid.test(id)) throw new NotFoundError('The team')
    await this.#db.withForce(forceId, async (tx) => {
      const gone = await rows<{ name: string }>(
        tx,
        sql`delete from contact_teams where id = ${id} returning name`,
      )
      if (!gone.length) throw new NotFoundError('The team')
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.team-removed',
        recordType: 'contact-team',
        recordId: id,
        detail: { name: gone[0]!.name },
      })
    })
  }

  /** Puts one of the force's handlers in the team, taking them out of any other. */
  async addMember(forceId: string, id: string, input: { handler?: string }, acting: Acting): Promise<void> {
    if (!uuid.test(id)) throw new NotFoundError('The team')
    const staffId = (input.handler ?? '').trim()
    await this.#db.withForce(forceId, async (tx) => {
      const [team] = await this.#teams(tx, id)
      if (!team) throw new NotFoundError('The team')
      const handler = uuid.test(staffId)
        ? (await this.#handlers(tx)).find((h) => h.staffId === staffId)
        : undefined
      if (!handler)
        throw new ValidationError([
          { field: 'handler', message: 'Choose one of your force’s contact handlers' },
        ])
      if (handler.teamId === id)
        throw new ValidationError([{ field: 'handler', message: `${handler.name} is already in this team` }])
      const now = this.#clock.now()
      await tx.execute(
        sql`insert into contact_team_members (force_id, team_id, staff_id, added_at)
            values (${forceId}, ${id}, ${staffId}, ${now})
            on conflict (force_id, staff_id) do update set team_id = excluded.team_id, added_at = excluded.added_at`,
      )
      await this.#endSpell(tx, staffId, now)
      await tx.execute(
        sql`insert into contact_team_spells (force_id, team_id, staff_id, joined_at)
            values (${forceId}, ${id}, ${staffId}, ${now})`,
      )
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.team-member-added',
        recordType: 'contact-team',
        recordId: id,
        detail: { staffId, from: handler.teamId },
      })
    })
  }

  /** Ends the handler's open spell in a team (the history of who was in which team, migration 1420). */
  async #endSpell(tx: Tx, staffId: string, at: Date): Promise<void> {
    await tx.execute(
      sql`update contact_team_spells set left_at = greatest(joined_at, ${at}::timestamptz)
          where staff_id = ${staffId} and left_at is null`,
    )
  }

  async removeMember(forceId: string, id: string, staffId: string, acting: Acting): Promise<void> {
    if (!uuid.test(id) || !uuid.test(staffId)) throw new NotFoundError('The team member')
    await this.#db.withForce(forceId, async (tx) => {
      const gone = await rows(
        tx,
        sql`delete from contact_team_members where team_id = ${id} and staff_id = ${staffId} returning staff_id`,
      )
      if (!gone.length) throw new NotFoundError('The team member')
      await this.#endSpell(tx, staffId, this.#clock.now())
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.team-member-removed',
        recordType: 'contact-team',
        recordId: id,
        detail: { staffId },
      })
    })
  }
}
