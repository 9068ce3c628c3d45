// CP-105: an investigating officer adds an update to the crime record in the RMS without any
// message going to the victim. The update travels through the write-back outbox like every other
// entry, flagged `notify_victim = false`, and nothing in Waypoint's messaging is asked to act.
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { type FieldError, ValidationError } from '../platform/errors.ts'
import type { WritebackEntry } from './schema.ts'
import type { Acting, WritebackService } from './service.ts'

export interface OfficerUpdateInput {
  crimeReference?: string
  update?: string
  /** Issued with the form, so submitting it twice records one update. */
  idempotencyKey?: string
}

// Crime reference formats differ by force; this accepts the characters they use.
const CRIME_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9/\-. ]{2,39}$/
const UPDATE_MAX = 4000
const KEY = /^[A-Za-z0-9-]{16,64}$/

export class OfficerRmsUpdates {
  readonly #writeback: WritebackService
  readonly #deps: { db: Database; audit: AuditService; clock: Clock }

  constructor(writeback: WritebackService, deps: { db: Database; audit: AuditService; clock: Clock }) {
    this.#writeback = writeback
    this.#deps = deps
  }

  async record(forceId: string, input: OfficerUpdateInput, acting: Acting): Promise<WritebackEntry> {
    const crimeReference = (input.crimeReference ?? '').trim().toUpperCase()
    const update = (input.update ?? '').trim()
    const errors: FieldError[] = []
    if (!crimeReference) errors.push({ field: 'crimeReference', message: 'Enter the crime reference' })
    else if (!CRIME_REFERENCE.test(crimeReference)) {
      errors.push({
        field: 'crimeReference',
        message: 'Crime reference must be 3 to 40 letters, numbers, slashes, dashes or dots',
      })
    }
    if (!update) errors.push({ field: 'update', message: 'Enter the update for the crime record' })
    else if (update.length > UPDATE_MAX) {
      errors.push({ field: 'update', message: `Update must be ${UPDATE_MAX} characters or fewer` })
    }
    if (!input.idempotencyKey || !KEY.test(input.idempotencyKey)) {
      errors.push({
        field: 'update',
        message: 'The form has expired. Copy your update, reload the page and try again',
      })
    }
    if (errors.length > 0) throw new ValidationError(errors)

    const author = acting.actor.name ?? 'Investigating officer'
    return this.#deps.db.withForce(forceId, async (tx) => {
      const { entry, created } = await this.#writeback.enqueue(tx, {
        forceId,
        target: 'rms',
        targetRef: crimeReference,
        kind: 'officer-update',
        notifyVictim: false,
        body: {
          time: this.#deps.clock.now().toISOString(),
          channel: 'rms-update',
          content: update,
          author,
        },
        idempotencyKey: `officer-update:${input.idempotencyKey}`,
        createdBy: acting.actor.kind === 'staff' ? (acting.actor.id ?? null) : null,
      })
      if (created) {
        await this.#deps.audit.record(
          {
            action: 'writeback.officer-update.recorded',
            forceId,
            ...acting,
            recordType: 'crime',
            recordId: crimeReference,
            detail: { entryId: entry.id, notifyVictim: false },
          },
          tx,
        )
      }
      return entry
    })
  }
}
