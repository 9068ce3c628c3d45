// HR provisioning API (CRM-25): joiners and movers by PUT, leavers by DELETE, keyed by the HR
// employee number, always within the calling client's own force.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { staffRoles } from '../auth/roles.ts'
import { auditContext } from '../http/server.ts'
import { apiProblems, problemResponses } from './api-schemas.ts'
import type { ProvisioningService } from './provisioning-service.ts'

const provisioning = { client: ['provisioning:write'] as const }
const Role = Type.Union(staffRoles.filter((r) => r !== 'system_admin').map((r) => Type.Literal(r)))

const EmployeeParams = Type.Object({
  employeeId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'The HR employee number' }),
})

const StaffRecord = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254 }),
  displayName: Type.String({ minLength: 1, maxLength: 200 }),
  jobCode: Type.Optional(
    Type.String({ maxLength: 64, description: 'HR job code; roles come from the force’s job-role table' }),
  ),
  roles: Type.Optional(Type.Array(Role, { description: 'Explicit roles; overrides the job code' })),
  forceId: Type.Optional(Type.String({ description: 'If given, must be the client’s own force' })),
})

const ProvisionedStaff = Type.Object({
  employeeId: Type.String(),
  staffId: Type.String({ format: 'uuid' }),
  forceId: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  created: Type.Boolean(),
})

const JobRoles = Type.Object({ jobCode: Type.String(), roles: Type.Array(Type.String()) })

export function registerProvisioningRoutes(
  http: FastifyInstance,
  provisioningService: ProvisioningService,
): void {
  http.put(
    '/api/v1/provisioning/staff/:employeeId',
    {
      config: { access: provisioning },
      schema: {
        summary: 'Create or update a member of staff from HR (joiner or mover)',
        operationId: 'provisionStaff',
        description: 'Idempotent: repeating a request changes nothing. 201 when the account is created.',
        tags: ['HR provisioning'],
        consumes: ['application/json', 'application/xml', 'application/yaml'],
        params: EmployeeParams,
        body: StaffRecord,
        response: {
          200: { ...ProvisionedStaff, description: 'The account was updated (or already matched)' },
          201: { ...ProvisionedStaff, description: 'The account was created' },
          ...problemResponses([...apiProblems, 409], {
            403: 'The client lacks the provisioning:write scope, or names another force',
            409: 'Another account already uses that email address',
          }),
        },
      },
    },
    async (request, reply) => {
      const { employeeId } = request.params as { employeeId: string }
      const result = await provisioningService.upsertStaff(
        request.client!.forceId,
        employeeId,
        request.body as { email: string; displayName: string },
        auditContext(request),
      )
      return reply.code(result.created ? 201 : 200).send(result)
    },
  )

  http.delete(
    '/api/v1/provisioning/staff/:employeeId',
    {
      config: { access: provisioning },
      schema: {
        summary: 'Disable a leaver’s account and end their sessions',
        operationId: 'disableStaff',
        tags: ['HR provisioning'],
        params: EmployeeParams,
        response: {
          204: Type.Null({ description: 'The account is disabled' }),
          ...problemResponses([...apiProblems, 404], { 404: 'No member of staff has that employee number' }),
        },
      },
    },
    async (request, reply) => {
      const { employeeId } = request.params as { employeeId: string }
      await provisioningService.disableStaff(request.client!.forceId, employeeId, auditContext(request))
      return reply.code(204).send()
    },
  )

  http.get(
    '/api/v1/provisioning/job-roles',
    {
      config: { access: provisioning },
      schema: {
        summary: 'The force’s HR job codes and the roles each grants',
        operationId: 'listJobRoles',
        tags: ['HR provisioning'],
        response: {
          200: Type.Object({ jobRoles: Type.Array(JobRoles) }),
          ...problemResponses([401, 403, 406, 429]),
        },
      },
    },
    async (request) => {
      const rows = await provisioningService.listJobRoles(request.client!.forceId)
      return { jobRoles: rows.map((r) => ({ jobCode: r.jobCode, roles: r.roles })) }
    },
  )

  http.put(
    '/api/v1/provisioning/job-roles/:jobCode',
    {
      config: { access: provisioning },
      schema: {
        summary: 'Set the roles an HR job code grants in this force',
        operationId: 'saveJobRoles',
        tags: ['HR provisioning'],
        consumes: ['application/json', 'application/xml', 'application/yaml'],
        params: Type.Object({ jobCode: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }) }),
        body: Type.Object({ roles: Type.Array(Role, { minItems: 1 }) }),
        response: { 200: JobRoles, ...problemResponses(apiProblems) },
      },
    },
    async (request) => {
      const { jobCode } = request.params as { jobCode: string }
      const { roles } = request.body as { roles: string[] }
      const saved = await provisioningService.saveJobRoles(
        request.client!.forceId,
        jobCode,
        roles,
        auditContext(request),
      )
      return { jobCode: saved.jobCode, roles: saved.roles }
    },
  )
}
