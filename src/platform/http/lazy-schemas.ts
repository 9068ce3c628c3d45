// Route schemas compiled on a route's first use (in tests) instead of all at start. Fastify
// compiles every route's validators (Ajv) and response serializers (fast-json-stringify) when the
// server becomes ready: about a second of CPU in each new process, most of it for routes a test
// file never calls. Each compiler here hands Fastify a function that compiles the real one from
// the same schema, with Fastify's own compilers and options, the first time it is called, then
// answers through it: what a request is checked against and how a reply is written are the same.
// Only under NODE_ENV=test (createHttpServer): in development and production every schema is
// compiled at start, so a schema Ajv or fast-json-stringify refuses stops start-up, as before.
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

/** Schemas handed out and not compiled yet, each as the function that compiles it (once tried, it leaves). */
const pending = new Set<() => unknown>()

/**
 * Compiles every schema handed out and not compiled yet, as Fastify would have at start: a test
 * calls it to show that every route's schemas compile. Throws the first refusal, naming its route.
 */
export function compilePendingSchemas(): number {
  let compiled = 0
  for (const compile of [...pending]) {
    compile()
    compiled += 1
  }
  return compiled
}

/** What `compile` returns; an error it throws names the route and the part of it. */
function named<T>(route: Route, compile: () => T): T {
  try {
    return compile()
  } catch (error) {
    const part = route.httpPart ?? `response ${String(route.httpStatus ?? '')}`.trim()
    throw new Error(`${route.method} ${route.url} ${part}: ${(error as Error).message}`, { cause: error })
  }
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
    const compile = () => {
      pending.delete(compile)
      compiled ??= named(route, () =>
        compilerFor(route.httpPart === 'headers' ? { ...route, schema: headerSchema(route) } : route),
      )
      return compiled
    }
    pending.add(compile)
    const validate: Validate = (data, context) => {
      const result = compile()(data, context)
      // Fastify reads the errors from the function it was given, straight after the call.
      validate.errors = compiled?.errors
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
    const compile = () => {
      pending.delete(compile)
      compiled ??= named(route, () => compilerFor(route))
      return compiled
    }
    pending.add(compile)
    return (data) => compile()(data)
  }
}) satisfies SerializerFactory as unknown as NonNullable<CompilersFactory['buildSerializer']>
