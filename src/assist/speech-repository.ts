// The only code that touches Assist's speech tables (migration 1320): the force's switch and the
// call recordings with their transcripts.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import type { SpokenReasonDecision } from './spoken-reason.ts'

export type RecordingKind = 'reason' | 'voicemail'
export type RecordingStatus = 'queued' | 'transcribed' | 'failed' | 'skipped'

export interface RecordingRow {
  id: string
  callRef: string
  callId: string | null
  itemId: string | null
  kind: RecordingKind
  status: RecordingStatus
  audioSeconds: number
  receivedAt: Date
  transcript: string | null
  engine: string | null
  elapsedSeconds: number | null
  decision: (SpokenReasonDecision & { applied?: boolean }) | null
  error: string | null
  transcribedAt: Date | null
}

const columns = sql`r.id, r.call_ref as "callRef", r.call_id as "callId", r.item_id as "itemId", r.kind, r.status,
  r.audio_seconds::float8 as "audioSeconds", r.received_at as "receivedAt", r.transcript, r.engine,
  r.elapsed_seconds::float8 as "elapsedSeconds", r.decision, r.error, r.transcribed_at as "transcribedAt"`

const dated = <T extends { receivedAt: Date; transcribedAt: Date | null }>(row: T): T => ({
  ...row,
  receivedAt: new Date(row.receivedAt),
  transcribedAt: row.transcribedAt ? new Date(row.transcribedAt) : null,
})

export class SpeechRepository {
  async setting(tx: Tx): Promise<{ enabled: boolean; updatedAt: Date } | undefined> {
    const [row] = await rows<{ enabled: boolean; updatedAt: Date }>(
      tx,
      sql`select enabled, updated_at as "updatedAt" from assist_speech_settings`,
    )
    return row
  }

  async saveSetting(tx: Tx, forceId: string, enabled: boolean, by: string, at: Date): Promise<void> {
    await tx.execute(
      sql`insert into assist_speech_settings (force_id, enabled, updated_by, updated_at)
          values (${forceId}, ${enabled}, ${by}, ${at})
          on conflict (force_id) do update set enabled = excluded.enabled, updated_by = excluded.updated_by,
            updated_at = excluded.updated_at`,
    )
  }

  async insert(
    tx: Tx,
    r: {
      forceId: string
      callRef: string
      callId: string | null
      itemId: string | null
      kind: RecordingKind
      audio: Buffer
      audioSeconds: number
      clientId: string
      at: Date
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into assist_call_recordings (force_id, call_ref, call_id, item_id, kind, status, audio, audio_bytes,
            audio_seconds, client_id, received_at)
          values (${r.forceId}, ${r.callRef}, ${r.callId}, ${r.itemId}, ${r.kind}, 'queued', ${r.audio}, ${r.audio.length},
            ${r.audioSeconds}, ${r.clientId}, ${r.at})
          returning id`,
    )
    return row!.id
  }

  /** A queued recording and its audio, locked while it is transcribed; none once done. */
  async queued(tx: Tx, id: string): Promise<(RecordingRow & { audio: Buffer }) | undefined> {
    const [row] = await rows<RecordingRow & { audio: Buffer | Uint8Array }>(
      tx,
      sql`select ${columns}, r.audio from assist_call_recordings r
          where r.id = ${id} and r.status = 'queued' for update`,
    )
    return row ? { ...dated(row), audio: Buffer.from(row.audio) } : undefined
  }

  /** The outcome of transcribing a recording; its audio is dropped. */
  async finish(
    tx: Tx,
    id: string,
    f: {
      status: Exclude<RecordingStatus, 'queued'>
      transcript?: string | null
      engine?: string | null
      elapsedSeconds?: number | null
      decision?: object | null
      error?: string | null
      at: Date
    },
  ): Promise<void> {
    await tx.execute(
      sql`update assist_call_recordings set status = ${f.status}, audio = null, transcript = ${f.transcript ?? null},
            engine = ${f.engine ?? null}, elapsed_seconds = ${f.elapsedSeconds ?? null},
            decision = ${f.decision ? JSON.stringify(f.decision) : null}::jsonb, error = ${f.error ?? null},
            transcribed_at = ${f.at}
          where id = ${id}`,
    )
  }

  /** The call was offered: its recordings sent before now belong to it and its contact. */
  async linkCall(tx: Tx, callRef: string, callId: string, itemId: string | null): Promise<void> {
    await tx.execute(
      sql`update assist_call_recordings set call_id = ${callId}, item_id = ${itemId}
          where call_ref = ${callRef} and call_id is null`,
    )
  }

  /** The call's latest transcribed spoken reason whose decision is not yet applied to the queue. */
  async unappliedReason(tx: Tx, callId: string): Promise<RecordingRow | undefined> {
    const [row] = await rows<RecordingRow>(
      tx,
      sql`select ${columns} from assist_call_recordings r
          where r.call_id = ${callId} and r.kind = 'reason' and r.status = 'transcribed'
            and (r.decision->>'changesQueue')::boolean and not coalesce((r.decision->>'applied')::boolean, false)
          order by r.received_at desc, r.id desc limit 1 for update`,
    )
    return row ? dated(row) : undefined
  }

  async markApplied(tx: Tx, id: string): Promise<void> {
    await tx.execute(
      sql`update assist_call_recordings set decision = decision || '{"applied": true}'::jsonb where id = ${id}`,
    )
  }

  async ofItem(tx: Tx, itemId: string): Promise<RecordingRow[]> {
    return (
      await rows<RecordingRow>(
        tx,
        sql`select ${columns} from assist_call_recordings r where r.item_id = ${itemId}
            order by r.received_at, r.id`,
      )
    ).map(dated)
  }

  async byId(tx: Tx, id: string): Promise<RecordingRow | undefined> {
    const [row] = await rows<RecordingRow>(
      tx,
      sql`select ${columns} from assist_call_recordings r where r.id = ${id}`,
    )
    return row ? dated(row) : undefined
  }

  /** Transcripts with all of `query`'s words (English stems), newest first. */
  async search(tx: Tx, query: string, limit: number): Promise<RecordingRow[]> {
    return (
      await rows<RecordingRow>(
        tx,
        sql`select ${columns} from assist_call_recordings r
            where r.status = 'transcribed' and r.search @@ plainto_tsquery('english', ${query})
            order by r.received_at desc, r.id limit ${limit}`,
      )
    ).map(dated)
  }
}
