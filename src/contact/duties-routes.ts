// Duty rosters (CRM-35, decision 0040): the API the force's duty management system puts rosters
// to (an API client of the force holding `contact:duties`; JSON or CSV; the same roster id again
// changes nothing; errors are problem documents naming each wrong shift), and the console page
// where contact supervisors and force administrators see who is rostered now against who is
// signed in and ready, and rostered against ready hours per day, and where a force administrator
// uploads a CSV export from the duty system (a GOV.UK file upload; one wrong row and nothing is
// saved, the error summary naming each). Plain forms: it works without JavaScript.
import { createHash } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasAnyRole, type StaffRole } from '../platform/auth/roles.ts'
import { apiProblems, problemResponses } from '../platform/api/api-schemas.ts'
import { DomainError, type FieldError, ForbiddenError, ValidationError } from '../platform/errors.ts'
import { refusedForm } from '../platform/http/request.ts'
import {
  csvColumns,
  type DutiesService,
  ROSTER_LIMITS,
  type RosterReceipt,
  type ShiftInput,
  shiftsFromCsv,
} from './duties.ts'
import type { QueueService } from './queue.ts'
import { skills } from './queue-repository.ts'
import { acting, forceOf } from './single-view-routes.ts'

export const DUTIES_SCOPE = 'contact:duties'
/** Who sees the rosters page; only a force administrator uploads. */
export const dutiesReaders: readonly StaffRole[] = ['contact_supervisor', 'force_admin']
export const dutiesUploaders: readonly StaffRole[] = ['force_admin']

const optional = (max: number, description: string) =>
  Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()], { description }))

const ShiftBody = Type.Object(
  {
    email: optional(ROSTER_LIMITS.email, 'The handler’s staff email'),
    payrollNumber: optional(ROSTER_LIMITS.number, 'Or their payroll (HR employee) number'),
    collarNumber: optional(ROSTER_LIMITS.number, 'Or their collar number'),
    start: Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'When the shift starts: ISO 8601 (with an offset, or UK time without one)',
    }),
    end: Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'When the shift ends, at most 24 hours later',
    }),
    skills: Type.Optional(
      Type.Union([
        Type.Array(Type.String({ enum: [...skills] }), {
          maxItems: skills.length,
          description: 'Skills on this shift',
        }),
        Type.Null(),
      ]),
    ),
    team: optional(ROSTER_LIMITS.team, 'The team the handler works in on this shift'),
  },
  { additionalProperties: false },
)

const RosterJson = Type.Object(
  {
    system: optional(ROSTER_LIMITS.systemName, 'The duty system’s name, like GRS'),
    shifts: Type.Array(ShiftBody, { minItems: 1, maxItems: ROSTER_LIMITS.shifts }),
  },
  { additionalProperties: false },
)

const Receipt = Type.Object({
  status: Type.Union([Type.Literal('imported'), Type.Literal('duplicate')]),
  roster: Type.String({ format: 'uuid', description: 'Waypoint’s id for the roster' }),
  rosterId: Type.String({ description: 'The duty system’s roster id, as sent' }),
  shifts: Type.Integer({ minimum: 0, description: 'Shifts taken' }),
  replaced: Type.Integer({ minimum: 0, description: 'Shifts of earlier rosters in its period it replaced' }),
  periodStart: Type.String({ format: 'date-time' }),
  periodEnd: Type.String({ format: 'date-time' }),
})

const csvDescription = `CSV with a header row naming the columns ${csvColumns.join(', ')} (any order; email, payroll_number or collar_number to name the handler; skills separated by semicolons)`

/** The parts of a multipart/form-data body: fields as text, files with their name and text. */
export function parseMultipart(
  body: Buffer,
  contentType: string,
): Record<string, string | { filename: string; text: string }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  if (!boundary) throw new ValidationError([{ field: 'roster', message: 'Choose a CSV file' }])
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`)
  const out: Record<string, string | { filename: string; text: string }> = {}
  let at = body.indexOf(marker)
  while (at >= 0) {
    const start = at + marker.length
    if (body.subarray(start, start + 2).toString() === '--') break
    const next = body.indexOf(marker, start)
    if (next < 0) break
    const part = body.subarray(start + 2, next - 2)
    const split = part.indexOf('\r\n\r\n')
    if (split >= 0) {
      const headers = part.subarray(0, split).toString('utf8')
      const data = part.subarray(split + 4)
      const name = /name="([^"]*)"/i.exec(headers)?.[1]
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1]
      if (name && !(name in out))
        out[name] =
          filename !== undefined
            ? { filename, text: data.toString('utf8') }
            : data.toString('utf8').slice(0, 2000)
    }
    at = next
  }
  return out
}

export async function registerDutiesRoutes(
  http: FastifyInstance,
  deps: { duties: DutiesService; queue: QueueService },
): Promise<void> {
  const readers = { staff: dutiesReaders, product: 'contact' as const }
  const uploaders = { staff: dutiesUploaders, product: 'contact' as const }

  await http.register(async (scope) => {
    scope.addContentTypeParser(
      'text/csv',
      { parseAs: 'string', bodyLimit: ROSTER_LIMITS.csvBytes },
      (_request, body, done) => done(null, body),
    )
    scope.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer', bodyLimit: ROSTER_LIMITS.csvBytes + 16_384 },
      (request, body, done) => {
        try {
          done(null, parseMultipart(body as Buffer, String(request.headers['content-type'] ?? '')))
        } catch (error) {
          done(error as Error, undefined)
        }
      },
    )

    scope.put<{
      Params: { force: string; rosterId: string }
      Body: unknown
      Querystring: { system?: string }
    }>(
      '/api/v1/contact/:force/duties/:rosterId',
      {
        config: { access: { client: [DUTIES_SCOPE], product: 'contact' as const } },
        bodyLimit: ROSTER_LIMITS.csvBytes,
        schema: {
          summary: 'Put a duty roster from the force’s duty management system',
          description:
            'Who is on duty when, from GRS, Crown Duty Roster or the like: each shift names a contact handler by ' +
            'staff email, payroll number or collar number, with its start and end, and optionally skills and team. ' +
            `JSON, or ${csvDescription}. At most ${ROSTER_LIMITS.shifts} shifts, each at most ` +
            `${ROSTER_LIMITS.shiftHours} hours, starting within ${ROSTER_LIMITS.pastDays} days before today and ` +
            `${ROSTER_LIMITS.futureDays} after. The roster is taken whole or not at all: a wrong shift refuses it, ` +
            'the problem naming each. Its shifts replace those of earlier rosters that start in its period. ' +
            'The same roster id again changes nothing.',
          operationId: 'putDutyRoster',
          tags: ['Contact'],
          params: Type.Object({
            force: Type.String({ maxLength: 40, description: 'The force whose roster it is' }),
            rosterId: Type.String({
              minLength: 1,
              maxLength: ROSTER_LIMITS.rosterRef,
              description: 'The duty system’s id for this roster (or this export of it)',
            }),
          }),
          querystring: Type.Object({
            system: optional(ROSTER_LIMITS.systemName, 'The duty system’s name, for CSV'),
          }),
          body: {
            content: {
              'application/json': { schema: RosterJson },
              'text/csv': {
                schema: Type.String({ maxLength: ROSTER_LIMITS.csvBytes, description: csvDescription }),
              },
            },
          },
          response: {
            201: { ...Receipt, description: 'The roster is imported' },
            200: { ...Receipt, description: 'A roster with this id was imported before; nothing changed' },
            ...problemResponses([...apiProblems, 413, 415], {
              400: 'The roster is refused: the problem’s errors name each wrong shift',
              403: `The client lacks the ${DUTIES_SCOPE} scope, the force is not its own, or it does not have Contact`,
            }),
          },
        },
      },
      async (request, reply) => {
        if (request.client!.forceId !== request.params.force)
          throw new ForbiddenError('This client may only send rosters for its own force')
        const csv = typeof request.body === 'string'
        if (!csv && !Array.isArray((request.body as { shifts?: unknown } | undefined)?.shifts))
          throw new DomainError('unsupported-media-type', 'Send the roster as application/json or text/csv', {
            status: 415,
          })
        const body = request.body as { system?: string | null; shifts: ShiftInput[] } | string
        const receipt: RosterReceipt = await deps.duties.import(
          request.params.force,
          {
            rosterRef: request.params.rosterId,
            systemName: csv
              ? (request.query.system ?? null)
              : ((body as { system?: string | null }).system ?? null),
            shifts: csv ? shiftsFromCsv(body as string) : (body as { shifts: ShiftInput[] }).shifts,
            source: 'api',
          },
          {
            actor: { kind: 'client', id: request.client!.clientId, name: null },
            ip: request.ip,
            correlationId: request.id,
            name: `Duty system (API client ${request.client!.clientId})`,
          },
        )
        return reply.code(receipt.status === 'imported' ? 201 : 200).send(receipt)
      },
    )

    const render = async (
      request: FastifyRequest,
      reply: FastifyReply,
      form: { errors?: FieldError[]; values?: Record<string, string>; imported?: string } = {},
    ) => {
      const forceId = forceOf(request)
      const [now, agents, recent, hours] = await Promise.all([
        deps.duties.now(forceId),
        deps.queue.agents(forceId),
        deps.duties.recent(forceId),
        deps.duties.hours(forceId),
      ])
      const onDuty = new Map(now.onDuty.map((s) => [s.staffId, s]))
      const staff = request.staff!
      const rosterErrors = (form.errors ?? []).filter((e) => e.field === 'roster')
      return reply.render('contact/duties.njk', {
        title: 'Duty rosters',
        agents: agents.map((a) => ({ ...a, shift: onDuty.get(a.staffId) })),
        offRoster: now.covered
          ? agents.filter((a) => a.state === 'ready' && !onDuty.has(a.staffId)).map((a) => a.displayName)
          : [],
        rosterError:
          rosterErrors.length > 1
            ? `${rosterErrors.length} problems with the file: see the list above`
            : rosterErrors[0]?.message,
        rosteredNotHere: now.onDuty.filter((s) => !agents.some((a) => a.staffId === s.staffId)).length,
        covered: now.covered,
        recent,
        hours: hours.map((h) => ({ ...h, readyShare: h.readyPercent === null ? '–' : `${h.readyPercent}%` })),
        canUpload: hasAnyRole(staff, dutiesUploaders),
        columns: csvColumns,
        limits: ROSTER_LIMITS,
        imported: form.imported,
        errors: form.errors,
        values: form.values ?? {},
      })
    }

    scope.get<{ Querystring: { imported?: string } }>(
      '/console/contact/duties',
      {
        config: { access: readers },
        schema: {
          querystring: Type.Object({
            imported: Type.Optional(Type.String({ pattern: '^(duplicate|[0-9]{1,4}-[0-9]{1,6})$' })),
          }),
        },
      },
      (request, reply) =>
        render(request, reply, { ...(request.query.imported ? { imported: request.query.imported } : {}) }),
    )

    scope.post<{ Body: Record<string, string | { filename: string; text: string }> }>(
      '/console/contact/duties/upload',
      { config: { access: uploaders }, bodyLimit: ROSTER_LIMITS.csvBytes + 16_384 },
      async (request, reply) => {
        const body = request.body ?? {}
        const system = typeof body.system === 'string' ? body.system.trim() : ''
        try {
          const file = body.roster
          if (!file || typeof file === 'string' || file.text.trim() === '')
            throw new ValidationError([
              { field: 'roster', message: 'Choose the CSV file the duty system exported' },
            ])
          if (!/\.csv$/i.test(file.filename))
            throw new ValidationError([{ field: 'roster', message: 'The selected file must be a CSV' }])
          // The file's own fingerprint is its roster id: the same export uploaded again is taken once.
          const rosterRef = `upload:${createHash('sha256').update(file.text).digest('hex').slice(0, 32)}`
          const receipt = await deps.duties.import(
            forceOf(request),
            { rosterRef, systemName: system || null, shifts: shiftsFromCsv(file.text), source: 'upload' },
            acting(request),
          )
          const said = receipt.status === 'duplicate' ? 'duplicate' : `${receipt.shifts}-${receipt.replaced}`
          return reply.redirect(`/console/contact/duties?imported=${said}`, 303)
        } catch (error) {
          return refusedForm(reply, error, (errors) => render(request, reply, { errors, values: { system } }))
        }
      },
    )
  })
}
