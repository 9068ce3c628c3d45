// Route schemas compiled on first use (lazy-schemas.ts) check requests and write replies exactly
// as Fastify's own compilers do at start: the same routes on both answer the same; and every
// route of a whole Waypoint has schemas that compile.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import { createTestApp } from '../../../test/support/test-app.ts'
import { compilePendingSchemas, lazySerializers, lazyValidators } from './lazy-schemas.ts'

const ajv = { customOptions: { removeAdditional: false, coerceTypes: 'array' as const, allErrors: true } }

function server(lazy: boolean): FastifyInstance {
  const app = Fastify({
    ajv,
    ...(lazy
      ? {
          schemaController: {
            compilersFactory: { buildValidator: lazyValidators, buildSerializer: lazySerializers },
          },
        }
      : {}),
  })
  app.post(
    '/things/:id',
    {
      schema: {
        // A header named in mixed case: Fastify matches it to the lower-case header Node gives.
        headers: Type.Object({ 'X-Subject': Type.String({ minLength: 2 }) }),
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object({ tag: Type.Array(Type.String(), { maxItems: 2 }) }),
        body: Type.Object({ name: Type.String({ maxLength: 5 }), count: Type.Integer() }),
        response: {
          200: Type.Object({ id: Type.Integer(), name: Type.String(), tags: Type.Array(Type.String()) }),
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number }
      const { tag } = request.query as { tag: string[] }
      const { name } = request.body as { name: string }
      // `secret` is not in the response schema: the serializer leaves it out.
      return { id, name, tags: tag, secret: 'not sent' }
    },
  )
  return app
}

test('a route whose schemas are compiled on first use answers as one compiled at start: headers, params, query coercion, body errors and response', async () => {
  const eager = server(false)
  const lazy = server(true)
  try {
    const requests = [
      { url: '/things/7?tag=a', headers: { 'x-subject': 'abc' }, payload: { name: 'Ann', count: '3' } },
      { url: '/things/7?tag=a&tag=b', headers: { 'x-subject': 'abc' }, payload: { name: 'Ann', count: 3 } },
      { url: '/things/7?tag=a', headers: {}, payload: { name: 'Ann', count: 3 } },
      { url: '/things/7?tag=a', headers: { 'x-subject': 'a' }, payload: { name: 'Ann', count: 3 } },
      { url: '/things/0?tag=a', headers: { 'x-subject': 'abc' }, payload: { name: 'Ann', count: 3 } },
      {
        url: '/things/7?tag=a&tag=b&tag=c',
        headers: { 'x-subject': 'abc' },
        payload: { name: 'Ann', count: 3 },
      },
      { url: '/things/7?tag=a', headers: { 'x-subject': 'abc' }, payload: { name: 'Annabel', count: 'x' } },
    ]
    const answers: { eager: unknown; lazy: unknown }[] = []
    for (const request of requests) {
      const [e, l] = await Promise.all([eager, lazy].map((app) => app.inject({ method: 'POST', ...request })))
      answers.push({ eager: [e.statusCode, e.body], lazy: [l.statusCode, l.body] })
    }
    for (const answer of answers) assert.deepEqual(answer.lazy, answer.eager)
    // What the routes answered, so the comparison is of real answers, not of two failures.
    assert.deepEqual(
      answers.map((a) => (a.lazy as [number, string])[0]),
      [200, 200, 400, 400, 400, 400, 400],
    )
    assert.deepEqual(JSON.parse((answers[0].lazy as [number, string])[1]), {
      id: 7,
      name: 'Ann',
      tags: ['a'],
    })
    assert.match((answers[6].lazy as [number, string])[1], /body\/name must NOT have more than 5 characters/)
    assert.match((answers[6].lazy as [number, string])[1], /body\/count must be integer/)
  } finally {
    await eager.close()
    await lazy.close()
  }
})

test('every route of a whole Waypoint has request and response schemas that compile, as they would at start', async () => {
  const t = await createTestApp()
  try {
    // Those a test never calls are compiled only here: a schema Ajv or fast-json-stringify
    // refuses fails this test instead of the route's first request.
    assert.ok(compilePendingSchemas() > 100, 'the routes have schemas to compile')
    assert.equal(compilePendingSchemas(), 0, 'each is compiled once')
    const health = await t.app.http.inject({ method: 'GET', url: '/health/live' })
    assert.equal(health.statusCode, 200)
  } finally {
    await t.close()
  }
})

test('a schema that cannot be compiled is refused by compilePendingSchemas, naming its route', async () => {
  const app = Fastify({
    schemaController: {
      compilersFactory: { buildValidator: lazyValidators, buildSerializer: lazySerializers },
    },
  })
  app.get(
    '/broken',
    { schema: { querystring: { type: 'object', properties: { n: { type: 'nope' } } } } },
    () => 'ok',
  )
  try {
    await app.ready()
    assert.throws(
      () => compilePendingSchemas(),
      /GET \/broken querystring: schema is invalid: data\/properties\/n\/type/,
    )
  } finally {
    await app.close()
  }
})
