// The route helpers every console route uses: the member of staff and their force, and the
// answer to a refused form (400 with the errors for the GOV.UK error summary).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify, { type FastifyRequest } from 'fastify'
import type { StaffPrincipal } from '../auth/roles.ts'
import { DomainError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts'
import { fieldErrorsOf, refusedForm, staffForce, staffOf } from './request.ts'

const staff = (forceId: string | null) => ({ id: 'u1', forceId }) as unknown as StaffPrincipal
const requestOf = (who: StaffPrincipal | undefined) => ({ staff: who }) as FastifyRequest

test("staffForce gives the member of staff's force, and refuses staff without one with the reason given", () => {
  const forceOf = staffForce('Cases are held per force; sign in with a force account')
  assert.equal(forceOf(requestOf(staff('kent'))), 'kent')
  assert.throws(
    () => forceOf(requestOf(staff(null))),
    (error: unknown) => {
      assert.ok(error instanceof ForbiddenError)
      assert.equal(error.message, 'Cases are held per force; sign in with a force account')
      return true
    },
  )
  assert.throws(() => forceOf(requestOf(undefined)), ForbiddenError)
})

test('staffOf gives the signed-in member of staff and refuses a request without one (401)', () => {
  const who = staff('kent')
  assert.equal(staffOf(requestOf(who)), who)
  assert.throws(
    () => staffOf(requestOf(undefined)),
    (error: unknown) => error instanceof DomainError && error.status === 401,
  )
})

test('a refused form is answered 400 with its field errors; any other error goes on unchanged', async () => {
  const errors = [{ field: 'name', message: 'Enter a name' }]
  assert.deepEqual(fieldErrorsOf(new ValidationError(errors)), errors)
  const missing = new NotFoundError('The journey')
  assert.throws(
    () => fieldErrorsOf(missing),
    (e: unknown) => e === missing,
  )

  const http = Fastify()
  http.get('/form', async (_request, reply) =>
    refusedForm(reply, new ValidationError(errors), (shown) => reply.send({ shown })),
  )
  http.get('/other', async (_request, reply) =>
    refusedForm(reply, new Error('database down'), (shown) => reply.send({ shown })),
  )
  const refused = await http.inject('/form')
  assert.equal(refused.statusCode, 400)
  assert.deepEqual(refused.json(), { shown: errors })
  assert.equal((await http.inject('/other')).statusCode, 500)
  await http.close()
})
