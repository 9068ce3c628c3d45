// The designer's checks before a journey goes live (UJ-18): each send step's message rendered for
// a sample victim with its SMS length, a test message to the designer's own phone or email,
// publishing from a page that says what changed, and a dry run over the last 30 days of cases.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ValidationError } from '../platform/errors.ts'
import type { Step } from './definition.ts'
import { describeStep } from './definition.ts'
import {
  actorOf,
  base,
  canEdit,
  designerReaders,
  designers,
  forceOf,
  product,
  stepIndex,
} from './designer-routes.ts'
import type { Form } from './designer-forms.ts'
import type { DesignerService } from './designer-service.ts'
import { fieldErrorsOf, refusedForm, staffOf } from '../platform/http/request.ts'

type Params = {
  Params: { id: string; n: string }
  Body: Form
  Querystring: Record<string, string | undefined>
}

export function registerDesignerPublishRoutes(http: FastifyInstance, designer: DesignerService): void {
  const read = { config: { access: { staff: designerReaders, product } } }
  const write = { config: { access: { staff: designers, product } } }

  const previewPage = async (
    request: FastifyRequest<{ Params: { id: string; n: string } }>,
    extra: Record<string, unknown> = {},
  ) => {
    const forceId = forceOf(request)
    const index = stepIndex(request.params.n)
    const { detail, definition, problems } = await designer.draft(forceId, request.params.id)
    const step = definition.steps[index]
    if (step?.kind !== 'send')
      throw new ValidationError(
        [{ field: 'step', message: 'Choose a step that sends a message' }],
        'That step does not send a message',
      )
    return {
      journey: detail.journey,
      index,
      number: index + 1,
      text: describeStep(step),
      previews: await designer.preview(forceId, step as Extract<Step, { kind: 'send' }>),
      warnings: problems.filter((p) => p.step === index + 1),
      staffEmail: request.staff?.email,
      ...extra,
    }
  }

  http.get<Params>(`${base}/:id/steps/:n/preview`, read, async (request, reply) =>
    reply.render('journeys/designer/preview.njk', {
      ...(await previewPage(request)),
      canEdit: canEdit(request),
      sent: request.query.sent,
    }),
  )

  http.post<Params>(`${base}/:id/steps/:n/test-send`, write, async (request, reply) => {
    const channel =
      request.body.channel === 'email' ? 'email' : request.body.channel === 'sms' ? 'sms' : undefined
    const phone = String(request.body.phone ?? '').trim()
    const errors = []
    if (!channel) errors.push({ field: 'channel', message: 'Select where to send the test message' })
    if (channel === 'sms' && !phone) errors.push({ field: 'phone', message: 'Enter your mobile number' })
    const address = channel === 'email' ? staffOf(request).email : phone
    if (errors.length === 0) {
      try {
        await designer.testSend(
          forceOf(request),
          request.params.id,
          stepIndex(request.params.n) + 1,
          { channel: channel!, address },
          actorOf(request),
        )
        return reply.redirect(
          `${base}/${request.params.id}/steps/${request.params.n}/preview?sent=${channel}`,
          303,
        )
      } catch (error) {
        errors.push(...fieldErrorsOf(error))
      }
    }
    reply.code(400)
    return reply.render('journeys/designer/preview.njk', {
      ...(await previewPage(request)),
      canEdit: true,
      errors,
      values: { channel: channel ?? '', phone },
    })
  })

  http.get<Params>(`${base}/:id/publish`, write, async (request, reply) => {
    const review = await designer.publishReview(forceOf(request), request.params.id)
    return reply.render('journeys/designer/publish.njk', publishPage(review))
  })

  http.post<Params>(`${base}/:id/publish`, write, async (request, reply) => {
    const forceId = forceOf(request)
    try {
      const outcome = await designer.publish(forceId, request.params.id, actorOf(request))
      return reply.redirect(
        'published' in outcome
          ? `${base}/${request.params.id}?published=${outcome.published.version}`
          : `${base}/${request.params.id}?requested=yes`,
        303,
      )
    } catch (error) {
      return refusedForm(reply, error, async () =>
        reply.render(
          'journeys/designer/publish.njk',
          publishPage(await designer.publishReview(forceId, request.params.id)),
        ),
      )
    }
  })

  // Version history and rollback (issue 13 §7): every version with who published it and when;
  // rolling back publishes a new version equal to an earlier one, or asks for approval of it.
  http.get<Params>(`${base}/:id/versions`, read, async (request, reply) => {
    const history = await designer.history(forceOf(request), request.params.id)
    return reply.render('journeys/designer/versions.njk', {
      ...history,
      canEdit: canEdit(request),
      done: request.query.done,
    })
  })

  http.post<Params>(`${base}/:id/versions/:n/rollback`, write, async (request, reply) => {
    const outcome = await designer.rollback(
      forceOf(request),
      request.params.id,
      stepIndex(request.params.n),
      actorOf(request),
    )
    return reply.redirect(
      'published' in outcome
        ? `${base}/${request.params.id}/versions?done=rolled-back`
        : `${base}/${request.params.id}/versions?done=requested`,
      303,
    )
  })

  http.get<Params>(`${base}/:id/dry-run`, read, async (request, reply) => {
    const forceId = forceOf(request)
    const { detail } = await designer.draft(forceId, request.params.id)
    const result = request.query.run === 'yes' ? await designer.dryRun(forceId, request.params.id) : undefined
    return reply.render('journeys/designer/dry-run.njk', { journey: detail.journey, result })
  })
}

function publishPage(review: Awaited<ReturnType<DesignerService['publishReview']>>) {
  const errors = review.problems
    .filter((p) => p.level === 'error')
    .map((p) => ({ field: 'steps', message: p.message }))
  return {
    journey: review.detail.journey,
    nextVersion: (review.detail.journey.publishedVersion ?? 0) + 1,
    changes: review.changes,
    approvalRequired: review.approvalRequired,
    warnings: review.problems.filter((p) => p.level === 'warning'),
    errors,
    unchanged: !review.detail.hasUnpublishedChanges,
  }
}
