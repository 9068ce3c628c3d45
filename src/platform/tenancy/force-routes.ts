// Console pages for forces: products (system administrators), branding and contact settings
// (a force's own administrators too) — UJ-5, CP-5, CRM-5, UJ-12, CP-1, CRM-1.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { PlatformServices } from '../services.ts'
import type { StaffRole } from '../auth/roles.ts'
import { DomainError, ForbiddenError } from '../errors.ts'
import { auditContext } from '../http/server.ts'
import { contrastWithWhite, safeBrandColour } from './branding.ts'
import { type ForceProfileInput, type ForceSettings, products } from './force-service.ts'
import { staffOf } from '../http/request.ts'

const forceAdmins: StaffRole[] = ['system_admin', 'force_admin']
const productNames: Record<string, string> = { journeys: 'Journeys', portal: 'Portal', contact: 'Contact' }

type Form = Record<string, string | string[] | undefined>

export function registerForceRoutes(
  http: FastifyInstance,
  services: Pick<PlatformServices, 'forces' | 'audit'>,
): void {
  const { forces, audit } = services

  http.get('/console/forces', { config: { access: { staff: forceAdmins } } }, async (request, reply) => {
    const staff = staffOf(request)
    const visible = (await forces.list()).filter((f) => isSystemAdmin(request) || f.id === staff.forceId)
    return reply.render('tenancy/forces.njk', {
      forces: visible.map((f) => ({
        ...f,
        productNames: f.products.map((p) => productNames[p] ?? p),
        colour: safeBrandColour(f.branding.primaryColour),
      })),
    })
  })

  http.get<{ Params: { forceId: string } }>(
    '/console/forces/:forceId',
    { config: { access: { staff: forceAdmins } } },
    async (request, reply) => {
      const force = await forces.get(ownForceOrRefuse(request, request.params.forceId))
      const settings = force.settings as ForceSettings
      return reply.render('tenancy/force-edit.njk', {
        force,
        values: {
          displayName: force.branding.displayName ?? '',
          logoText: force.branding.logoText ?? '',
          logoUrl: force.branding.logoUrl ?? '',
          primaryColour: force.branding.primaryColour ?? '',
          senderName: settings.senderName ?? '',
          replyToEmail: settings.replyToEmail ?? '',
          contactPhone: settings.contactPhone ?? '',
        },
        ...pageExtras(request, force.products),
        saved: (request.query as { saved?: string }).saved,
      })
    },
  )

  http.post<{ Params: { forceId: string }; Body: Form }>(
    '/console/forces/:forceId',
    { config: { access: { staff: forceAdmins } } },
    async (request, reply) => {
      const force = await forces.get(ownForceOrRefuse(request, request.params.forceId))
      const values = profileFrom(request.body)
      try {
        const changed = await forces.updateProfile(force.id, values)
        if (changed.length)
          await audit.record({
            action: 'force.profile-updated',
            forceId: force.id,
            recordType: 'force',
            recordId: force.id,
            detail: { changed },
            ...auditContext(request),
          })
        return reply.redirect(`/console/forces/${force.id}?saved=profile`, 303)
      } catch (error) {
        if (!(error instanceof DomainError) || !error.fieldErrors.length) throw error
        reply.code(400)
        return reply.render('tenancy/force-edit.njk', {
          force,
          values,
          errors: error.fieldErrors,
          ...pageExtras(request, force.products),
        })
      }
    },
  )

  // Which products a force has bought is a contract matter, so only system administrators change it.
  http.post<{ Params: { forceId: string }; Body: Form }>(
    '/console/forces/:forceId/products',
    { config: { access: { staff: ['system_admin'] } } },
    async (request, reply) => {
      const force = await forces.get(request.params.forceId)
      const chosen = asList(request.body.products)
      await forces.setProducts(force.id, chosen)
      await audit.record({
        action: 'force.products-changed',
        forceId: force.id,
        recordType: 'force',
        recordId: force.id,
        detail: { before: force.products, after: chosen },
        ...auditContext(request),
      })
      return reply.redirect(`/console/forces/${force.id}?saved=products`, 303)
    },
  )
}

function isSystemAdmin(request: FastifyRequest): boolean {
  return request.staff?.roles.has('system_admin') ?? false
}

/** A force administrator manages only their own force; system administrators manage all. */
function ownForceOrRefuse(request: FastifyRequest, forceId: string): string {
  if (!isSystemAdmin(request) && request.staff?.forceId !== forceId)
    throw new ForbiddenError('You can only manage your own force')
  return forceId
}

function pageExtras(request: FastifyRequest, enabled: string[]) {
  return {
    canEditProducts: isSystemAdmin(request),
    productItems: products.map((p) => ({ value: p, text: productNames[p], checked: enabled.includes(p) })),
    minimumContrast: '4.5',
    contrastOf: (colour: string) => contrastWithWhite(colour).toFixed(1),
  }
}

function profileFrom(body: Form): ForceProfileInput {
  const text = (name: string) => {
    const v = body[name]
    return typeof v === 'string' ? v : ''
  }
  return {
    displayName: text('displayName'),
    logoText: text('logoText'),
    logoUrl: text('logoUrl'),
    primaryColour: text('primaryColour'),
    senderName: text('senderName'),
    replyToEmail: text('replyToEmail'),
    contactPhone: text('contactPhone'),
  }
}

export function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '')
}
