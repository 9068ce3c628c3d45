// The service-incident log (CP-185, UJ-17, CRM-33): the supplier records each problem or
// incident with the service, the forces it affects and every action taken until it is resolved,
// and any affected force can read and export that record. Every change, view and export is audited.
import { DateTime } from 'luxon'
import type { AuditedRequest, AuditService } from '../audit/audit-service.ts'
import { whoAndWhere } from '../audit/audit-service.ts'
import type { Clock } from '../clock.ts'
import { DomainError, type FieldError, NotFoundError, ValidationError } from '../errors.ts'
import type { ForceService } from '../tenancy/force-service.ts'
import type {
  ServiceIncident,
  ServiceIncidentAction,
  ServiceIncidentRepository,
  ServiceIncidentScope,
  NewServiceIncidentAction,
  StatusFilter,
} from './service-incident-repository.ts'
import type { ServiceIncidentKind, ServiceIncidentSeverity } from './schema.ts'

export const serviceIncidentKinds: Record<ServiceIncidentKind, string> = {
  incident: 'Incident',
  problem: 'Problem',
}
export const serviceIncidentSeverities: Record<ServiceIncidentSeverity, string> = {
  critical: 'Critical – service unavailable',
  high: 'High – major feature unavailable',
  medium: 'Medium – degraded, workaround exists',
  low: 'Low – minor',
}

/** Who reads the log: system admins and service support see all; a force admin their force's. */
export interface ServiceIncidentReader {
  request: AuditedRequest
  forceId: string | null
  regionWide: boolean
}

export interface ServiceIncidentForm {
  kind?: string
  title?: string
  severity?: string
  forceIds?: string[]
  startedDate?: string
  startedTime?: string
  description?: string
}

const RECORD_TYPE = 'service-incident'

export class ServiceIncidentService {
  readonly #repo: ServiceIncidentRepository
  readonly #audit: AuditService
  readonly #forces: ForceService
  readonly #clock: Clock

  constructor(repo: ServiceIncidentRepository, audit: AuditService, forces: ForceService, clock: Clock) {
    this.#repo = repo
    this.#audit = audit
    this.#forces = forces
    this.#clock = clock
  }

  async record(reader: ServiceIncidentReader, form: ServiceIncidentForm): Promise<ServiceIncident> {
    const input = await this.#validate(form)
    const now = this.#clock.now()
    const who = whoAndWhere(reader.request)
    return this.#repo.inSystemTransaction(async (tx) => {
      const incident = await this.#repo.create(
        tx,
        {
          ...input,
          createdBy: who.actor.id ?? null,
          createdByName: who.actor.name ?? 'Waypoint',
          createdAt: now,
        },
        this.#action(reader, 'opened', `Recorded: ${input.title}`),
      )
      await this.#audit.record(
        {
          action: 'service-incident.created',
          forceId: null,
          ...who,
          recordType: RECORD_TYPE,
          recordId: incident.id,
          detail: { number: incident.number, severity: incident.severity, forces: incident.forceIds },
        },
        tx,
      )
      return incident
    })
  }

  async addAction(reader: ServiceIncidentReader, id: string, description: string | undefined): Promise<void> {
    const text = required(description, 'description', 'Enter what was done', 5000)
    await this.get(reader, id, { audited: false })
    await this.#repo.inSystemTransaction(async (tx) => {
      await this.#repo.addAction(tx, id, this.#action(reader, 'action', text))
      await this.#audit.record(
        {
          action: 'service-incident.action-added',
          forceId: null,
          ...whoAndWhere(reader.request),
          recordType: RECORD_TYPE,
          recordId: id,
        },
        tx,
      )
    })
  }

  async resolve(reader: ServiceIncidentReader, id: string, resolution: string | undefined): Promise<void> {
    const text = required(resolution, 'resolution', 'Enter how the incident was resolved', 5000)
    await this.get(reader, id, { audited: false })
    await this.#repo.inSystemTransaction(async (tx) => {
      const resolved = await this.#repo.resolve(
        tx,
        id,
        text,
        this.#action(reader, 'resolved', `Resolved: ${text}`),
      )
      if (!resolved)
        throw new DomainError('already-resolved', 'This incident is already resolved', { status: 409 })
      await this.#audit.record(
        {
          action: 'service-incident.resolved',
          forceId: null,
          ...whoAndWhere(reader.request),
          recordType: RECORD_TYPE,
          recordId: id,
        },
        tx,
      )
    })
  }

  list(reader: ServiceIncidentReader, status: StatusFilter): Promise<ServiceIncident[]> {
    return this.#repo.list(scopeOf(reader), status)
  }

  /** One incident and its actions; viewing it is audited (CP-153). */
  async get(
    reader: ServiceIncidentReader,
    id: string,
    options: { audited: boolean } = { audited: true },
  ): Promise<{ incident: ServiceIncident; actions: ServiceIncidentAction[] }> {
    const found = /^[0-9a-f-]{36}$/i.test(id) ? await this.#repo.get(scopeOf(reader), id) : undefined
    if (!found) throw new NotFoundError('The incident')
    if (options.audited) {
      await this.#audit.recordView(reader.request, {
        forceId: reader.regionWide ? null : reader.forceId,
        recordType: RECORD_TYPE,
        recordId: id,
      })
    }
    return found
  }

  /** The record of actions for forces (UJ-17): one row per action; the export is audited. */
  async exportActions(reader: ServiceIncidentReader, status: StatusFilter) {
    const rows = await this.#repo.withActions(scopeOf(reader), status)
    await this.#audit.record({
      action: 'service-incident.exported',
      forceId: reader.regionWide ? null : reader.forceId,
      ...whoAndWhere(reader.request),
      recordType: RECORD_TYPE,
      detail: { status, rows: rows.length, format: 'csv' },
    })
    return rows
  }

  #action(
    reader: ServiceIncidentReader,
    kind: NewServiceIncidentAction['kind'],
    description: string,
  ): NewServiceIncidentAction {
    const { actor } = whoAndWhere(reader.request)
    return {
      takenAt: this.#clock.now(),
      actorId: actor.id ?? null,
      actorName: actor.name ?? 'Waypoint',
      kind,
      description,
    }
  }

  async #validate(form: ServiceIncidentForm) {
    const errors: FieldError[] = []
    const collect = <T>(fn: () => T): T | undefined => {
      try {
        return fn()
      } catch (error) {
        if (error instanceof ValidationError) errors.push(...error.fieldErrors)
        else throw error
        return undefined
      }
    }
    const kind = form.kind as ServiceIncidentKind
    if (!(kind in serviceIncidentKinds))
      errors.push({ field: 'kind', message: 'Select whether this is an incident or a problem' })
    const title = collect(() => required(form.title, 'title', 'Enter a title', 200))
    const severity = form.severity as ServiceIncidentSeverity
    if (!(severity in serviceIncidentSeverities))
      errors.push({ field: 'severity', message: 'Select a severity' })
    const known = new Set((await this.#forces.list()).map((f) => f.id))
    const forceIds = [...new Set(form.forceIds ?? [])]
    if (forceIds.length === 0 || forceIds.some((f) => !known.has(f)))
      errors.push({ field: 'forceIds', message: 'Select the forces affected' })
    const startedAt = parseStarted(form.startedDate, form.startedTime, errors)
    if (startedAt && startedAt > this.#clock.now())
      errors.push({ field: 'startedDate', message: 'The start must be now or in the past' })
    const description = collect(() => required(form.description, 'description', 'Enter a description', 5000))
    if (errors.length > 0) throw new ValidationError(errors)
    return { kind, title: title!, severity, forceIds, startedAt: startedAt!, description: description! }
  }
}

function scopeOf(reader: ServiceIncidentReader): ServiceIncidentScope {
  if (reader.regionWide) return 'region'
  if (!reader.forceId) throw new NotFoundError('The incident log')
  return { forceId: reader.forceId }
}

function required(value: string | undefined, field: string, message: string, max: number): string {
  const text = value?.trim() ?? ''
  if (!text) throw new ValidationError([{ field, message }])
  if (text.length > max) throw new ValidationError([{ field, message: `Must be ${max} characters or fewer` }])
  return text
}

/** The start is a day and a 24-hour time in UK time. */
function parseStarted(
  date: string | undefined,
  time: string | undefined,
  errors: FieldError[],
): Date | undefined {
  const day = date?.trim() ?? ''
  const clock = time?.trim() ?? ''
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    errors.push({ field: 'startedDate', message: 'Enter the date it started, like 2026-03-27' })
    return undefined
  }
  if (!/^\d{1,2}:\d{2}$/.test(clock)) {
    errors.push({ field: 'startedTime', message: 'Enter the time it started, like 14:30' })
    return undefined
  }
  const parsed = DateTime.fromISO(`${day}T${clock.padStart(5, '0')}`, { zone: 'Europe/London' })
  if (!parsed.isValid) {
    errors.push({ field: 'startedDate', message: 'Enter a real date and time' })
    return undefined
  }
  return parsed.toJSDate()
}
