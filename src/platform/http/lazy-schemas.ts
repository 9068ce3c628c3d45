// Route schemas compiled on a route's first use (in tests) instead of all at start. Fastify
// compiles every route's validators (Ajv) and response serializers (fast-json-stringify) when the
// server becomes ready: about a second of CPU in each new process, most of it for routes a test
// file never calls. Each compiler here hands Fastify a function that compiles the real one from
// the same schema, with Fastify's own compilers and options, the first time it is called, then
// answers through it: what a request is checked against and how a reply is written are the same.
// Waypoint's own processes compile at start (createHttpServer), so a schema Ajv or
// fast-json-stringify refuses stops start-up there, as before.
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

type Route = { schema: unknown; method: string; url: string; httpPart?: string; [key: string]: unknown }
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown }
type ValidatorFactory = (externalSchemas: unknown, options: unknown) => (route: Route) => Validate
type Serialize = (data: unknown) => string
type SerializerFactory = (externalSchemas: unknown, options: unknown) => (route: Route) => Serialize

// Fastify's own compilers and the header schema normalisation it applies to its own compiler's
// schemas (lower-case header names), from the copies Fastify itself loads.
const fastifyRequire = createRequire(import.meta.resolve('fastify'))
const defaultValidators = (fastifyRequire('@fastify/ajv-compiler') as () => ValidatorFactory)()
const defaultSerializers = (
  fastifyRequire('@fastify/fast-json-stringify-compiler') as () => SerializerFactory
)()
const validation = fastifyRequire('./lib/validation.js') as {
  compileSchemasForValidation(context: object, compile: (route: Route) => unknown, isCustom: boolean): void
  symbols: { headersSchema: symbol }
}

/**
 * A header schema as Fastify gives its own compiler: a compiler of ours is "custom" to Fastify,
 * which then passes header schemas on as written, so they are normalised here the same way.
 */
function headerSchema(route: Route): unknown {
  const context: Record<string | symbol, unknown> = {
    schema: { headers: route.schema },
    config: { method: route.method, url: route.url },
  }
  validation.compileSchemasForValidation(context, (r) => r.schema, false)
  return context[validation.symbols.headersSchema]
}

/** Fastify's validator compiler, compiling each schema the first time a request needs it. */
export const lazyValidators = ((externalSchemas, options) => {
  const compilerFor = defaultValidators(externalSchemas, options)
  return (route) => {
    let compiled: Validate | undefined
    const validate: Validate = (data, context) => {
      compiled ??= compilerFor(
        route.httpPart === 'headers' ? { ...route, schema: headerSchema(route) } : route,
      )
      const result = compiled(data, context)
      // Fastify reads the errors from the function it was given, straight after the call.
      validate.errors = compiled.errors
      return result
    }
    // An Ajv function: Fastify passes the parent object so a coerced root value is written back.
    validate.schemaEnv = true
    return validate
  }
}) satisfies ValidatorFactory as unknown as NonNullable<CompilersFactory['buildValidator']>

/** Fastify's response serializer compiler, compiling each schema on its first reply. */
export const lazySerializers = ((externalSchemas, options) => {
  const compilerFor = defaultSerializers(externalSchemas, options)
  return (route) => {
    let compiled: Serialize | undefined
    return (data) => {
      compiled ??= compilerFor(route)
      return compiled(data)
    }
  }
}) satisfies SerializerFactory as unknown as NonNullable<CompilersFactory['buildSerializer']>
