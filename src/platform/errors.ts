// One error model (STYLE.md rule 5). A DomainError carries a code and a message the user can act
// on; APIs render it as application/problem+json and pages as a GOV.UK error summary.
export interface FieldError {
  field: string
  message: string
}

export class DomainError extends Error {
  readonly code: string
  readonly status: number
  readonly fieldErrors: FieldError[]

  constructor(code: string, message: string, options: { status?: number; fieldErrors?: FieldError[] } = {}) {
    super(message)
    this.code = code
    this.status = options.status ?? 400
    this.fieldErrors = options.fieldErrors ?? []
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not-found', `${what} was not found`, { status: 404 })
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You do not have permission to do that') {
    super('forbidden', message, { status: 403 })
  }
}

export class ValidationError extends DomainError {
  constructor(fieldErrors: FieldError[], message = 'Check the details you entered') {
    super('validation-failed', message, { status: 400, fieldErrors })
  }
}

/** RFC 9457 problem details. */
export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  correlationId: string
  errors?: FieldError[]
}

export function problemFor(error: DomainError, correlationId: string, instance?: string): Problem {
  return {
    type: `https://waypoint.police.uk/problems/${error.code}`,
    title: error.message,
    status: error.status,
    ...(instance ? { instance } : {}),
    correlationId,
    ...(error.fieldErrors.length ? { errors: error.fieldErrors } : {}),
  }
}
