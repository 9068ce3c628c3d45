// Each product's home in the console, for the products the modules give entries to: it lists the
// product's entries a person may open. A force that has not bought the product cannot open it
// (the route declares the product), and only those who may open one of its entries may open it.
// A product without entries has no home page at all.
import type { FastifyInstance } from 'fastify'
import type { ConsoleNavigation } from './navigation.ts'

export function registerProductRoutes(http: FastifyInstance, navigation: ConsoleNavigation): void {
  for (const { product, description, roles } of navigation.productHomes()) {
    http.get(description.home!, { config: { access: { staff: roles, product } } }, async (_request, reply) =>
      reply.render('console/product-home.njk', { home: description }),
    )
  }
}
