// Staff console for source systems (item 5, CP-163, CP-166): integration health per source,
// quarantined events that can be corrected and replayed one by one or all together, and the
// force's mapping profiles, edited as new versions and tried against a pasted sample, published
// only once their sample maps, compared with earlier versions and reverted (UJ-4, CP-162).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { DomainError } from '../platform/errors.ts'
import { type SourceSystem, sourceSystems } from './default-profiles.ts'
import { type MappingProfile, profileKeys } from './mapping.ts'
import {
  changesRows,
  documentOf,
  formOf,
  formView,
  type ProfileForm,
  type ProfileFormBody,
  profileFormLimits,
  readForm,
  targetLabels,
} from './profile-form.ts'
import { peopleConcerned } from './concerning.ts'
import type { SourceHealth, SourceService } from './service.ts'
import { staffForce, staffOf } from '../platform/http/request.ts'

const access = { staff: ['force_admin'] as const }
/** Who may open the source pages (and see their counts on the dashboard). */
export const sourceConsoleRoles = access.staff
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const
const versionParams = {
  type: 'object',
  properties: {
    system: { type: 'string', enum: [...sourceSystems] },
    version: { type: 'integer', minimum: 1 },
  },
  required: ['system', 'version'],
} as const
const systemParams = {
  type: 'object',
  properties: { system: { type: 'string', enum: [...sourceSystems] } },
  required: ['system'],
} as const

export function registerSourceConsoleRoutes(
  http: FastifyInstance,
  deps: { sources: SourceService; audit: AuditService },
): void {
  const { sources } = deps
  const audit = (
    request: FastifyRequest,
    action: string,
    recordType: string,
    recordId: string,
    detail = {},
  ) =>
    deps.audit.record({
      action,
      forceId: forceOf(request),
      actor: { kind: 'staff', id: staffOf(request).id, name: staffOf(request).displayName },
      recordType,
      recordId,
      detail,
      ip: request.ip,
      correlationId: request.id,
    })

  http.get('/console/sources', { config: { access } }, async (request, reply) => {
    const forceId = forceOf(request)
    const quarantined = await sources.events(forceId, { status: 'quarantined', limit: 100 })
    const concerning = await peopleConcerned(sources, forceId, quarantined)
    // The list names the people the events concern, so showing it is recorded.
    if (Object.values(concerning).some((who) => who))
      await audit(request, 'source-events.quarantine-listed', 'source_event', 'quarantined', {
        count: quarantined.length,
      })
    return reply.render('sources/health.njk', {
      health: (await sources.health(forceId)).map(healthView),
      quarantined: quarantined.map((e) => ({ ...e, concerning: concerning[e.id] })),
      recent: await sources.events(forceId, { limit: 20 }),
    })
  })

  http.post('/console/sources/replay', { config: { access } }, async (request, reply) => {
    const results = await sources.replayAll(forceOf(request))
    await audit(request, 'source-events.replayed', 'source_event', 'all', {
      count: results.length,
      applied: results.filter((r) => r.status === 'applied').length,
    })
    return reply.redirect('/console/sources')
  })

  http.get<{ Params: { id: string } }>(
    '/console/sources/events/:id',
    { config: { access }, schema: { params: idParams } },
    async (request, reply) => {
      const event = await sources.event(forceOf(request), request.params.id)
      if (!event) throw new DomainError('not-found', 'The source event was not found', { status: 404 })
      await audit(request, 'source-event.viewed', 'source_event', event.id)
      return reply.render('sources/event.njk', {
        ...(await eventPage(forceOf(request), event.id)),
        payload: event.payload,
      })
    },
  )

  http.post<{ Params: { id: string }; Body: { payload?: string } }>(
    '/console/sources/events/:id/payload',
    { config: { access }, schema: { params: idParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const payload = request.body.payload ?? ''
      try {
        await sources.correctPayload(forceId, request.params.id, payload)
      } catch (error) {
        if (!(error instanceof DomainError) || error.status !== 400) throw error
        return reply.code(400).render('sources/event.njk', {
          ...(await eventPage(forceId, request.params.id)),
          payload,
          errors: error.fieldErrors,
        })
      }
      await audit(request, 'source-event.corrected', 'source_event', request.params.id)
      return replayOne(request, reply, request.params.id)
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/sources/events/:id/replay',
    { config: { access }, schema: { params: idParams } },
    async (request, reply) => replayOne(request, reply, request.params.id),
  )

  const eventPage = async (forceId: string, id: string) => {
    const event = await sources.event(forceId, id)
    if (!event) throw new DomainError('not-found', 'The source event was not found', { status: 404 })
    const concerning = await peopleConcerned(sources, forceId, [event])
    return { event, concerning: concerning[event.id] }
  }

  const replayOne = async (request: FastifyRequest, reply: FastifyReply, id: string) => {
    const forceId = forceOf(request)
    const before = await sources.event(forceId, id)
    try {
      const result = await sources.replay(forceId, id)
      await audit(request, 'source-event.replayed', 'source_event', id, {
        status: result.status,
        was: before?.status ?? null,
      })
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'not-replayable') throw error
      // Why not is said on the event's page, and the attempt is on record.
      await audit(request, 'source-event.replay-refused', 'source_event', id, { was: before?.status ?? null })
      const page = await eventPage(forceId, id)
      return reply
        .code(409)
        .render('sources/event.njk', { ...page, payload: page.event.payload, refused: error.message })
    }
    return reply.redirect(`/console/sources/events/${id}`)
  }

  const profilePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    system: SourceSystem,
    view: Record<string, unknown>,
    status = 200,
  ) => {
    const forceId = forceOf(request)
    const versions = await sources.profileVersions(forceId, system)
    const current = await sources.currentProfile(forceId, system)
    return reply.code(status).render('sources/profile.njk', {
      system,
      versions,
      inUse: current?.version ?? null,
      latest: versions[0]?.version ?? null,
      ...view,
    })
  }

  http.get<{ Params: { system: SourceSystem }; Querystring: { published?: string; reverted?: string } }>(
    '/console/sources/profiles/:system',
    {
      config: { access },
      schema: {
        params: systemParams,
        querystring: {
          type: 'object',
          properties: { published: { type: 'integer' }, reverted: { type: 'integer' } },
        },
      },
    },
    async (request, reply) => {
      const [latest] = await sources.profileVersions(forceOf(request), request.params.system)
      return profilePage(request, reply, request.params.system, {
        ...formPage(latest ? formOf(latest.document) : readForm({}), latest?.document),
        sample: latest?.sample ?? '',
        startsFrom: latest?.version,
        published: request.query.published,
        reverted: request.query.reverted,
      })
    },
  )

  // The mapping form (UJ-4, CP-162): rows added and removed by its buttons, tried against a
  // sample field by field, and saved as a new version; the stored JSON is built from the rows.
  http.post<{ Params: { system: SourceSystem }; Body: ProfileFormBody }>(
    '/console/sources/profiles/:system',
    { config: { access }, schema: { params: systemParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const { system } = request.params
      const body = request.body ?? {}
      const action = String(body.action ?? '')
      const sample = String(body.sample ?? '')
      const note = String(body.note ?? '')
      const form = readForm(body)
      const built = documentOf(form)
      const shown = { ...formPage(form, built.document), sample, note }
      const limitErrors = [
        ...(sample.length > profileFormLimits.sample
          ? [
              {
                field: 'sample',
                message: `The sample must be ${profileFormLimits.sample.toLocaleString('en-GB')} characters or fewer`,
              },
            ]
          : []),
        ...(note.length > profileFormLimits.note
          ? [
              {
                field: 'note',
                message: `What changed must be ${profileFormLimits.note.toLocaleString('en-GB')} characters or fewer`,
              },
            ]
          : []),
      ]
      if (changesRows(action)) return profilePage(request, reply, system, shown)
      if (!built.document || limitErrors.length)
        return profilePage(
          request,
          reply,
          system,
          { ...shown, errors: [...built.errors, ...limitErrors] },
          400,
        )
      const document = JSON.stringify(built.document)
      try {
        const tried = sample.trim() ? sources.tryProfile(document, sample) : undefined
        const result = tried && {
          ...tried,
          mapped: tried.events,
          fields: tried.fields.map((f) => ({ ...f, label: targetLabels[f.target] ?? f.target })),
        }
        if (action === 'save') {
          const version = await sources.saveProfile(
            forceId,
            system,
            document,
            note.trim() || null,
            staffOf(request).id,
            sample,
          )
          await audit(request, 'mapping-profile.saved', 'mapping_profile', `${system}:${version}`, {
            version,
          })
          return profilePage(request, reply, system, { ...shown, saved: version, tried: result })
        }
        if (!result)
          return profilePage(
            request,
            reply,
            system,
            { ...shown, errors: [{ field: 'sample', message: 'Paste a sample event to try the profile' }] },
            400,
          )
        return profilePage(request, reply, system, { ...shown, tried: result })
      } catch (error) {
        if (!(error instanceof DomainError) || error.status !== 400) throw error
        // What the checks find beyond the rows' own errors concerns the profile as a whole.
        const errors = (error.fieldErrors ?? []).map((e) =>
          e.field === 'document' ? { ...e, field: 'profile' } : e,
        )
        return profilePage(request, reply, system, { ...shown, errors }, 400)
      }
    },
  )

  http.post<{ Params: { system: SourceSystem; version: number } }>(
    '/console/sources/profiles/:system/versions/:version/publish',
    { config: { access }, schema: { params: versionParams } },
    async (request, reply) => {
      const { system, version } = request.params
      try {
        await sources.publishProfile(forceOf(request), system, version, staffOf(request).id)
      } catch (error) {
        if (!(error instanceof DomainError) || error.status !== 400) throw error
        await audit(request, 'mapping-profile.publish-refused', 'mapping_profile', `${system}:${version}`, {
          version,
        })
        const row = await sources.profileVersion(forceOf(request), system, version)
        return profilePage(
          request,
          reply,
          system,
          {
            ...formPage(formOf(row!.document), row!.document),
            sample: row!.sample ?? '',
            errors: error.fieldErrors,
          },
          400,
        )
      }
      await audit(request, 'mapping-profile.published', 'mapping_profile', `${system}:${version}`, {
        version,
      })
      return reply.redirect(`/console/sources/profiles/${system}?published=${version}`)
    },
  )

  http.post<{ Params: { system: SourceSystem; version: number } }>(
    '/console/sources/profiles/:system/versions/:version/revert',
    { config: { access }, schema: { params: versionParams } },
    async (request, reply) => {
      const { system, version } = request.params
      const forceId = forceOf(request)
      const before = await sources.currentProfile(forceId, system)
      await sources.revertProfile(forceId, system, version, staffOf(request).id)
      await audit(request, 'mapping-profile.reverted', 'mapping_profile', `${system}:${version}`, {
        version,
        from: before?.version ?? null,
      })
      return reply.redirect(`/console/sources/profiles/${system}?reverted=${version}`)
    },
  )

  http.get<{ Params: { system: SourceSystem; version: number }; Querystring: { against?: number } }>(
    '/console/sources/profiles/:system/versions/:version/changes',
    {
      config: { access },
      schema: {
        params: versionParams,
        querystring: { type: 'object', properties: { against: { type: 'integer', minimum: 1 } } },
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const { system, version } = request.params
      const against = request.query.against ?? version - 1
      const [after, before] = await Promise.all([
        sources.profileVersion(forceId, system, version),
        sources.profileVersion(forceId, system, against),
      ])
      if (!after || !before)
        throw new DomainError('not-found', 'The profile version was not found', { status: 404 })
      return reply.render('sources/profile-changes.njk', {
        system,
        before,
        after,
        changes: profileChanges(before.document, after.document),
      })
    },
  )
}

/** The form's rows, and the profile they describe as stored (read only, for the advanced view). */
function formPage(form: ProfileForm, document: MappingProfile | undefined) {
  return {
    form: formView(form),
    limits: profileFormLimits,
    documentJson: document ? profileText(document) : null,
  }
}

/** A stored profile as the advanced view shows it: its settings in the documented order, not the store's. */
function profileText(document: MappingProfile): string {
  const ordered = Object.fromEntries(
    [...profileKeys, ...Object.keys(document)]
      .filter((key, at, all) => all.indexOf(key) === at && key in document)
      .map((key) => [key, document[key as keyof MappingProfile]]),
  )
  return JSON.stringify(ordered, null, 2)
}

/** The settings that differ between two profile documents, each shown as compact JSON. */
export function profileChanges(
  before: unknown,
  after: unknown,
): { setting: string; before: string | null; after: string | null }[] {
  const flat = (value: unknown, prefix: string[], into: Map<string, string>) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) {
      for (const [key, inner] of Object.entries(value)) flat(inner, [...prefix, key], into)
    } else into.set(prefix.join(' → '), JSON.stringify(value))
    return into
  }
  const a = flat(before, [], new Map())
  const b = flat(after, [], new Map())
  const settings = [...new Set([...a.keys(), ...b.keys()])].sort()
  return settings
    .filter((setting) => a.get(setting) !== b.get(setting))
    .map((setting) => ({ setting, before: a.get(setting) ?? null, after: b.get(setting) ?? null }))
}

const forceOf = staffForce('Source systems are set up per force; sign in with a force account')

/** The health figures as staff read them: lag in hours and minutes, rates with their counts. */
function healthView(h: SourceHealth) {
  return {
    ...h,
    lag: h.lagSeconds === null ? 'None yet' : plainDuration(h.lagSeconds),
    errorRateText: h.received24h
      ? `${percent(h.quarantined24h, h.received24h)} (${h.quarantined24h} of ${h.received24h})`
      : 'No events',
    duplicateRateText:
      h.received24h + h.duplicates24h
        ? `${h.duplicates24h} (${percent(h.duplicates24h, h.received24h + h.duplicates24h)} of all received)`
        : '0',
  }
}

/** 25%, 0.4%, "under 0.1%" rather than a rounded 0% when anything went wrong. */
export function percent(part: number, whole: number): string {
  if (!whole || !part) return '0%'
  const value = (part / whole) * 100
  if (value < 0.1) return 'under 0.1%'
  return `${Number(value >= 10 ? value.toFixed(0) : value.toFixed(1))}%`
}

/** 11744.2 seconds → "3 hours 15 minutes"; 42 → "42 seconds"; 2 days 3 hours for long ones. */
export function plainDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`
  if (s < 60) return unit(s, 'second')
  const minutes = Math.floor(s / 60)
  if (minutes < 60) return unit(minutes, 'minute')
  const hours = Math.floor(minutes / 60)
  if (hours < 24)
    return minutes % 60 ? `${unit(hours, 'hour')} ${unit(minutes % 60, 'minute')}` : unit(hours, 'hour')
  const days = Math.floor(hours / 24)
  return hours % 24 ? `${unit(days, 'day')} ${unit(hours % 24, 'hour')}` : unit(days, 'day')
}
