// What route handlers read from a request: the signed-in member of staff, their force, and the
// answer to a form the service refused. Every console route uses these instead of its own copy.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { StaffPrincipal } from '../auth/roles.ts'
import { DomainError, type FieldError, ForbiddenError, ValidationError } from '../errors.ts'

/**
 * The signed-in member of staff. Routes with `access: { staff: [...] }` are reached only by one,
 * so there this never throws; elsewhere a request without one is refused.
 */
export function staffOf(request: FastifyRequest): StaffPrincipal {
  if (!request.staff) throw new DomainError('unauthorised', 'Sign in as a member of staff', { status: 401 })
  return request.staff
}

/**
 * Reads the force of the member of staff making a request: `forceOf(request)` is their force's
 * id, and staff without one (region-wide accounts) are refused with `why`, which says what
 * belongs to a force (say, 'Cases are held per force; sign in with a force account').
 */
export function staffForce(why: string): (request: FastifyRequest) => string {
  return (request) => {
    const forceId = request.staff?.forceId
    if (!forceId) throw new ForbiddenError(why)
    return forceId
  }
}

/** The field errors of a form the service refused; any other error goes on to the error handler. */
export function fieldErrorsOf(error: unknown): FieldError[] {
  if (!(error instanceof ValidationError)) throw error
  return error.fieldErrors
}

/**
 * Answers a refused form: 400, and the page again from `render` with the errors for its GOV.UK
 * error summary. Any error other than a refused form goes on to the error handler.
 */
export async function refusedForm(
  reply: FastifyReply,
  error: unknown,
  render: (errors: FieldError[]) => FastifyReply | Promise<FastifyReply>,
): Promise<FastifyReply> {
  const errors = fieldErrorsOf(error)
  reply.code(400)
  return render(errors)
}
