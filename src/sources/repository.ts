// The only SQL over the raw inbox (`source_events`) and mapping profiles.
import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { rowsWithDates as rows } from '../cases/repository.ts'
import type { Tx } from '../platform/db/database.ts'
import type { SourceSystem } from './default-profiles.ts'
import type { MappingProfile } from './mapping.ts'

export type InboxStatus = 'received' | 'applied' | 'quarantined' | 'duplicate' | 'superseded'

export interface InboxRow {
  id: string
  forceId: string
  sourceSystem: SourceSystem
  sourceEventId: string
  eventType: string | null
  contentType: string
  payload: string
  originalPayload: string | null
  occurredAt: Date | null
  receivedAt: Date
  processedAt: Date | null
  status: InboxStatus
  reason: string | null
  warnings: string[]
  profileVersion: number | null
  attempts: number
}

export interface ProfileRow {
  id: string
  sourceSystem: SourceSystem
  version: number
  document: MappingProfile
  note: string | null
  /** The sample event the version was saved with; publishing runs it first. */
  sample: string | null
  createdBy: string | null
  createdAt: Date
  /** When the version was last published (put in use), if ever. */
  publishedAt: Date | null
}

export interface SourceHealthRow {
  sourceSystem: SourceSystem
  lastReceivedAt: Date | null
  /** Events received, repeats not counted. */
  received24h: number
  applied24h: number
  /** Events that could not be applied when they arrived, including those since replayed. */
  quarantined24h: number
  quarantined: number
  superseded24h: number
  duplicates24h: number
  lagSeconds: number | null
}

const inboxColumns =
  sql.raw(`id, force_id as "forceId", source_system as "sourceSystem", source_event_id as "sourceEventId",
  event_type as "eventType", content_type as "contentType", payload, original_payload as "originalPayload",
  occurred_at as "occurredAt", received_at as "receivedAt", processed_at as "processedAt", status, reason, warnings,
  profile_version as "profileVersion", attempts`)

export class SourceRepository {
  /**
   * Stores events as received, in order, in two statements at most: the first of each source
   * event id is stored 'received'; a repeat of a live event id (held before, or earlier in the
   * same list) is stored as 'duplicate' and names the live one.
   */
  async receiveMany(
    tx: Tx,
    events: {
      forceId: string
      sourceSystem: string
      sourceEventId: string
      contentType: string
      payload: string
      now: Date
    }[],
  ): Promise<{ id: string; duplicateOf?: string }[]> {
    const stored: { id: string; duplicateOf?: string }[] = events.map(() => ({ id: randomUUID() }))
    const firstOf = new Map<string, number>()
    events.forEach((e, i) => {
      const key = `${e.sourceSystem}|${e.sourceEventId}`
      if (!firstOf.has(key)) firstOf.set(key, i)
    })
    const firsts = [...firstOf.values()].map((i) => ({ ...events[i]!, id: stored[i]!.id }))
    const inserted = new Set(
      (
        await rows<{ id: string }>(
          tx,
          sql`insert into source_events (id, force_id, source_system, source_event_id, content_type, payload, received_at,
                status, updated_at)
              select id, "forceId", "sourceSystem", "sourceEventId", "contentType", payload, now, 'received', now
              from jsonb_to_recordset(${JSON.stringify(firsts)}::jsonb) as v(id uuid, "forceId" text,
                "sourceSystem" text, "sourceEventId" text, "contentType" text, payload text, now timestamptz)
              on conflict (force_id, source_system, source_event_id) where status <> 'duplicate' do nothing
              returning id`,
        )
      ).map((r) => r.id),
    )
    const repeats = events.flatMap((e, i) => (inserted.has(stored[i]!.id) ? [] : [{ ...e, at: i }]))
    if (!repeats.length) return stored
    const live = new Map(
      (
        await rows<{ id: string; sourceSystem: string; sourceEventId: string }>(
          tx,
          sql`select id, source_system as "sourceSystem", source_event_id as "sourceEventId" from source_events s
              join jsonb_to_recordset(${JSON.stringify(repeats)}::jsonb) as v("sourceSystem" text, "sourceEventId" text)
                on v."sourceSystem" = s.source_system and v."sourceEventId" = s.source_event_id
              where s.force_id = waypoint_current_force() and s.status <> 'duplicate'`,
        )
      ).map((r) => [`${r.sourceSystem}|${r.sourceEventId}`, r.id]),
    )
    const duplicates = repeats.map((e) => {
      const duplicateOf = live.get(`${e.sourceSystem}|${e.sourceEventId}`)
      if (!duplicateOf) throw new Error(`No live inbox event for repeat ${e.sourceEventId}`)
      stored[e.at] = { id: stored[e.at]!.id, duplicateOf }
      return { ...e, id: stored[e.at]!.id, reason: `repeat of inbox event ${duplicateOf}; no effect` }
    })
    await tx.execute(
      sql`insert into source_events (id, force_id, source_system, source_event_id, content_type, payload, received_at,
            processed_at, status, reason, updated_at)
          select id, "forceId", "sourceSystem", "sourceEventId", "contentType", payload, now, now, 'duplicate', reason, now
          from jsonb_to_recordset(${JSON.stringify(duplicates)}::jsonb) as v(id uuid, "forceId" text,
            "sourceSystem" text, "sourceEventId" text, "contentType" text, payload text, now timestamptz, reason text)`,
    )
    return stored
  }

  /** Records how each event was processed, in one statement. */
  async recordOutcomes(
    tx: Tx,
    outcomes: {
      id: string
      status: InboxStatus
      reason: string | null
      warnings: string[]
      eventType?: string
      occurredAt?: Date
      profileVersion: number | null
    }[],
    now: Date,
  ): Promise<void> {
    if (!outcomes.length) return
    await tx.execute(
      sql`update source_events e set status = v.status, reason = v.reason, warnings = coalesce(v.warnings, '[]'),
            event_type = coalesce(v."eventType", e.event_type), occurred_at = coalesce(v."occurredAt", e.occurred_at),
            profile_version = v."profileVersion", processed_at = ${now}, attempts = e.attempts + 1, updated_at = ${now}
          from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) as v(id uuid, status text, reason text,
            warnings jsonb, "eventType" text, "occurredAt" timestamptz, "profileVersion" integer)
          where e.id = v.id`,
    )
  }

  async event(tx: Tx, id: string): Promise<InboxRow | undefined> {
    const [row] = await rows<InboxRow>(tx, sql`select ${inboxColumns} from source_events where id = ${id}`)
    return row
  }

  /**
   * Quarantined events of the force, counting at most `cap`, optionally only those received
   * since `since`: read from source_events_by_status (status, received), which holds the few
   * quarantined events apart from the many applied ones.
   */
  async countQuarantined(tx: Tx, forceId: string, cap: number, since?: Date): Promise<number> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from (
            select 1 from source_events
            where status = 'quarantined' and force_id = ${forceId}
              and received_at >= ${since?.toISOString() ?? '-infinity'}::timestamptz
            limit ${cap}
          ) found`,
    )
    return row?.n ?? 0
  }

  /** When the force last received an event from `sourceSystem` that was applied (one index probe). */
  async lastApplied(tx: Tx, forceId: string, sourceSystem: string): Promise<Date | null> {
    const [row] = await rows<{ at: Date | string | null }>(
      tx,
      sql`select received_at as at from source_events
          where force_id = ${forceId} and source_system = ${sourceSystem} and status = 'applied'
          order by received_at desc limit 1`,
    )
    return row?.at ? new Date(row.at) : null
  }

  async events(
    tx: Tx,
    filter: { status?: InboxStatus; sourceSystem?: string; limit: number },
  ): Promise<InboxRow[]> {
    return rows<InboxRow>(
      tx,
      sql`select ${inboxColumns} from source_events
          where (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
            and (${filter.sourceSystem ?? null}::text is null or source_system = ${filter.sourceSystem ?? null})
          order by received_at desc limit ${filter.limit}`,
    )
  }

  /**
   * Gives an inbox event the id it states, once it can be read. If another live event holds that
   * id, this one is a repeat of it: it is marked 'duplicate' (no effect) and the live one's id is
   * returned.
   */
  async takeEventId(tx: Tx, id: string, sourceEventId: string, now: Date): Promise<string | undefined> {
    const [live] = await rows<{ id: string }>(
      tx,
      sql`select o.id from source_events e join source_events o on o.force_id = e.force_id
            and o.source_system = e.source_system and o.source_event_id = ${sourceEventId}
            and o.status <> 'duplicate' and o.id <> e.id
          where e.id = ${id} limit 1`,
    )
    if (live) {
      await tx.execute(
        sql`update source_events set status = 'duplicate', source_event_id = ${sourceEventId},
              reason = ${`repeat of inbox event ${live.id}; no effect`}, processed_at = ${now},
              attempts = attempts + 1, updated_at = ${now}
            where id = ${id}`,
      )
      return live.id
    }
    await tx.execute(
      sql`update source_events set source_event_id = ${sourceEventId}, updated_at = ${now} where id = ${id}`,
    )
    return undefined
  }

  /** The live event a discarded repeat was a repeat of, if it is still held. */
  async liveEventFor(tx: Tx, id: string): Promise<InboxRow | undefined> {
    const [live] = await rows<InboxRow>(
      tx,
      sql`select ${inboxColumns} from source_events o where o.id = (
            select l.id from source_events e join source_events l on l.force_id = e.force_id
              and l.source_system = e.source_system and l.source_event_id = e.source_event_id
              and l.status <> 'duplicate' and l.id <> e.id
            where e.id = ${id} limit 1)`,
    )
    return live
  }

  /**
   * A discarded repeat that differs from the event it repeated becomes the live event for its
   * id, to be applied; the event it replaces is kept, marked as replaced, with no further effect.
   */
  async promoteRepeat(tx: Tx, repeatId: string, liveId: string | undefined, now: Date): Promise<void> {
    if (liveId)
      await tx.execute(
        sql`update source_events set status = 'duplicate',
              reason = ${`replaced by inbox event ${repeatId}, a differing repeat replayed by a person`},
              updated_at = ${now}
            where id = ${liveId}`,
      )
    await tx.execute(
      sql`update source_events set status = 'received', reason = null, updated_at = ${now} where id = ${repeatId}`,
    )
  }

  async correctPayload(tx: Tx, id: string, payload: string, now: Date): Promise<void> {
    await tx.execute(
      sql`update source_events set original_payload = coalesce(original_payload, payload), payload = ${payload},
            updated_at = ${now} where id = ${id}`,
    )
  }

  async quarantinedIds(tx: Tx, sourceSystem: string | undefined, limit: number): Promise<string[]> {
    const found = await rows<{ id: string }>(
      tx,
      sql`select id from source_events where status = 'quarantined'
            and (${sourceSystem ?? null}::text is null or source_system = ${sourceSystem ?? null})
          order by received_at limit ${limit}`,
    )
    return found.map((r) => r.id)
  }

  async health(tx: Tx, since: Date): Promise<SourceHealthRow[]> {
    const found = await rows<SourceHealthRow>(
      tx,
      sql`select source_system as "sourceSystem", max(received_at) as "lastReceivedAt",
            count(*) filter (where received_at >= ${since} and status <> 'duplicate')::int as "received24h",
            count(*) filter (where received_at >= ${since} and status = 'applied')::int as "applied24h",
            count(*) filter (where received_at >= ${since} and status <> 'duplicate' and first_quarantined_at is not null)::int as "quarantined24h",
            count(*) filter (where status = 'quarantined')::int as "quarantined",
            count(*) filter (where received_at >= ${since} and status = 'superseded')::int as "superseded24h",
            count(*) filter (where received_at >= ${since} and status = 'duplicate')::int as "duplicates24h",
            (extract(epoch from avg(received_at - occurred_at) filter (where received_at >= ${since} and occurred_at is not null)))::float8 as "lagSeconds"
          from source_events group by source_system order by source_system`,
    )
    return found
  }

  /** The version in use: the one published (or reverted to) last. */
  async currentProfile(tx: Tx, sourceSystem: string): Promise<ProfileRow | undefined> {
    const [row] = await rows<ProfileRow>(
      tx,
      sql`select ${profileColumns} from mapping_profile_publications p
          join mapping_profiles m on m.force_id = p.force_id and m.source_system = p.source_system and m.version = p.version
          where p.source_system = ${sourceSystem} order by p.id desc limit 1`,
    )
    return row
  }

  async profileVersions(tx: Tx, sourceSystem: string): Promise<ProfileRow[]> {
    return rows<ProfileRow>(
      tx,
      sql`select ${profileColumns} from mapping_profiles m where m.source_system = ${sourceSystem} order by m.version desc`,
    )
  }

  async profileVersion(tx: Tx, sourceSystem: string, version: number): Promise<ProfileRow | undefined> {
    const [row] = await rows<ProfileRow>(
      tx,
      sql`select ${profileColumns} from mapping_profiles m where m.source_system = ${sourceSystem} and m.version = ${version}`,
    )
    return row
  }

  async addProfileVersion(
    tx: Tx,
    p: {
      forceId: string
      sourceSystem: string
      document: MappingProfile
      sample: string | null
      note: string | null
      createdBy: string | null
      now: Date
    },
  ): Promise<number> {
    const [row] = await rows<{ version: number }>(
      tx,
      sql`insert into mapping_profiles (force_id, source_system, version, document, sample, note, created_by, created_at)
          select ${p.forceId}, ${p.sourceSystem}, coalesce(max(version), 0) + 1, ${JSON.stringify(p.document)}::jsonb,
            ${p.sample}, ${p.note}, ${p.createdBy}, ${p.now}
          from mapping_profiles where source_system = ${p.sourceSystem} returning version`,
    )
    return row!.version
  }

  /** Puts a saved version in use (publishing it, or reverting to it). */
  async publishProfile(
    tx: Tx,
    p: {
      forceId: string
      sourceSystem: string
      version: number
      kind: 'published' | 'reverted'
      by: string | null
      now: Date
    },
  ): Promise<void> {
    await tx.execute(
      sql`insert into mapping_profile_publications (force_id, source_system, version, kind, published_by, published_at)
          values (${p.forceId}, ${p.sourceSystem}, ${p.version}, ${p.kind}, ${p.by}, ${p.now})`,
    )
  }
}

const profileColumns =
  sql.raw(`m.id, m.source_system as "sourceSystem", m.version, m.document, m.note, m.sample,
  m.created_by as "createdBy", m.created_at as "createdAt",
  (select max(q.published_at) from mapping_profile_publications q
    where q.force_id = m.force_id and q.source_system = m.source_system and q.version = m.version) as "publishedAt"`)

/**
 * Version 1 of every force's profile for each source, when it has none (idempotent; system role).
 * Every process runs it at start: one look-up, then one insert of the profiles that are missing
 * (none, after the first start) and one of their first publications, instead of two statements
 * for each force and source.
 */
export async function seedDefaultProfiles(
  tx: Tx,
  profiles: { forceId: string; sourceSystem: string; document: MappingProfile }[],
): Promise<void> {
  if (profiles.length === 0) return
  const present = new Set(
    (
      await rows<{ key: string }>(
        tx,
        sql`select force_id || '/' || source_system as key from mapping_profiles where version = 1`,
      )
    ).map((r) => r.key),
  )
  const missing = profiles.filter((p) => !present.has(`${p.forceId}/${p.sourceSystem}`))
  if (missing.length > 0)
    await tx.execute(
      sql`insert into mapping_profiles (force_id, source_system, version, document, note)
          select p.force_id, p.source_system, 1, p.document, 'Waypoint default'
            from jsonb_to_recordset(${JSON.stringify(
              missing.map((p) => ({
                force_id: p.forceId,
                source_system: p.sourceSystem,
                document: p.document,
              })),
            )}::jsonb) as p(force_id text, source_system text, document jsonb)
          on conflict (force_id, source_system, version) do nothing`,
    )
  await tx.execute(
    sql`insert into mapping_profile_publications (force_id, source_system, version, kind)
        select p.force_id, p.source_system, 1, 'published'
          from jsonb_to_recordset(${JSON.stringify(
            profiles.map((p) => ({ force_id: p.forceId, source_system: p.sourceSystem })),
          )}::jsonb) as p(force_id text, source_system text)
         where not exists (select 1 from mapping_profile_publications q
           where q.force_id = p.force_id and q.source_system = p.source_system)`,
  )
}
