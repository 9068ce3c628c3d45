// Console pages of the no-code journey designer (UJ-18): the force's journeys, creating one, and
// editing its trigger and steps with plain HTML forms (no JavaScript, no JSON). Journey designers
// of the force change journeys; force admins may read them. Preview, test send, publish and dry
// run are in designer-publish-routes.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { gradings } from '../cases/model.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { DomainError } from '../platform/errors.ts'
import { type Condition, describeCondition } from './conditions.ts'
import { describeStep, describeTrigger, type JourneyDefinition } from './definition.ts'
import {
  eventItems,
  factItems,
  type Form,
  isStepKind,
  operatorItems,
  parseCondition,
  parseNewJourney,
  parseStep,
  parseTriggerEvents,
  stepKinds,
  triggerConditions,
  unknownValues,
  withTriggerConditions,
  crimeTypesLimit,
} from './designer-forms.ts'
import type { DesignerService } from './designer-service.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'

export const designerReaders: StaffRole[] = ['journey_designer', 'force_admin']
export const designers: StaffRole[] = ['journey_designer']
export const product = 'journeys' as const
export const base = '/console/journeys/designer'

type Params = {
  Params: { id: string; n: string }
  Body: Form
  Querystring: Record<string, string | undefined>
}

export function registerDesignerRoutes(http: FastifyInstance, designer: DesignerService): void {
  const read = { config: { access: { staff: designerReaders, product } } }
  const write = { config: { access: { staff: designers, product } } }

  http.get(base, read, async (request, reply) =>
    reply.render('journeys/designer/list.njk', {
      journeys: await designer.list(forceOf(request)),
      canEdit: canEdit(request),
    }),
  )

  http.get(`${base}/new`, write, async (request, reply) =>
    reply.render('journeys/designer/new.njk', newPage({}, await designer.crimeTypes(forceOf(request)))),
  )

  http.post<Params>(base, write, async (request, reply) => {
    const parsed = parseNewJourney(request.body)
    if (!parsed.journey) {
      reply.code(400)
      return reply.render('journeys/designer/new.njk', {
        ...newPage(request.body, await designer.crimeTypes(forceOf(request))),
        errors: parsed.errors,
      })
    }
    const journey = await designer.create(forceOf(request), parsed.journey, actorOf(request))
    return reply.redirect(`${base}/${journey.id}`, 303)
  })

  http.get<Params>(`${base}/:id`, read, async (request, reply) => editPage(request, reply, designer))

  // Steps: move up or down, remove, add (choose the type, then its fields).
  http.post<Params>(`${base}/:id/steps/:n/move`, write, async (request, reply) => {
    const index = stepIndex(request.params.n)
    const by = request.body.direction === 'up' ? -1 : 1
    await designer.change(
      forceOf(request),
      request.params.id,
      (d) => {
        const to = index + by
        if (index >= d.steps.length || to < 0 || to >= d.steps.length) return d
        const [step] = d.steps.splice(index, 1)
        d.steps.splice(to, 0, step!)
        return d
      },
      actorOf(request),
    )
    return reply.redirect(`${base}/${request.params.id}#steps`, 303)
  })

  http.post<Params>(`${base}/:id/steps/:n/remove`, write, async (request, reply) => {
    const index = stepIndex(request.params.n)
    try {
      await designer.change(
        forceOf(request),
        request.params.id,
        (d) => {
          d.steps.splice(index, 1)
          return d
        },
        actorOf(request),
      )
    } catch (error) {
      return refusedForm(reply, error, (errors) => editPage(request, reply, designer, errors))
    }
    return reply.redirect(`${base}/${request.params.id}#steps`, 303)
  })

  http.get<Params>(`${base}/:id/steps/new`, write, async (request, reply) => {
    const { detail, templates } = await designer.draft(forceOf(request), request.params.id)
    const kind = String(request.query.kind ?? '')
    if (!isStepKind(kind)) {
      if (kind) reply.code(400)
      return reply.render('journeys/designer/step-kind.njk', {
        journey: detail.journey,
        kindItems: stepKinds,
        ...(kind || request.query.chosen
          ? { errors: [{ field: 'kind', message: 'Select the type of step' }] }
          : {}),
      })
    }
    return reply.render(
      'journeys/designer/step-new.njk',
      stepPage(detail.journey, kind, templates, {}, await designer.crimeTypes(forceOf(request))),
    )
  })

  http.post<Params>(`${base}/:id/steps`, write, async (request, reply) => {
    const forceId = forceOf(request)
    const kind = String(request.body.kind ?? '')
    if (!isStepKind(kind))
      throw new DomainError('validation-failed', 'Select the type of step', { status: 400 })
    const { detail, templates } = await designer.draft(forceId, request.params.id)
    const parsed = parseStep(kind, request.body, [...new Set(templates.map((t) => t.key))])
    if (!parsed.step) {
      reply.code(400)
      return reply.render('journeys/designer/step-new.njk', {
        ...stepPage(detail.journey, kind, templates, request.body, await designer.crimeTypes(forceId)),
        errors: parsed.errors,
      })
    }
    await designer.change(
      forceId,
      request.params.id,
      (d) => ({ ...d, steps: [...d.steps, parsed.step!] }),
      actorOf(request),
    )
    return reply.redirect(`${base}/${request.params.id}#steps`, 303)
  })

  // The trigger: which case events start the journey, and the conditions that must all hold.
  http.post<Params>(`${base}/:id/trigger/events`, write, async (request, reply) => {
    const parsed = parseTriggerEvents(request.body)
    if (!parsed.events) {
      reply.code(400)
      return editPage(request, reply, designer, parsed.errors)
    }
    await designer.change(
      forceOf(request),
      request.params.id,
      (d) => ({
        ...d,
        trigger: { ...d.trigger, events: parsed.events! },
      }),
      actorOf(request),
    )
    return reply.redirect(`${base}/${request.params.id}#trigger`, 303)
  })

  http.post<Params>(`${base}/:id/trigger/conditions`, write, async (request, reply) => {
    const parsed = parseCondition(request.body)
    if (!parsed.condition) {
      reply.code(400)
      return editPage(request, reply, designer, parsed.errors, request.body)
    }
    await designer.change(
      forceOf(request),
      request.params.id,
      (d) =>
        withTriggerConditions(d, [...triggerConditions(d).filter((c) => !isAlways(c)), parsed.condition!]),
      actorOf(request),
    )
    return reply.redirect(`${base}/${request.params.id}#trigger`, 303)
  })

  http.post<Params>(`${base}/:id/trigger/conditions/:n/remove`, write, async (request, reply) => {
    const index = stepIndex(request.params.n)
    await designer.change(
      forceOf(request),
      request.params.id,
      (d) => {
        const conditions = triggerConditions(d)
        conditions.splice(index, 1)
        return withTriggerConditions(d, conditions.length ? conditions : [{ op: 'all', of: [] }])
      },
      actorOf(request),
    )
    return reply.redirect(`${base}/${request.params.id}#trigger`, 303)
  })
}

const isAlways = (c: Condition) => c.op === 'all' && c.of.length === 0

async function editPage(
  request: FastifyRequest<Params>,
  reply: FastifyReply,
  designer: DesignerService,
  errors: { field: string; message: string }[] = [],
  conditionForm: Form = {},
) {
  const { detail, definition, problems } = await designer.draft(forceOf(request), request.params.id)
  const crimeTypes = await designer.crimeTypes(forceOf(request))
  return reply.render('journeys/designer/edit.njk', {
    journey: detail.journey,
    hasUnpublishedChanges: detail.hasUnpublishedChanges,
    trigger: describeTrigger(definition),
    eventItems: eventItems.map((e) => ({ ...e, checked: definition.trigger.events.includes(e.value) })),
    conditions: triggerConditions(definition)
      .filter((c) => !isAlways(c))
      .map((c, i) => ({ number: i, text: describeCondition(c) })),
    steps: stepsOf(definition),
    // Only what the person just submitted goes in the error summary: a new journey is not yet
    // wrong, it is unfinished, so what stops publishing is listed beside the steps instead.
    errors,
    unfinished: problems.filter((p) => p.level === 'error'),
    warnings: [
      ...problems.filter((p) => p.level === 'warning'),
      ...unknownValues(definition, crimeTypes).map((message) => ({ message })),
    ],
    factItems: selectItems(factItems, conditionForm.fact),
    operatorItems: selectItems(operatorItems, conditionForm.operator),
    value: String(conditionForm.value ?? ''),
    pickItems: pickItems(crimeTypes, conditionForm.pick),
    canEdit: canEdit(request),
    published: request.query.published,
    requested: request.query.requested === 'yes',
    pending: await designer.pendingChange(forceOf(request), request.params.id),
  })
}

export function stepsOf(definition: JourneyDefinition) {
  return definition.steps.map((s, i) => ({
    number: i + 1,
    index: i,
    text: describeStep(s),
    sends: s.kind === 'send',
    first: i === 0,
    last: i === definition.steps.length - 1,
  }))
}

function newPage(form: Form, crimeTypes: string[]) {
  const picks = new Set([form.crimeTypePicks ?? []].flat().map(String))
  return {
    values: { name: String(form.name ?? ''), crimeTypes: String(form.crimeTypes ?? '') },
    crimeTypesLimit,
    crimeTypeItems: crimeTypes.map((c) => ({ value: c, text: c, checked: picks.has(c) })),
    kind: String(form.kind ?? ''),
    precedence: String(form.precedence ?? ''),
    gradingItems: selectItems(
      [{ value: '', text: 'Choose a grading' }, ...gradings.map((g) => ({ value: g, text: g }))],
      form.grading,
    ),
  }
}

/** A condition's values from the force's own lists: the gradings and its crime types. */
function pickItems(crimeTypes: string[], chosen: unknown) {
  return selectItems(
    [
      { value: '', text: 'None: I will type the value' },
      ...gradings.map((g) => ({ value: `incident.grading=${g}`, text: `Grading: ${g}` })),
      ...crimeTypes.map((c) => ({ value: `crime.type=${c}`, text: `Crime type: ${c}` })),
    ],
    chosen,
  )
}

function stepPage(
  journey: { id: string; name: string },
  kind: string,
  templates: { key: string; channel: string; language: string }[],
  form: Form,
  crimeTypes: string[],
) {
  const keys = [...new Set(templates.map((t) => t.key))].sort()
  return {
    journey,
    kind,
    kindText: stepKinds.find((k) => k.value === kind)?.text,
    templateItems: selectItems(
      [{ value: '', text: 'Choose a template' }, ...keys.map((k) => ({ value: k, text: k }))],
      form.template,
    ),
    channel: String(form.channel ?? ''),
    eventItems: selectItems([{ value: '', text: 'Choose an event' }, ...eventItems], form.event),
    factItems: selectItems(factItems, form.fact),
    operatorItems: selectItems(operatorItems, form.operator),
    pickItems: pickItems(crimeTypes, form.pick),
    values: Object.fromEntries(Object.entries(form).map(([k, v]) => [k, String(v ?? '')])),
  }
}

export function selectItems(items: readonly { value: string; text: string }[], chosen: unknown) {
  return items.map((i) => ({ value: i.value, text: i.text, selected: i.value === String(chosen ?? '') }))
}

export const forceOf = staffForce('Journeys belong to a force: sign in as a member of a force')

export const actorOf = (request: FastifyRequest) => ({
  id: staffOf(request).id,
  name: staffOf(request).displayName,
  ip: request.ip,
})
export const canEdit = (request: FastifyRequest) => designers.some((r) => staffOf(request).roles.has(r))

export function stepIndex(n: string): number {
  if (!/^\d{1,3}$/.test(n)) throw new DomainError('not-found', 'The step was not found', { status: 404 })
  return Number(n)
}
