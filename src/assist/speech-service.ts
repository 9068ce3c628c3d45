// Assist's offline speech for Contact's telephony (CRM-22, CRM-6; decision 0041). The telephony
// platform posts a recording of a call: a voicemail, or the caller's spoken reason before the call
// is queued. While the force has switched speech on, the recording is kept and a job transcribes it
// with the embedded recogniser (transcription.ts), listening for the words of the force's chatbot
// knowledge base and of danger; the transcript stays on the call, marked as automated, its audio
// dropped. A spoken reason is then classified as the chatbot classifies a message (spoken-reason.ts)
// and sets the call's priority and skill in the queue; danger hands it straight to a person.
// Every step is audited; nothing leaves Waypoint's server.
import { createHash } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { SpeechDecision } from '../contact/telephony.ts'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, ValidationError } from '../platform/errors.ts'
import { defineJob, type JobDefinition, type JobQueue } from '../platform/jobs.ts'
import type { AssistService } from './service.ts'
import type { RecordingKind, RecordingRow, SpeechRepository } from './speech-repository.ts'
import { decideSpokenReason, spokenDangerPhrases } from './spoken-reason.ts'
import type { ProviderService } from './provider-service.ts'
import { AudioError, checkedRecording, Transcriber, type TranscriberOptions } from './transcription.ts'

/** What Assist needs of Contact's telephony (handed in by the composition root). */
export interface CallPort {
  callFor(
    forceId: string,
    callRef: string,
  ): Promise<{ id: string; itemId: string | null; state: string } | undefined>
  prioritiseBySpeech(forceId: string, callId: string, decision: SpeechDecision): Promise<{ applied: boolean }>
}

/**
 * The recogniser's settings, tuned on espeak-ng recordings (decision 0041): the default language
 * weight, and no spectral noise removal, which took parts of words with the noise.
 */
export const speechTuning: TranscriberOptions = { languageWeight: 6.5, tuning: ['-remove_noise', 'no'] }

export const searchLimits = { query: 100, results: 50 } as const

const TranscribePayload = Type.Object({ forceId: Type.String(), recordingId: Type.String({ maxLength: 36 }) })

export class SpeechService {
  readonly #db: Database
  readonly #repo: SpeechRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #jobs: JobQueue
  readonly #assist: AssistService
  readonly #calls: () => CallPort
  readonly #options: TranscriberOptions
  readonly #provider: ProviderService | undefined
  readonly #transcribers = new Map<string, Transcriber>()
  readonly job: JobDefinition<typeof TranscribePayload>

  constructor(deps: {
    db: Database
    repo: SpeechRepository
    clock: Clock
    audit: AuditService
    jobs: JobQueue
    assist: AssistService
    calls: () => CallPort
    transcriber?: TranscriberOptions
    /** The force's model provider, when it transcribes for the force (decision 0048). */
    provider?: ProviderService
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#jobs = deps.jobs
    this.#assist = deps.assist
    this.#calls = deps.calls
    this.#options = deps.transcriber ?? speechTuning
    this.#provider = deps.provider
    this.job = defineJob({
      name: 'assist.transcribe',
      payload: TranscribePayload,
      handle: async ({ forceId, recordingId }, job) => {
        await this.transcribe(forceId, recordingId, job.retryCount >= 2)
      },
      retryLimit: 2,
      retryDelaySeconds: 10,
      expireInSeconds: 300,
    })
  }

  /** The force's switch: off until its administrator switches speech on. */
  async setting(forceId: string): Promise<{ enabled: boolean; updatedAt: Date | null }> {
    const row = await this.#db.withForce(forceId, (tx) => this.#repo.setting(tx))
    return { enabled: row?.enabled ?? false, updatedAt: row?.updatedAt ?? null }
  }

  /** Switches the force's speech on or off, audited with who did it and the choice. */
  async setEnabled(
    forceId: string,
    choice: string | undefined,
    acting: Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'> & { staffId: string },
  ): Promise<void> {
    if (choice !== 'yes' && choice !== 'no')
      throw new ValidationError([
        { field: 'enabled', message: 'Select whether to transcribe call recordings' },
      ])
    const enabled = choice === 'yes'
    await this.#db.withForce(forceId, async (tx) => {
      const before = (await this.#repo.setting(tx))?.enabled ?? false
      await this.#repo.saveSetting(tx, forceId, enabled, acting.staffId, this.#clock.now())
      await this.#audit.record(
        {
          action: 'assist.speech-switched',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'assist-speech-settings',
          recordId: forceId,
          detail: { enabled, before },
        },
        tx,
      )
    })
  }

  /**
   * A recording of a call: checked (a usable WAV, within the limits), kept and queued for
   * transcription. A spoken reason may come before the call is offered (the caller is still in
   * the IVR); a voicemail only for a call offered. Refused while the force's speech is off (the
   * audio is not kept).
   */
  async receive(
    forceId: string,
    callRef: string,
    kind: RecordingKind,
    wav: Buffer,
    client: { clientId: string },
  ): Promise<{ recording: string; call: string | null; contact: string | null; status: 'queued' }> {
    if (!(await this.setting(forceId)).enabled)
      throw new DomainError(
        'speech-off',
        'The force has not switched on transcription of call recordings, so the recording was not kept',
        { status: 409 },
      )
    let seconds: number
    try {
      seconds = checkedRecording(wav).seconds
    } catch (error) {
      if (error instanceof AudioError) throw new ValidationError([{ field: 'body', message: error.message }])
      throw error
    }
    const call = await this.#calls().callFor(forceId, callRef)
    if (!call && kind === 'voicemail')
      throw new DomainError(
        'call-not-offered',
        `No call ${callRef} was offered: send its call.offered event before its voicemail`,
        { status: 409 },
      )
    const id = await this.#db.withForce(forceId, async (tx) => {
      const recording = await this.#repo.insert(tx, {
        forceId,
        callRef,
        callId: call?.id ?? null,
        itemId: call?.itemId ?? null,
        kind,
        audio: wav,
        audioSeconds: Math.round(seconds * 100) / 100,
        clientId: client.clientId,
        at: this.#clock.now(),
      })
      await this.#audit.record(
        {
          action: 'assist.recording-received',
          forceId,
          actor: { kind: 'client', id: client.clientId, name: 'Telephony platform' },
          recordType: 'assist-call-recording',
          recordId: recording,
          detail: {
            call: call?.id ?? null,
            contact: call?.itemId ?? null,
            kind,
            bytes: wav.length,
            seconds: Math.round(seconds),
          },
        },
        tx,
      )
      await this.#jobs.send(this.job, { forceId, recordingId: recording }, { tx })
      return recording
    })
    return { recording: id, call: call?.id ?? null, contact: call?.itemId ?? null, status: 'queued' }
  }

  /** The recogniser for the force's knowledge base (one per distinct knowledge base). */
  async #transcriberFor(
    forceId: string,
  ): Promise<{ transcriber: Transcriber; knowledge: Awaited<ReturnType<AssistService['knowledge']>> }> {
    const knowledge = await this.#assist.knowledge(forceId)
    const phrases = [...knowledge.intents.flatMap((i) => [i.title, ...i.phrases]), ...spokenDangerPhrases]
    const key = createHash('sha256').update(JSON.stringify(phrases)).digest('hex')
    let transcriber = this.#transcribers.get(key)
    if (!transcriber) {
      transcriber = new Transcriber({ ...this.#options, phrases })
      this.#transcribers.set(key, transcriber)
    }
    return { transcriber, knowledge }
  }

  /**
   * Transcribes one queued recording (the job): stores the transcript and, for a spoken reason,
   * the decision and its effect on the queue. Switched off meanwhile: skipped, audio dropped. Run
   * twice: the second finds it done. A recording that cannot be transcribed is marked failed (on
   * the job's last try when the failure may pass).
   */
  async transcribe(forceId: string, recordingId: string, lastTry = true): Promise<RecordingRow | undefined> {
    const recording = await this.#db.withForce(forceId, (tx) => this.#repo.byId(tx, recordingId))
    if (recording?.status !== 'queued') return recording
    const finish = (f: Parameters<SpeechRepository['finish']>[2], action: string, detail: object) =>
      this.#db.withForce(forceId, async (tx) => {
        if (!(await this.#repo.queued(tx, recordingId))) return
        await this.#repo.finish(tx, recordingId, f)
        await this.#audit.record(
          {
            action,
            forceId,
            actor: { kind: 'system', name: 'Assist speech' },
            recordType: 'assist-call-recording',
            recordId: recordingId,
            detail: { call: recording.callId, contact: recording.itemId, ...detail },
          },
          tx,
        )
      })
    if (!(await this.setting(forceId)).enabled) {
      await finish({ status: 'skipped', at: this.#clock.now() }, 'assist.recording-skipped', {
        reason: 'switched off',
      })
      return this.#db.withForce(forceId, (tx) => this.#repo.byId(tx, recordingId))
    }
    const audio = await this.#db.withForce(
      forceId,
      async (tx) => (await this.#repo.queued(tx, recordingId))?.audio,
    )
    if (!audio) return recording
    const { transcriber, knowledge } = await this.#transcriberFor(forceId)
    let transcript: Pick<Awaited<ReturnType<Transcriber['transcribe']>>, 'text' | 'engine' | 'elapsedSeconds'>
    try {
      // The force's provider first when it transcribes for the force (decision 0048); on any
      // failure (audited there) the embedded recogniser. The words are read by Waypoint's own rules.
      const hosted = await this.#provider?.transcribe(forceId, audio, recordingId)
      transcript = hosted?.ok
        ? {
            text: hosted.text.toLowerCase().replace(/\s+/g, ' ').trim(),
            engine: `Automated: ${hosted.provider}`.slice(0, 200),
            elapsedSeconds: Math.round(hosted.ms) / 1000,
          }
        : await transcriber.transcribe(audio)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      // A recording that is not usable audio will never be; anything else (a time-out on a busy
      // machine) is tried again by the job until its last try.
      if (!(error instanceof AudioError) && !lastTry) throw error
      await finish(
        { status: 'failed', error: message.slice(0, 500), at: this.#clock.now() },
        'assist.recording-failed',
        {},
      )
      return this.#db.withForce(forceId, (tx) => this.#repo.byId(tx, recordingId))
    }
    let decision: (ReturnType<typeof decideSpokenReason> & { applied: boolean }) | null = null
    if (recording.kind === 'reason')
      decision = { ...decideSpokenReason(transcript.text, knowledge), applied: false }
    await finish(
      {
        status: 'transcribed',
        transcript: transcript.text.slice(0, 10000),
        engine: transcript.engine,
        elapsedSeconds: transcript.elapsedSeconds,
        decision,
        at: this.#clock.now(),
      },
      'assist.recording-transcribed',
      {
        words: transcript.text ? transcript.text.split(' ').length : 0,
        seconds: transcript.elapsedSeconds,
        ...(decision
          ? {
              basis: decision.basis,
              intent: decision.intent,
              priority: decision.priority,
            }
          : {}),
      },
    )
    // A spoken reason moves its call once the call is offered: now, or when it is (reasonOnOffer).
    if (decision?.changesQueue) await this.#applyWhenOffered(forceId, recordingId, recording.callRef)
    return this.#db.withForce(forceId, (tx) => this.#repo.byId(tx, recordingId))
  }

  async #applyWhenOffered(forceId: string, recordingId: string, callRef: string): Promise<void> {
    const call = await this.#calls().callFor(forceId, callRef)
    if (!call) return
    const pending = await this.#db.withForce(forceId, async (tx) => {
      await this.#repo.linkCall(tx, callRef, call.id, call.itemId)
      const found = await this.#repo.unappliedReason(tx, call.id)
      if (found?.id !== recordingId || !found.decision) return undefined
      await this.#repo.markApplied(tx, found.id)
      return found.decision
    })
    if (pending)
      await this.#calls().prioritiseBySpeech(forceId, call.id, {
        priority: pending.priority,
        skill: pending.skill,
        urgent: pending.urgent,
        reason: pending.explanation,
      })
  }

  /**
   * The call is being offered (in Contact's transaction): the recordings sent for it before now
   * become its own, and a spoken reason already transcribed decides its place in the queue.
   */
  async reasonOnOffer(
    tx: Tx,
    _forceId: string,
    call: { callRef: string; callId: string; itemId: string | null },
  ): Promise<SpeechDecision | undefined> {
    await this.#repo.linkCall(tx, call.callRef, call.callId, call.itemId)
    const found = await this.#repo.unappliedReason(tx, call.callId)
    if (!found?.decision) return undefined
    await this.#repo.markApplied(tx, found.id)
    return {
      priority: found.decision.priority,
      skill: found.decision.skill,
      urgent: found.decision.urgent,
      reason: found.decision.explanation,
    }
  }

  /** A contact's recordings and their transcripts, for its page (the page's view is audited). */
  forContact(forceId: string, itemId: string): Promise<RecordingRow[]> {
    return this.#db.withForce(forceId, (tx) => this.#repo.ofItem(tx, itemId))
  }

  /** Transcripts of the force's calls that have all the words searched for. */
  async search(forceId: string, query: string): Promise<RecordingRow[]> {
    const q = query.trim()
    if (!q) return []
    if (q.length > searchLimits.query)
      throw new ValidationError([
        { field: 'q', message: `Search for ${searchLimits.query} characters or fewer` },
      ])
    return this.#db.withForce(forceId, (tx) => this.#repo.search(tx, q, searchLimits.results))
  }

  async close(): Promise<void> {
    const all = [...this.#transcribers.values()]
    this.#transcribers.clear()
    await Promise.all(all.map((t) => t.close()))
  }
}
