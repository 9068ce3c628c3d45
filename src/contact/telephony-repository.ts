// The only code that touches telephony's tables: calls, their CTI events, call-backs, caller
// verifications and addresses confirmed against the gazetteer (migrations 1220, 1221).
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

export interface IvrChoice {
  menu: string
  choice: string
  label: string | null
}

export interface CallRow {
  id: string
  callRef: string
  conversationId: string
  itemId: string | null
  callerNumber: string | null
  dialled: string | null
  ivr: IvrChoice[]
  state: 'offered' | 'answered' | 'held' | 'ended'
  offeredAt: Date
  answeredAt: Date | null
  endedAt: Date | null
  heldSince: Date | null
  heldSeconds: number
  transfers: number
  abandoned: boolean
  answeredBy: string | null
}

export interface CallEventRow {
  kind: string
  occurredAt: Date
  agent: string | null
  detail: Record<string, unknown>
}

export interface CallbackRow {
  id: string
  fromChannel: string
  number: string
  reason: 'requested' | 'abandoned'
  note: string | null
  requestedAt: Date
}

export interface VerificationRow {
  id: string
  itemId: string
  personId: string
  personName: string | null
  method: 'code' | 'knowledge'
  status: 'pending' | 'verified' | 'failed'
  sentTo: string | null
  codeHash: string | null
  codeExpiresAt: Date | null
  codeTries: number
  questions: string[]
  matched: string[]
  startedBy: string
  startedByName: string | null
  startedAt: Date
  decidedAt: Date | null
}

export interface ConfirmedAddressRow {
  uprn: string
  address: string
  gazetteer: string
  confirmedAt: Date
}

const dates = <T extends object>(row: T): T => {
  const fields = row as Record<string, unknown>
  for (const key of Object.keys(fields))
    if ((key.endsWith('At') || key === 'heldSince') && typeof fields[key] === 'string')
      fields[key] = new Date(fields[key])
  return row
}

const callColumns = sql`id, call_ref as "callRef", conversation_id as "conversationId", item_id as "itemId",
  caller_number as "callerNumber", dialled, ivr, state, offered_at as "offeredAt", answered_at as "answeredAt",
  ended_at as "endedAt", held_since as "heldSince", held_seconds as "heldSeconds", transfers, abandoned,
  answered_by as "answeredBy"`

export class TelephonyRepository {
  /** Events of one call are applied one at a time, whichever process takes them. */
  async lockCall(tx: Tx, forceId: string, callRef: string): Promise<void> {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtext('contact-call'), hashtext(${`${forceId}/${callRef}`}))`,
    )
  }

  async eventSeen(tx: Tx, eventId: string): Promise<{ callId: string } | undefined> {
    const [row] = await rows<{ callId: string }>(
      tx,
      sql`select call_id as "callId" from contact_call_events where event_id = ${eventId}`,
    )
    return row
  }

  async callByRef(tx: Tx, callRef: string): Promise<CallRow | undefined> {
    const [row] = await rows<CallRow>(
      tx,
      sql`select ${callColumns} from contact_calls where call_ref = ${callRef}`,
    )
    return row ? dates(row) : undefined
  }

  async callById(tx: Tx, id: string): Promise<CallRow | undefined> {
    const [row] = await rows<CallRow>(tx, sql`select ${callColumns} from contact_calls where id = ${id}`)
    return row ? dates(row) : undefined
  }

  /** The calls of one contact, latest first. */
  async callsOf(tx: Tx, itemId: string): Promise<CallRow[]> {
    return (
      await rows<CallRow>(
        tx,
        sql`select ${callColumns} from contact_calls where item_id = ${itemId} order by offered_at desc, id`,
      )
    ).map(dates)
  }

  async insertCall(
    tx: Tx,
    c: {
      forceId: string
      callRef: string
      conversationId: string
      itemId: string | null
      callerNumber: string | null
      dialled: string | null
      ivr: IvrChoice[]
      at: Date
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_calls (force_id, call_ref, conversation_id, item_id, caller_number, dialled, ivr, state,
            offered_at)
          values (${c.forceId}, ${c.callRef}, ${c.conversationId}, ${c.itemId}, ${c.callerNumber}, ${c.dialled},
            ${JSON.stringify(c.ivr)}::jsonb, 'offered', ${c.at})
          returning id`,
    )
    return row!.id
  }

  async updateCall(
    tx: Tx,
    id: string,
    set: Partial<{
      state: CallRow['state']
      answeredAt: Date
      answeredBy: string | null
      endedAt: Date
      heldSince: Date | null
      heldSeconds: number
      transfers: number
      abandoned: boolean
      ivr: IvrChoice[]
    }>,
  ): Promise<void> {
    const sets = []
    if (set.state) sets.push(sql`state = ${set.state}`)
    if (set.answeredAt) sets.push(sql`answered_at = ${set.answeredAt}`)
    if (set.answeredBy !== undefined) sets.push(sql`answered_by = ${set.answeredBy}`)
    if (set.endedAt) sets.push(sql`ended_at = ${set.endedAt}`)
    if (set.heldSince !== undefined) sets.push(sql`held_since = ${set.heldSince}`)
    if (set.heldSeconds !== undefined) sets.push(sql`held_seconds = ${set.heldSeconds}`)
    if (set.transfers !== undefined) sets.push(sql`transfers = ${set.transfers}`)
    if (set.abandoned !== undefined) sets.push(sql`abandoned = ${set.abandoned}`)
    if (set.ivr) sets.push(sql`ivr = ${JSON.stringify(set.ivr)}::jsonb`)
    if (sets.length === 0) return
    await tx.execute(sql`update contact_calls set ${sql.join(sets, sql`, `)} where id = ${id}`)
  }

  async insertEvent(
    tx: Tx,
    e: {
      forceId: string
      callId: string
      eventId: string
      kind: string
      at: Date
      agent: string | null
      detail: Record<string, unknown>
      receivedAt: Date
    },
  ): Promise<void> {
    await tx.execute(
      sql`insert into contact_call_events (force_id, call_id, event_id, kind, occurred_at, agent, detail, received_at)
          values (${e.forceId}, ${e.callId}, ${e.eventId}, ${e.kind}, ${e.at}, ${e.agent},
            ${JSON.stringify(e.detail)}::jsonb, ${e.receivedAt})`,
    )
  }

  async events(tx: Tx, callId: string): Promise<CallEventRow[]> {
    return (
      await rows<CallEventRow>(
        tx,
        sql`select kind, occurred_at as "occurredAt", agent, detail from contact_call_events
            where call_id = ${callId} order by occurred_at, id`,
      )
    ).map(dates)
  }

  /** The person's contact moves to the phone: a live call (or a call-back) is what is worked now. */
  async toPhone(tx: Tx, itemId: string): Promise<void> {
    await tx.execute(
      sql`update contact_items set channel = 'phone',
            skill = case when skill = 'vulnerability' then skill else 'phone' end
          where id = ${itemId}`,
    )
  }

  /**
   * A contact the handler has goes back to the queue as a call-back, on the channel `phone`; only
   * if it is still theirs. Returns whether it moved.
   */
  async toCallback(tx: Tx, itemId: string, staffId: string): Promise<boolean> {
    const moved = await rows<{ id: string }>(
      tx,
      sql`update contact_items set channel = 'phone', status = 'waiting', assigned_to = null, team_id = null, assigned_at = null,
            skill = case when skill = 'vulnerability' then skill else 'phone' end, transfers = transfers + 1
          where id = ${itemId} and status = 'assigned' and assigned_to = ${staffId}
          returning id`,
    )
    return moved.length === 1
  }

  async insertCallback(
    tx: Tx,
    c: {
      forceId: string
      itemId: string
      fromChannel: string
      number: string
      reason: CallbackRow['reason']
      note: string | null
      by: string | null
      at: Date
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_callbacks (force_id, item_id, from_channel, number, reason, note, requested_by,
            requested_at)
          values (${c.forceId}, ${c.itemId}, ${c.fromChannel}, ${c.number}, ${c.reason}, ${c.note}, ${c.by}, ${c.at})
          returning id`,
    )
    return row!.id
  }

  async callbacks(tx: Tx, itemId: string): Promise<CallbackRow[]> {
    return (
      await rows<CallbackRow>(
        tx,
        sql`select id, from_channel as "fromChannel", number, reason, note, requested_at as "requestedAt"
            from contact_callbacks where item_id = ${itemId} order by requested_at desc, id`,
      )
    ).map(dates)
  }

  /** Phone numbers on record for a person, most recently seen first. */
  async phonesOf(tx: Tx, personId: string): Promise<{ value: string; mobile: boolean }[]> {
    return rows(
      tx,
      sql`select value, mobile from contact_points where person_id = ${personId} and kind = 'phone'
          order by preferred desc, last_seen_at desc`,
    )
  }

  async verifications(tx: Tx, itemId: string): Promise<VerificationRow[]> {
    return (
      await rows<VerificationRow>(
        tx,
        sql`select v.id, v.item_id as "itemId", v.person_id as "personId", p.display_name as "personName", v.method,
              v.status, v.sent_to as "sentTo", v.code_hash as "codeHash", v.code_expires_at as "codeExpiresAt",
              v.code_tries as "codeTries", v.questions, v.matched, v.started_by as "startedBy",
              a.display_name as "startedByName", v.started_at as "startedAt", v.decided_at as "decidedAt"
            from contact_verifications v
            left join people p on p.id = v.person_id
            left join contact_agents a on a.force_id = v.force_id and a.staff_id = v.started_by
            where v.item_id = ${itemId} order by v.started_at desc, v.id desc`,
      )
    ).map(dates)
  }

  async insertVerification(
    tx: Tx,
    v: {
      id?: string
      forceId: string
      itemId: string
      personId: string
      method: VerificationRow['method']
      status: VerificationRow['status']
      sentTo?: string | null
      codeHash?: string | null
      codeExpiresAt?: Date | null
      questions?: string[]
      matched?: string[]
      by: string
      at: Date
      decidedAt?: Date | null
    },
  ): Promise<string> {
    const list = (values: string[]) =>
      values.length === 0
        ? sql`'{}'::text[]`
        : sql`array[${sql.join(
            values.map((x) => sql`${x}`),
            sql`, `,
          )}]::text[]`
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_verifications (id, force_id, item_id, person_id, method, status, sent_to, code_hash,
            code_expires_at, questions, matched, started_by, started_at, decided_at)
          values (${v.id ?? sql`gen_random_uuid()`}, ${v.forceId}, ${v.itemId}, ${v.personId}, ${v.method}, ${v.status}, ${v.sentTo ?? null},
            ${v.codeHash ?? null}, ${v.codeExpiresAt ?? null}, ${list(v.questions ?? [])}, ${list(v.matched ?? [])},
            ${v.by}, ${v.at}, ${v.decidedAt ?? null})
          returning id`,
    )
    return row!.id
  }

  /** A code tried: counts the try and, when decided, the outcome (the hash is dropped then). */
  async codeTried(
    tx: Tx,
    id: string,
    outcome: { status: VerificationRow['status']; at: Date },
  ): Promise<void> {
    await tx.execute(
      sql`update contact_verifications set code_tries = code_tries + 1, status = ${outcome.status},
            decided_at = case when ${outcome.status} = 'pending' then null else ${outcome.at}::timestamptz end,
            code_hash = case when ${outcome.status} = 'pending' then code_hash else null end
          where id = ${id}`,
    )
  }

  async insertAddress(
    tx: Tx,
    a: {
      forceId: string
      itemId: string
      uprn: string
      address: string
      gazetteer: string
      by: string
      at: Date
    },
  ): Promise<void> {
    await tx.execute(
      sql`insert into contact_item_addresses (force_id, item_id, uprn, address, gazetteer, confirmed_by, confirmed_at)
          values (${a.forceId}, ${a.itemId}, ${a.uprn}, ${a.address}, ${a.gazetteer}, ${a.by}, ${a.at})`,
    )
  }

  async addresses(tx: Tx, itemId: string): Promise<ConfirmedAddressRow[]> {
    return (
      await rows<ConfirmedAddressRow>(
        tx,
        sql`select uprn, address, gazetteer, confirmed_at as "confirmedAt" from contact_item_addresses
            where item_id = ${itemId} order by confirmed_at desc, id`,
      )
    ).map(dates)
  }

  /** What the sources hold that only the person should know: for knowledge questions. */
  async knowledgeOf(
    tx: Tx,
    personId: string,
  ): Promise<{ dateOfBirth: string | null; addresses: string[]; crimeRefs: string[] }> {
    const [person] = await rows<{ dateOfBirth: string | null }>(
      tx,
      sql`select to_char(date_of_birth, 'YYYY-MM-DD') as "dateOfBirth" from people where id = ${personId}`,
    )
    const addresses = await rows<{ value: string }>(
      tx,
      sql`select value from contact_points where person_id = ${personId} and kind = 'address'`,
    )
    const crimes = await rows<{ crimeRef: string }>(
      tx,
      sql`select distinct c.crime_ref as "crimeRef" from case_parties p join crimes c on c.id = p.crime_id
          where p.person_id = ${personId}`,
    )
    return {
      dateOfBirth: person?.dateOfBirth ?? null,
      addresses: addresses.map((a) => a.value),
      crimeRefs: crimes.map((c) => c.crimeRef),
    }
  }
}
