// Each product's home in the console. A force that has not bought a product cannot open its
// pages (the route declares the product), and the link is not in its navigation.
import type { FastifyInstance } from 'fastify'
import type { Product } from '../auth/roles.ts'

export const productHomes: { product: Product; name: string; path: string; summary: string }[] = [
  {
    product: 'journeys',
    name: 'Journeys',
    path: '/console/journeys',
    summary:
      'Automated text and email journeys that keep victims informed as their incident and crime move on, written back to STORM and Athena.',
  },
  {
    product: 'portal',
    name: 'Portal',
    path: '/console/portal',
    summary:
      'The force side of My Police Portal: invitations, case updates and messages between victims and investigating officers.',
  },
  {
    product: 'contact',
    name: 'Contact',
    path: '/console/contact',
    summary:
      'The contact centre: one view of a caller, the queue across channels, THRIVE risk assessment, scripts and wallboards.',
  },
]

export function registerProductRoutes(http: FastifyInstance): void {
  for (const home of productHomes) {
    http.get(
      home.path,
      { config: { access: { staff: 'any', product: home.product } } },
      async (_request, reply) => reply.render('console/product-home.njk', { home }),
    )
  }
}
