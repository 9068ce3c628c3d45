// Console pages for Journeys: the force's journeys in plain English, one journey's steps and
// versions, publishing (UJ-18), the inclusion/exclusion rules (UJ-7, CP-61) and why a case's
// people were or were not enrolled. (The Victims' Code deadlines page, CP-65, is reporting's: it
// reads when messages actually left.) Every page is confined to the signed-in member of staff's
// own force. The product home `/console/journeys` (platform) links
// to these pages through the console navigation.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { markerKinds, partyRoles } from '../cases/model.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { DomainError } from '../platform/errors.ts'
import { describeCondition } from './conditions.ts'
import { type EligibilityRules, parseEligibilityForm } from './eligibility.ts'
import type { CaseService } from '../cases/service.ts'
import type { JourneyService } from './service.ts'
import { staffForce, staffOf } from '../platform/http/request.ts'
import { caseReference, journeyCaseReaders } from './case-messages-routes.ts'

const readers: StaffRole[] = ['force_admin', 'journey_designer', 'analyst']
const publishers: StaffRole[] = ['force_admin', 'journey_designer']
const caseReaders = journeyCaseReaders
const product = 'journeys' as const

type Form = Record<string, string | string[] | undefined>

export function registerJourneyRoutes(
  http: FastifyInstance,
  journeys: JourneyService,
  cases: Pick<CaseService, 'getPerson' | 'getCrime' | 'getIncident'>,
): void {
  http.get(
    '/console/journeys/definitions',
    { config: { access: { staff: readers, product } } },
    async (request, reply) =>
      reply.render('journeys/list.njk', {
        journeys: await journeys.list(forceOf(request)),
        canEditRules: staffOf(request).roles.has('force_admin'),
      }),
  )

  http.get(
    '/console/journeys/rules',
    { config: { access: { staff: readers, product } } },
    async (request, reply) => {
      const rules = await journeys.rules(forceOf(request))
      return reply.render('journeys/rules.njk', {
        ...rulesPage(rules.eligibility, request),
        updatedAt: rules.updatedAt,
        saved: (request.query as { saved?: string }).saved === '1',
      })
    },
  )

  http.post<{ Body: Form }>(
    '/console/journeys/rules',
    { config: { access: { staff: ['force_admin'], product } } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const parsed = parseEligibilityForm(request.body)
      if (!parsed.rules) {
        reply.code(400)
        return reply.render('journeys/rules.njk', {
          ...rulesPage(formValues(request.body), request),
          errors: parsed.errors,
        })
      }
      await journeys.saveEligibility(forceId, parsed.rules, { id: staffOf(request).id, ip: request.ip })
      return reply.redirect('/console/journeys/rules?saved=1', 303)
    },
  )

  http.get<{ Params: { caseId: string } }>(
    '/console/journeys/cases/:caseId',
    { config: { access: { staff: caseReaders, product } } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const caseId = uuidOrNotFound(request.params.caseId)
      // The case's reference and a way back to it; a case the viewer cannot read is not found.
      const onCase = await caseReference(cases, forceId, caseId)
      const explanation = await journeys.explain(forceId, caseId, {
        id: staffOf(request).id,
        ip: request.ip,
      })
      return reply.render('journeys/case.njk', {
        caseId: request.params.caseId,
        onCase,
        decisions: explanation.decisions,
        enrolments: explanation.enrolments.map((e) => ({
          ...e,
          needsSafeChannel:
            e.status !== 'cancelled' && e.steps.some((s) => s.detail.includes('confirmed as a safe channel')),
        })),
        confirmed: (request.query as { confirmed?: string }).confirmed,
        canConfirm: ['investigating_officer', 'supervisor', 'force_admin'].some((r) =>
          staffOf(request).roles.has(r as StaffRole),
        ),
      })
    },
  )

  // The safe-contact policy sends nothing to a domestic abuse victim until a channel is confirmed
  // safe with them; the officer records that here, and the journey uses it from its next step.
  http.post<{ Params: { personId: string }; Body: Form }>(
    '/console/journeys/people/:personId/safe-channels',
    { config: { access: { staff: ['investigating_officer', 'supervisor', 'force_admin'], product } } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const personId = uuidOrNotFound(request.params.personId)
      await cases.getPerson(forceId, personId)
      const channel = String(request.body.channel ?? '')
      if (channel !== 'sms' && channel !== 'email') {
        throw new DomainError('validation-failed', 'Choose SMS or email', {
          fieldErrors: [{ field: 'channel', message: 'Choose SMS or email' }],
        })
      }
      await journeys.confirmSafeChannel(forceId, personId, channel, {
        id: staffOf(request).id,
        ip: request.ip,
      })
      const back = String(request.body.caseId ?? '')
      return reply.redirect(
        /^[0-9a-f-]{36}$/i.test(back)
          ? `/console/journeys/cases/${back}?confirmed=${channel}`
          : '/console/journeys/victims-code',
        303,
      )
    },
  )

  http.get<{ Params: { id: string } }>(
    '/console/journeys/definitions/:id',
    { config: { access: { staff: readers, product } } },
    async (request, reply) => {
      const detail = await journeys.detail(forceOf(request), request.params.id)
      return reply.render('journeys/journey.njk', {
        ...detail,
        canPublish: publishers.some((r) => staffOf(request).roles.has(r)),
        published: (request.query as { published?: string }).published,
      })
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/journeys/definitions/:id/publish',
    { config: { access: { staff: publishers, product } } },
    async (request, reply) => {
      const version = await journeys.publish(forceOf(request), request.params.id, {
        id: staffOf(request).id,
        ip: request.ip,
      })
      return reply.redirect(
        `/console/journeys/definitions/${request.params.id}?published=${version.version}`,
        303,
      )
    },
  )
}

const forceOf = staffForce('Journeys belong to a force: sign in as a member of a force')

function uuidOrNotFound(id: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(id))
    throw new DomainError('not-found', 'The case was not found', { status: 404 })
  return id
}

const words = (v: string) => v.charAt(0).toUpperCase() + v.slice(1).replaceAll('_', ' ')

function rulesPage(rules: EligibilityRules | ReturnType<typeof formValues>, request: FastifyRequest) {
  return {
    canEdit: staffOf(request).roles.has('force_admin'),
    values: {
      includedCrimeTypes: rules.includedCrimeTypes.join('\n'),
      excludedCrimeTypes: rules.excludedCrimeTypes.join('\n'),
      excludedIncidentTypes: rules.excludedIncidentTypes.join('\n'),
      minimumAge: rules.minimumAge ?? '',
      maximumAge: rules.maximumAge ?? '',
    },
    roleItems: partyRoles
      .filter((r) => r !== 'suspect')
      .map((r) => ({ value: r, text: words(r), checked: (rules.includedRoles as string[]).includes(r) })),
    markerItems: markerKinds.map((m) => ({
      value: m,
      text: words(m),
      checked: (rules.excludedMarkers as string[]).includes(m),
    })),
    summary: summaryOf(rules),
  }
}

function formValues(body: Form) {
  const list = (name: string) =>
    String(body[name] ?? '')
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter(Boolean)
  const picked = (name: string) => {
    const v = body[name]
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String)
  }
  return {
    includedCrimeTypes: list('includedCrimeTypes'),
    excludedCrimeTypes: list('excludedCrimeTypes'),
    excludedIncidentTypes: list('excludedIncidentTypes'),
    includedRoles: picked('includedRoles'),
    excludedMarkers: picked('excludedMarkers'),
    minimumAge: String(body.minimumAge ?? '') || null,
    maximumAge: String(body.maximumAge ?? '') || null,
  }
}

/** The rules as sentences, the way the case page explains decisions. */
function summaryOf(rules: EligibilityRules | ReturnType<typeof formValues>): string[] {
  const lines = [
    `Only these roles receive messages: ${rules.includedRoles.map((r) => words(r).toLowerCase()).join(', ') || 'none'}.`,
  ]
  if (rules.includedCrimeTypes.length)
    lines.push(`Only these crime types: ${rules.includedCrimeTypes.join(', ')}.`)
  if (rules.excludedCrimeTypes.length)
    lines.push(`Excluded crime types: ${rules.excludedCrimeTypes.join(', ')}.`)
  if (rules.excludedIncidentTypes.length)
    lines.push(`Excluded incident types: ${rules.excludedIncidentTypes.join(', ')}.`)
  if (rules.excludedMarkers.length)
    lines.push(
      `People with these markers are excluded: ${rules.excludedMarkers.map((m) => words(m).toLowerCase()).join(', ')}.`,
    )
  if (rules.minimumAge !== null || rules.maximumAge !== null) {
    const min = rules.minimumAge === null ? undefined : Number(rules.minimumAge)
    const max = rules.maximumAge === null ? undefined : Number(rules.maximumAge)
    lines.push(
      `Only people for whom ${describeCondition({ op: 'age-between', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) })}.`.replace(
        'the victim is',
        'the person is',
      ),
    )
  }
  return lines
}
