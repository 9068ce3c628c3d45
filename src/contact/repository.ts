// The only code that touches Contact's own tables (links between records of one person, and the
// corrections staff sent back to the sources), and the single view's reads. The single view reads,
// and never writes, what other capabilities hold about a person: case timelines (cases), journey
// messages (messaging) and conversation messages (conversations), each newest first by key, in
// one statement a source, so a page costs the same at a year of a force's data as at a day.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

/** Where an entry of the single view came from, as its badge and filter name it. */
export const timelineSources = [
  'cad',
  'rms',
  'case',
  'journey',
  'portal',
  'sms',
  'email',
  'chat',
  'phone',
  'letter',
] as const
export type TimelineSource = (typeof timelineSources)[number]

export interface TimelineEntry {
  /** When it happened: UTC, fixed width, microseconds (the page key's first half). */
  at: string
  /** Unique across sources and ordered within each (the page key's second half). */
  key: string
  source: TimelineSource
  direction: 'inbound' | 'outbound' | null
  title: string
  body: string | null
  status: string | null
  /** The record it belongs to in the console, if any. */
  href: string | null
  personId: string
}

/** A THRIVE assessment of one of the person's contacts, as a summary reads it. */
export interface ThriveEntry {
  id: string
  at: string
  grading: string
  reasons: string[]
  note: string | null
  vulnerable: boolean
  itemId: string
}

/** The position after which a page starts (newest first): the last entry's `at` and `key`. */
export interface TimelineCursor {
  at: string
  key: string
}

export interface LinkRow {
  id: string
  personId: string
  mergedPersonId: string
  confidence: number
  reasons: string[]
  mergedBy: string
  mergedAt: Date
  unmergedBy: string | null
  unmergedAt: Date | null
  unmergeReason: string | null
  mergedName: string | null
  personName: string | null
}

/** What identity resolution compares between a person and a candidate, as the database found it. */
export interface CandidateFacts {
  id: string
  displayName: string | null
  dateOfBirth: string | null
  nameSimilarity: number
  surnameSoundsAlike: boolean
  forenameSoundsAlike: boolean
  birthExact: boolean
  /** Dates of birth one keystroke apart, or with day and month swapped. */
  birthNear: boolean
  sharedPhone: boolean
  sharedEmail: boolean
  addressSimilarity: number
  /** The candidate is already merged into someone's view. */
  mergedInto: string | null
  identities: string[]
}

export interface ClaimValue {
  personId: string
  field: string
  value: string
  sourceSystem: string
  lastSeenAt: Date
}

export interface CorrectionRow {
  id: string
  personId: string
  field: string
  value: string
  sources: string[]
  writebackEntryIds: string[]
  correctedBy: string
  correctedAt: Date
}

const utc = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`)
const idList = (ids: readonly string[]) =>
  sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::text[]`
const uuidList = (ids: readonly string[]) =>
  sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`

export class ContactRepository {
  /** The records merged into `personId`'s view now (not those unmerged). */
  async activeLinks(tx: Tx, personId: string): Promise<LinkRow[]> {
    return this.#links(tx, sql`l.person_id = ${personId} and l.unmerged_at is null`)
  }

  /** Every link that involves the person, merged or undone, newest first. */
  async linksOf(tx: Tx, personId: string): Promise<LinkRow[]> {
    return this.#links(tx, sql`(l.person_id = ${personId} or l.merged_person_id = ${personId})`)
  }

  /** The view this record is merged into now, if any. */
  async mergedInto(tx: Tx, personId: string): Promise<LinkRow | undefined> {
    const [row] = await this.#links(tx, sql`l.merged_person_id = ${personId} and l.unmerged_at is null`)
    return row
  }

  async link(tx: Tx, id: string): Promise<LinkRow | undefined> {
    const [row] = await this.#links(tx, sql`l.id = ${id}`)
    return row
  }

  async #links(tx: Tx, where: ReturnType<typeof sql>): Promise<LinkRow[]> {
    const found = await rows<LinkRow>(
      tx,
      sql`select l.id, l.person_id as "personId", l.merged_person_id as "mergedPersonId", l.confidence, l.reasons,
            l.merged_by as "mergedBy", l.merged_at as "mergedAt", l.unmerged_by as "unmergedBy",
            l.unmerged_at as "unmergedAt", l.unmerge_reason as "unmergeReason",
            m.display_name as "mergedName", p.display_name as "personName"
          from contact_person_links l join people m on m.id = l.merged_person_id join people p on p.id = l.person_id
          where ${where} order by l.merged_at desc`,
    )
    return found.map((r) => ({
      ...r,
      mergedAt: new Date(r.mergedAt),
      unmergedAt: r.unmergedAt ? new Date(r.unmergedAt) : null,
    }))
  }

  async insertLink(
    tx: Tx,
    link: {
      forceId: string
      personId: string
      mergedPersonId: string
      confidence: number
      reasons: string[]
      mergedBy: string
      at: Date
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_person_links (force_id, person_id, merged_person_id, confidence, reasons, merged_by, merged_at)
          values (${link.forceId}, ${link.personId}, ${link.mergedPersonId}, ${link.confidence},
            ${JSON.stringify(link.reasons)}::jsonb, ${link.mergedBy}, ${link.at})
          returning id`,
    )
    return row!.id
  }

  async endLink(tx: Tx, id: string, by: string, at: Date, reason: string): Promise<boolean> {
    const done = await rows<{ id: string }>(
      tx,
      sql`update contact_person_links set unmerged_by = ${by}, unmerged_at = ${at}, unmerge_reason = ${reason}
          where id = ${id} and unmerged_at is null returning id`,
    )
    return done.length === 1
  }

  /**
   * One page of a person's history (the records `personIds`), newest first, after `cursor`:
   * at most `limit` entries from each source asked for, which the service merges.
   */
  async timeline(
    tx: Tx,
    forceId: string,
    personIds: readonly string[],
    sources: ReadonlySet<TimelineSource>,
    cursor: TimelineCursor | null,
    limit: number,
  ): Promise<TimelineEntry[]> {
    const after = (at: string, key: string) =>
      cursor
        ? sql`and ${sql.raw(at)} <= ${cursor.at}::timestamptz and (${sql.raw(at)}, ${sql.raw(key)}) < (${cursor.at}::timestamptz, ${cursor.key})`
        : sql``
    const found: TimelineEntry[] = []
    const caseSources = ['cad', 'rms', 'case'].filter((s) => sources.has(s as TimelineSource))
    if (caseSources.length > 0) {
      // Entries of the person's own record and of every case they are a party to. Each part reads
      // its index newest first and stops at the page's size.
      const parties = await rows<{ incidentId: string | null; crimeId: string | null }>(
        tx,
        sql`select distinct incident_id as "incidentId", crime_id as "crimeId" from case_parties
            where force_id = ${forceId} and person_id = any(${uuidList(personIds)})`,
      )
      const incidents = parties.flatMap((p) => (p.incidentId ? [p.incidentId] : []))
      const crimes = parties.flatMap((p) => (p.crimeId ? [p.crimeId] : []))
      const key = `'c:' || lpad(t.id::text, 20, '0')`
      const part = (where: ReturnType<typeof sql>) =>
        sql`(select t.id from case_timeline t where t.force_id = ${forceId} and ${where} ${after('t.occurred_at', key)}
            order by t.occurred_at desc, t.id desc limit ${limit})`
      const parts = [part(sql`t.person_id = any(${uuidList(personIds)})`)]
      if (incidents.length) parts.push(part(sql`t.incident_id = any(${uuidList(incidents)})`))
      if (crimes.length) parts.push(part(sql`t.crime_id = any(${uuidList(crimes)})`))
      const timeline = await rows<{
        at: string
        id: string
        sourceSystem: string | null
        eventType: string
        summary: string
        incidentId: string | null
        crimeId: string | null
        personId: string | null
        reference: string | null
      }>(
        tx,
        sql`select ${utc('t.occurred_at')} as at, t.id::text as id, t.source_system as "sourceSystem",
              t.event_type as "eventType", t.summary, t.incident_id as "incidentId", t.crime_id as "crimeId",
              t.person_id as "personId", coalesce(c.crime_ref, i.cad_ref) as reference
            from case_timeline t left join crimes c on c.id = t.crime_id left join incidents i on i.id = t.incident_id
            where t.id in (${sql.join(parts, sql` union `)})
            order by t.occurred_at desc, t.id desc limit ${limit}`,
      )
      for (const t of timeline) {
        const source: TimelineSource =
          t.sourceSystem === 'storm' ? 'cad' : t.sourceSystem === 'athena' ? 'rms' : 'case'
        if (!sources.has(source)) continue
        found.push({
          at: t.at,
          key: `c:${t.id.padStart(20, '0')}`,
          source,
          direction: null,
          title: t.reference ? `${t.reference}: ${t.eventType}` : t.eventType,
          body: t.summary,
          status: null,
          href: t.crimeId
            ? `/console/cases/crimes/${t.crimeId}`
            : t.incidentId
              ? `/console/cases/incidents/${t.incidentId}`
              : null,
          personId: t.personId ?? personIds[0]!,
        })
      }
    }
    if (sources.has('journey')) {
      const key = `'j:' || m.id::text`
      const journey = await rows<{
        at: string
        id: string
        channel: string
        subject: string | null
        body: string
        status: string
        personId: string
      }>(
        tx,
        sql`select ${utc('coalesce(m.sent_at, m.send_after)')} as at, m.id::text as id, m.channel, m.subject, m.body,
              m.status, m.person_id as "personId"
            from messages m
            where m.force_id = ${forceId} and m.person_id = any(${idList(personIds)}) and not m.is_test
              and m.person_id is not null
              and not exists (select 1 from conversation_messages cm where cm.message_id = m.id)
              ${after('coalesce(m.sent_at, m.send_after)', key)}
            order by coalesce(m.sent_at, m.send_after) desc, m.id desc limit ${limit}`,
      )
      for (const m of journey)
        found.push({
          at: m.at,
          key: `j:${m.id}`,
          source: 'journey',
          direction: 'outbound',
          title:
            m.subject ?? (m.channel === 'sms' ? 'Text message' : m.channel === 'email' ? 'Email' : 'Letter'),
          body: m.body,
          status: m.status,
          href: null,
          personId: m.personId,
        })
    }
    const channels = (['portal', 'sms', 'email', 'chat', 'phone', 'letter'] as const).filter((s) =>
      sources.has(s),
    )
    if (channels.length > 0) {
      const conversations = await rows<{ id: string }>(
        tx,
        sql`select id from conversations where force_id = ${forceId} and person_id = any(${uuidList(personIds)})`,
      )
      if (conversations.length > 0) {
        const key = `'m:' || m.id::text`
        const messages = await rows<{
          at: string
          id: string
          conversationId: string
          channel: TimelineSource
          direction: 'inbound' | 'outbound'
          subject: string | null
          body: string
          status: string
          personId: string
        }>(
          tx,
          sql`select ${utc('m.sent_at')} as at, m.id::text as id, m.conversation_id as "conversationId", m.channel,
                m.direction, m.subject, m.body, m.delivery_status as status, c.person_id as "personId"
              from conversation_messages m join conversations c on c.id = m.conversation_id
              where m.conversation_id = any(${uuidList(conversations.map((c) => c.id))})
                and m.channel in (${sql.join(
                  channels.map((c) => sql`${c}`),
                  sql`, `,
                )}) ${after('m.sent_at', key)}
              order by m.sent_at desc, m.id desc limit ${limit}`,
        )
        for (const m of messages)
          found.push({
            at: m.at,
            key: `m:${m.id}`,
            source: m.channel,
            direction: m.direction,
            title: m.subject ?? (m.direction === 'inbound' ? 'Message received' : 'Message sent'),
            body: m.body,
            status: m.status,
            href: `/console/conversations/${m.conversationId}`,
            personId: m.personId,
          })
      }
    }
    return found
  }

  /**
   * People who may be the same as `personId` (whose records `personIds` are in one view): found by
   * a name like theirs (trigrams), the same date of birth, the same phone number or email address,
   * or a like address, and for each what matched. At most `limit`, best name first.
   */
  async candidates(
    tx: Tx,
    forceId: string,
    personIds: readonly string[],
    limit: number,
  ): Promise<CandidateFacts[]> {
    const [me] = personIds
    return rows<CandidateFacts>(
      tx,
      sql`with me as (
            select lower(coalesce(p.display_name, '')) as name, p.date_of_birth as dob from people p where p.id = ${me}
          ),
          my_points as (
            select kind, lower(value) as v, right(regexp_replace(value, '\\D', '', 'g'), 10) as digits
            from contact_points where force_id = ${forceId} and person_id = any(${uuidList(personIds)})
          ),
          found as (
            (select p.id from people p, me where p.force_id = ${forceId} and me.name <> ''
              and lower(p.display_name) % me.name order by similarity(lower(p.display_name), me.name) desc limit 100)
            union
            (select p.id from people p, me where p.force_id = ${forceId} and p.date_of_birth = me.dob limit 100)
            union
            (select c.person_id from contact_points c join my_points m on c.kind = m.kind and lower(c.value) = m.v
              where c.force_id = ${forceId} and c.kind in ('phone', 'email') limit 100)
            union
            (select c.person_id from contact_points c join my_points m on m.kind = 'address'
              where c.force_id = ${forceId} and c.kind = 'address' and lower(c.value) % m.v limit 100)
          )
          select p.id, p.display_name as "displayName", p.date_of_birth::text as "dateOfBirth",
            similarity(lower(coalesce(p.display_name, '')), me.name) as "nameSimilarity",
            (me.name <> '' and p.display_name is not null
              and dmetaphone(regexp_replace(lower(p.display_name), '^.*\\s', '')) = dmetaphone(regexp_replace(me.name, '^.*\\s', ''))
              and dmetaphone(regexp_replace(me.name, '^.*\\s', '')) <> '') as "surnameSoundsAlike",
            (me.name <> '' and p.display_name is not null
              and dmetaphone(split_part(lower(p.display_name), ' ', 1)) = dmetaphone(split_part(me.name, ' ', 1))
              and dmetaphone(split_part(me.name, ' ', 1)) <> '') as "forenameSoundsAlike",
            coalesce(p.date_of_birth = me.dob, false) as "birthExact",
            coalesce(p.date_of_birth <> me.dob and (levenshtein(p.date_of_birth::text, me.dob::text) = 1
              or (extract(day from p.date_of_birth) = extract(month from me.dob)
                and extract(month from p.date_of_birth) = extract(day from me.dob)
                and extract(year from p.date_of_birth) = extract(year from me.dob))), false) as "birthNear",
            exists (select 1 from contact_points c join my_points m on m.kind = 'phone' and c.kind = 'phone'
              and right(regexp_replace(c.value, '\\D', '', 'g'), 10) = m.digits and length(m.digits) >= 9
              where c.person_id = p.id) as "sharedPhone",
            exists (select 1 from contact_points c join my_points m on m.kind = 'email' and c.kind = 'email'
              and lower(c.value) = m.v where c.person_id = p.id) as "sharedEmail",
            coalesce((select max(similarity(lower(c.value), m.v)) from contact_points c join my_points m
              on m.kind = 'address' and c.kind = 'address' where c.person_id = p.id), 0) as "addressSimilarity",
            (select l.person_id from contact_person_links l where l.merged_person_id = p.id and l.unmerged_at is null)
              as "mergedInto",
            array(select i.kind || ' ' || i.value || ' (' || upper(i.source_system) || ')' from person_identities i
              where i.person_id = p.id and i.kind in ('storm_nominal', 'athena_urn') order by i.kind) as identities
          from people p, me
          where p.id in (select id from found) and p.id <> all(${uuidList(personIds)})
          order by similarity(lower(coalesce(p.display_name, '')), me.name) desc, p.id
          limit ${limit}`,
    ).then((found) =>
      found.map((c) => ({
        ...c,
        nameSimilarity: Number(c.nameSimilarity),
        addressSimilarity: Number(c.addressSimilarity),
      })),
    )
  }

  /** Every value each source gave for a person's name and date of birth, across their records. */
  async claims(tx: Tx, personIds: readonly string[]): Promise<ClaimValue[]> {
    const found = await rows<ClaimValue>(
      tx,
      sql`select person_id as "personId", field, value, source_system as "sourceSystem", last_seen_at as "lastSeenAt"
          from person_claims where person_id = any(${uuidList(personIds)}) and field in ('name', 'dateOfBirth')
          order by field, last_seen_at desc`,
    )
    return found.map((c) => ({ ...c, lastSeenAt: new Date(c.lastSeenAt) }))
  }

  /** The person's THRIVE assessments on their contacts (CRM-17), newest first, at most `limit`. */
  async thriveOf(
    tx: Tx,
    forceId: string,
    personIds: readonly string[],
    limit: number,
  ): Promise<ThriveEntry[]> {
    return rows<ThriveEntry>(
      tx,
      sql`select t.id::text as id, ${utc('t.assessed_at')} as at, t.grading, t.reasons, t.note, t.vulnerable,
            t.item_id as "itemId"
          from contact_thrive_assessments t join contact_items i on i.id = t.item_id
          where t.force_id = ${forceId} and i.person_id = any(${uuidList(personIds)})
          order by t.assessed_at desc, t.id desc limit ${limit}`,
    )
  }

  /** The person's corrections, newest first. */
  async corrections(tx: Tx, personId: string): Promise<CorrectionRow[]> {
    const found = await rows<CorrectionRow>(
      tx,
      sql`select id, person_id as "personId", field, value, sources, writeback_entry_ids as "writebackEntryIds",
            corrected_by as "correctedBy", corrected_at as "correctedAt"
          from contact_corrections where person_id = ${personId} order by corrected_at desc`,
    )
    return found.map((c) => ({ ...c, correctedAt: new Date(c.correctedAt) }))
  }

  async insertCorrection(
    tx: Tx,
    c: Omit<CorrectionRow, 'id' | 'writebackEntryIds'> & { forceId: string },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_corrections (force_id, person_id, field, value, sources, corrected_by, corrected_at)
          values (${c.forceId}, ${c.personId}, ${c.field}, ${c.value}, ${sql`array[${sql.join(
            c.sources.map((s) => sql`${s}`),
            sql`, `,
          )}]::text[]`}, ${c.correctedBy}, ${c.correctedAt}) returning id`,
    )
    return row!.id
  }

  async setCorrectionEntries(tx: Tx, id: string, entryIds: string[]): Promise<void> {
    await tx.execute(
      sql`update contact_corrections set writeback_entry_ids = ${entryIds.length ? uuidList(entryIds) : sql`'{}'::uuid[]`}
          where id = ${id}`,
    )
  }

  /** The reference a source system knows the person's most recent case by, for a write-back. */
  async sourceReference(
    tx: Tx,
    personIds: readonly string[],
    target: 'cad' | 'rms',
  ): Promise<string | undefined> {
    const [row] = await rows<{ ref: string }>(
      tx,
      target === 'cad'
        ? sql`select i.cad_ref as ref from case_parties cp join incidents i on i.id = cp.incident_id
              where cp.person_id = any(${uuidList(personIds)}) order by i.opened_at desc nulls last, cp.added_at desc limit 1`
        : sql`select c.crime_ref as ref from case_parties cp join crimes c on c.id = cp.crime_id
              where cp.person_id = any(${uuidList(personIds)}) order by c.recorded_at desc nulls last, cp.added_at desc limit 1`,
    )
    return row?.ref
  }

  /**
   * People of the force whose sources disagree about their name or date of birth and whom nobody
   * has corrected since, by id after `afterId`: the discrepancies list, a page at a time.
   */
  async discrepancies(
    tx: Tx,
    forceId: string,
    afterId: string | null,
    limit: number,
  ): Promise<{ personId: string; displayName: string | null; fields: string[]; sources: string[] }[]> {
    return rows(
      tx,
      sql`select pc.person_id as "personId", p.display_name as "displayName",
            array_agg(distinct pc.field order by pc.field) as fields,
            array_agg(distinct upper(pc.source_system) order by upper(pc.source_system)) as sources
          from person_claims pc join people p on p.id = pc.person_id
          where pc.force_id = ${forceId} and pc.field in ('name', 'dateOfBirth')
            ${afterId ? sql`and pc.person_id > ${afterId}` : sql``}
            and not exists (select 1 from contact_corrections cc where cc.person_id = pc.person_id
              and cc.field = pc.field and cc.corrected_at >= pc.last_seen_at and cc.value <> pc.value)
          group by pc.person_id, p.display_name
          having count(distinct (pc.field, pc.value)) > count(distinct pc.field)
          order by pc.person_id limit ${limit}`,
    )
  }
}
