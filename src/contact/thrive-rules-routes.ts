// The THRIVE rules page (CRM-17): contact supervisors and force administrators read the rules in
// force, in words, and every earlier version; a force administrator changes them in a form.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FieldError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import { thriveDimensions } from './queue-repository.ts'
import { scriptDesigners } from './scripts-routes.ts'
import { acting, forceOf } from './single-view-routes.ts'
import { dimensionNames, ratingNames } from './thrive.ts'
import { describeRule, ruleGradings, type ThriveRuleSet, type ThriveRules } from './thrive-rules.ts'

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const levelItems = (chosen: number) =>
  [1, 2, 3].map((n) => ({ value: String(n), text: `${ratingNames[n]} or above`, selected: n === chosen }))

export function registerThriveRuleRoutes(http: FastifyInstance, deps: { thriveRules: ThriveRules }): void {
  const readers = { staff: scriptDesigners, product: 'contact' as const }
  const editors = { staff: ['force_admin'] as const, product: 'contact' as const }

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { errors?: FieldError[]; shown?: ThriveRuleSet; note?: string } = {},
  ) => {
    const { current, history } = await deps.thriveRules.rules(forceOf(request))
    const shown = form.shown ?? current
    return reply.render('contact/thrive-rules.njk', {
      title: 'THRIVE rules',
      current: {
        ...current,
        described: current.rules.map((r) => ({ grading: r.grading, text: describeRule(r) })),
      },
      history: history.map((h) => ({
        ...h,
        described: h.rules.map((r) => ({ grading: r.grading, text: describeRule(r) })),
      })),
      canEdit: request.staff?.roles.has('force_admin') ?? false,
      rules: ruleGradings.map((grading) => {
        const rule = shown.rules.find((r) => r.grading === grading)
        return {
          grading,
          dimensionItems: thriveDimensions.map((d) => ({
            value: d,
            text: dimensionNames[d],
            checked: rule?.dimensions.includes(d) ?? false,
          })),
          levelItems: levelItems(rule?.atLeast ?? 3),
          markers: rule?.markers ?? false,
        }
      }),
      vulnerableItems: levelItems(shown.vulnerableAtLeast),
      note: form.note ?? '',
      errors: form.errors,
    })
  }

  http.get('/console/contact/thrive-rules', { config: { access: readers } }, (request, reply) =>
    render(request, reply),
  )

  const list = Type.Optional(
    Type.Union([Type.String({ maxLength: 20 }), Type.Array(Type.String({ maxLength: 20 }), { maxItems: 6 })]),
  )
  http.post<{ Body: Record<string, string | string[] | undefined> }>(
    '/console/contact/thrive-rules',
    {
      config: { access: editors },
      schema: {
        body: Type.Object({
          ...Object.fromEntries(
            ruleGradings.flatMap((g) => [
              [`${g}Dimensions`, list],
              [`${g}AtLeast`, formText(2)],
              [`${g}Markers`, formText(3)],
            ]),
          ),
          vulnerableAtLeast: formText(2),
          note: formText(500),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      const b = request.body
      const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)
      const input = {
        rules: ruleGradings.map((grading) => {
          const dims = b[`${grading}Dimensions`]
          return {
            grading,
            dimensions: Array.isArray(dims) ? dims : dims ? [dims] : [],
            atLeast: one(b[`${grading}AtLeast`]),
            markers: one(b[`${grading}Markers`]),
          }
        }),
        vulnerableAtLeast: one(b.vulnerableAtLeast),
        note: one(b.note),
      }
      try {
        await deps.thriveRules.save(forceOf(request), input, acting(request))
        return reply.redirect('/console/contact/thrive-rules', 303)
      } catch (error) {
        const shown: ThriveRuleSet = {
          version: null,
          rules: input.rules.map((r) => ({
            grading: r.grading,
            dimensions: thriveDimensions.filter((d) => r.dimensions.includes(d)),
            atLeast: Number(r.atLeast) || 3,
            markers: r.markers === 'yes',
          })),
          vulnerableAtLeast: Number(input.vulnerableAtLeast) || 2,
          note: null,
          savedByName: null,
          savedAt: null,
        }
        return refusedForm(reply, error, (errors) =>
          render(request, reply, { errors, shown, note: input.note ?? '' }),
        )
      }
    },
  )
}
