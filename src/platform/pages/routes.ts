// Public statements every Waypoint site carries (accessibility, privacy, cookies), on the citizen
// layout in the force's branding when reached as `/f/{force}/…` or with `?force=` (CP-1, CP-3).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PlatformServices } from '../services.ts'
import { safeBrandColour } from '../tenancy/branding.ts'
import type { ForceSettings } from '../tenancy/force-service.ts'

const statements = ['accessibility', 'privacy', 'cookies'] as const
type Statement = (typeof statements)[number]

const titles: Record<Statement, string> = {
  accessibility: 'Accessibility statement',
  privacy: 'Privacy notice',
  cookies: 'Cookies',
}

export function registerStatementRoutes(
  http: FastifyInstance,
  services: Pick<PlatformServices, 'forces'>,
): void {
  const render = async (request: FastifyRequest, reply: FastifyReply, page: Statement, forceId?: string) => {
    const brandForce = forceId ? await services.forces.get(forceId) : undefined
    const settings = (brandForce?.settings ?? {}) as ForceSettings
    return reply.render(`pages/${page}.njk`, {
      title: titles[page],
      brandForce,
      forceName: brandForce ? (brandForce.branding.displayName ?? brandForce.name) : undefined,
      contactPhone: settings.contactPhone,
      contactEmail: settings.replyToEmail,
      linkPrefix: brandForce && request.url.startsWith('/f/') ? `/f/${brandForce.id}` : '',
      linkSuffix: brandForce && !request.url.startsWith('/f/') ? `?force=${brandForce.id}` : '',
    })
  }

  // The public front page: what the service is, the forces that use it, how to stop messages,
  // and the way in for staff (who sign in at /sign-in).
  http.get('/', { config: { access: 'public' } }, async (_request, reply) => {
    const forces = (await services.forces.list())
      .map((f) => ({
        name: f.branding.displayName ?? f.name,
        phone: ((f.settings ?? {}) as ForceSettings).contactPhone,
      }))
      .sort((a, b) => a.name.localeCompare(b.name))
    return reply.render('pages/home.njk', { title: 'Updates about what you reported to the police', forces })
  })
  // Addresses people may have kept for staff sign-in lead to it, keeping where they were going.
  for (const old of ['/login', '/console/sign-in', '/staff/sign-in']) {
    http.get<{ Querystring: { returnTo?: string } }>(
      old,
      { config: { access: 'public' } },
      async (request, reply) => {
        const returnTo = request.query.returnTo
        return reply.redirect(
          typeof returnTo === 'string' && returnTo
            ? `/sign-in?returnTo=${encodeURIComponent(returnTo)}`
            : '/sign-in',
          301,
        )
      },
    )
  }

  for (const page of statements) {
    http.get<{ Querystring: { force?: string } }>(
      `/${page}`,
      { config: { access: 'public' } },
      async (request, reply) => {
        const asked = request.query.force
        const known = asked && (await services.forces.list()).some((f) => f.id === asked)
        return render(request, reply, page, known ? asked : undefined)
      },
    )
    http.get<{ Params: { forceId: string } }>(
      `/f/:forceId/${page}`,
      { config: { access: 'public' } },
      async (request, reply) => render(request, reply, page, request.params.forceId),
    )
  }

  // The force's colours as a stylesheet from this origin, so the CSP needs no inline styles.
  http.get<{ Params: { forceId: string } }>(
    '/brand/:forceId/style.css',
    { config: { access: 'public' } },
    async (request, reply) => {
      // An unknown force is a 404 (NotFoundError); any other failure is the service's.
      const force = await services.forces.get(request.params.forceId)
      const colour = safeBrandColour(force.branding.primaryColour)
      return reply
        .type('text/css; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(`.waypoint-brand { background-color: ${colour}; }\n`)
    },
  )
}
