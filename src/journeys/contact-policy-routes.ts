// The per-force safe-contact policy page: force admins choose which checks run before every
// automated message (do not contact, deceased, a suspect sharing the contact details, a confirmed
// safe channel for domestic abuse victims, a guardian for children). Other roles and other forces
// are refused; every change is audited by JourneyService.
import type { FastifyInstance } from 'fastify'
import type { ContactPolicySettings } from './contact-policy.ts'
import { actorOf, forceOf, product } from './designer-routes.ts'
import type { Form } from './designer-forms.ts'
import type { JourneyService } from './service.ts'

const path = '/console/journeys/contact-policy'

export const policyChecks = [
  { value: 'do_not_contact', text: 'Do not message people with a do-not-contact marker' },
  { value: 'deceased', text: 'Do not message people with a deceased marker' },
  { value: 'suspect', text: 'Do not message a contact detail or address a suspect on the case shares' },
  {
    value: 'domestic_abuse',
    text: 'Message a domestic abuse victim only on a channel confirmed safe with them',
  },
  { value: 'child', text: 'Message a child’s parent or guardian instead of the child' },
] as const

export function registerContactPolicyRoutes(http: FastifyInstance, journeys: JourneyService): void {
  const access = { config: { access: { staff: ['force_admin' as const], product } } }

  http.get(path, access, async (request, reply) => {
    const { contactPolicy } = await journeys.rules(forceOf(request))
    return reply.render('journeys/contact-policy.njk', {
      ...page(contactPolicy),
      saved: (request.query as { saved?: string }).saved === '1',
    })
  })

  http.post<{ Body: Form }>(path, access, async (request, reply) => {
    const parsed = parsePolicyForm(request.body)
    if (!parsed.policy) {
      reply.code(400)
      const checked = new Set(picked(request.body.checks))
      return reply.render('journeys/contact-policy.njk', {
        items: policyChecks.map((c) => ({ ...c, checked: checked.has(c.value) })),
        childUnder: String(request.body.childUnder ?? ''),
        errors: parsed.errors,
      })
    }
    await journeys.saveContactPolicy(forceOf(request), parsed.policy, actorOf(request))
    return reply.redirect(`${path}?saved=1`, 303)
  })
}

const picked = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String)

function page(policy: ContactPolicySettings) {
  const on = new Set<string>(policy.suppressOnMarkers)
  if (policy.suppressWhenSuspectSharesContact) on.add('suspect')
  if (policy.domesticAbuseNeedsSafeChannel) on.add('domestic_abuse')
  if (policy.childUnder > 0) on.add('child')
  return {
    items: policyChecks.map((c) => ({ ...c, checked: on.has(c.value) })),
    childUnder: policy.childUnder > 0 ? String(policy.childUnder) : '18',
  }
}

export function parsePolicyForm(form: Form): {
  policy?: ContactPolicySettings
  errors: { field: string; message: string }[]
} {
  const checks = new Set(picked(form.checks))
  const raw = String(form.childUnder ?? '').trim()
  let childUnder = 0
  if (checks.has('child')) {
    if (!/^\d{1,2}$/.test(raw) || Number(raw) < 1 || Number(raw) > 25)
      return { errors: [{ field: 'childUnder', message: 'Enter an age from 1 to 25, for example 18' }] }
    childUnder = Number(raw)
  }
  return {
    errors: [],
    policy: {
      suppressOnMarkers: ['do_not_contact', 'deceased'].filter((m) => checks.has(m)),
      suppressWhenSuspectSharesContact: checks.has('suspect'),
      domesticAbuseNeedsSafeChannel: checks.has('domestic_abuse'),
      childUnder,
    },
  }
}
