// Each group's home in the console (a product, cases and messages, settings, administration), for
// the groups the modules give entries to: it lists the group's entries a person may open. A force
// that has not bought a product cannot open the product's home (the route declares the product),
// and only those who may open one of a group's entries may open its home. A group without entries
// has no home page at all.
import type { FastifyInstance } from 'fastify'
import type { ConsoleNavigation } from './navigation.ts'

export function registerProductRoutes(http: FastifyInstance, navigation: ConsoleNavigation): void {
  for (const { product, description, roles } of navigation.groupHomes()) {
    const access = product ? { staff: roles, product } : { staff: roles }
    http.get(description.home!, { config: { access } }, async (_request, reply) =>
      reply.render('console/product-home.njk', { home: description }),
    )
  }
}
