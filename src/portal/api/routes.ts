// /api/v1/portal/…: what the national front-end calls through iHub (issue 14 §7, CP-156..162).
// Each operation needs its own scope (CP-178) and the Portal product; every POST needs an
// Idempotency-Key; routes that act for a person name them by the `Portal-Subject` header (their
// One Login `sub`), never in the URL, so it stays out of access logs. Answers follow the client's
// pinned API version (CP-179): 0.2.0 leaves out what 0.3.0 added (docs/api-changelog.md).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { answeringVersion } from '../../platform/api/api-platform.ts'
import { apiProblems, problemResponses } from '../../platform/api/api-schemas.ts'
import { compareVersions } from '../../platform/api/version.ts'
import { DomainError } from '../../platform/errors.ts'
import { renderCasePdf } from '../case-pdf.ts'
import type { CitizenCase, CitizenCaseSummary } from '../case-view-service.ts'
import type { CaseKind } from '../schema.ts'
import {
  Account,
  CaseDetail,
  CaseParams,
  CaseSummary,
  CaseUpdate,
  IdParams,
  InviteAnswer,
  InviteBody,
  LinkBody,
  portalHeaders,
  Registered,
  RegisterBody,
  SubjectHeader,
} from './schemas.ts'
import type { ApiCaller, PortalApiService } from './service.ts'

/** The version that introduced the Portal API. */
export const PORTAL_API_SINCE = '0.2.0'
const formats = ['application/json', 'application/xml', 'application/yaml']
const tags = ['Portal']

export const portalAccess = (scope: string) => ({ client: [scope], product: 'portal' as const })

export function callerOf(request: FastifyRequest): ApiCaller {
  return {
    forceId: request.client!.forceId,
    clientId: request.client!.clientId,
    ip: request.ip,
    correlationId: request.id,
  }
}

export const subjectOf = (request: FastifyRequest) => String(request.headers[SubjectHeader])

export function registerPortalApiRoutes(
  http: FastifyInstance,
  deps: { api: PortalApiService; version: string; now: () => Date },
): void {
  const { api } = deps
  const since = PORTAL_API_SINCE
  /** 0.3.0 added forceName to cases and isNew to updates; a client pinned to 0.2.0 gets neither. */
  const before030 = (request: FastifyRequest) =>
    compareVersions(answeringVersion(request, deps.version), '0.3.0') < 0
  const summary = (request: FastifyRequest, c: CitizenCaseSummary) => ({
    caseId: c.caseId,
    forceId: c.forceId,
    ...(before030(request) ? {} : { forceName: c.forceName }),
    kind: c.kind,
    reference: c.reference,
    description: c.description,
    status: c.status,
    closed: c.closed,
    role: c.role,
    newUpdates: c.newUpdates,
    lastUpdatedAt: c.lastUpdatedAt?.toISOString() ?? null,
  })
  const updates = (request: FastifyRequest, c: CitizenCase) =>
    c.updates.map((u) => ({
      at: u.at.toISOString(),
      text: u.text,
      ...(before030(request) ? {} : { isNew: u.isNew }),
    }))

  http.post(
    '/api/v1/portal/invitations',
    {
      config: { access: portalAccess('portal:invitations'), idempotent: true, since },
      schema: {
        summary: 'Invite a person on a case to the Portal',
        description:
          'The force’s eligibility rules apply (CP-9); the invitation goes by text or email through ' +
          'the force’s messaging, quiet hours and opt-outs, with a single-use link. A person who ' +
          'already has an account has the case added to it instead (CP-50a).',
        operationId: 'createPortalInvitation',
        tags,
        consumes: formats,
        headers: portalHeaders({ idempotent: true }),
        body: InviteBody,
        response: {
          200: { ...InviteAnswer, description: 'The person already had an account: the case was added' },
          201: { ...InviteAnswer, description: 'The invitation was sent' },
          ...problemResponses([...apiProblems, 404, 409, 422], {
            404: 'No such person on that case in the client’s force',
            409: 'The person may not be invited (the reason is given), or the key is in use',
          }),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { personId: string; caseKind: CaseKind; caseId: string }
      const outcome = await api.invite(callerOf(request), body)
      if (outcome.kind === 'refused')
        throw new DomainError('portal-invitation-refused', outcome.reason, { status: 409 })
      if (outcome.kind === 'linked')
        return reply.code(200).send({ outcome: 'linked', accountId: outcome.accountId })
      const invitation = await api.invitation(request.client!.forceId, outcome.invitation.id)
      return reply.code(201).send({ outcome: 'invited', invitation })
    },
  )

  http.get(
    '/api/v1/portal/invitations',
    {
      config: { access: portalAccess('portal:invitations'), since },
      schema: {
        summary: 'A person’s invitations and whether each was taken up',
        operationId: 'listPortalInvitations',
        tags,
        querystring: Type.Object({ personId: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({ invitations: Type.Array(Type.Unsafe({ $ref: 'PortalInvitation#' })) }),
          ...problemResponses(apiProblems),
        },
      },
    },
    async (request) => ({
      invitations: await api.invitationsOf(
        request.client!.forceId,
        (request.query as { personId: string }).personId,
      ),
    }),
  )

  http.get(
    '/api/v1/portal/invitations/:id',
    {
      config: { access: portalAccess('portal:invitations'), since },
      schema: {
        summary: 'One invitation’s status',
        operationId: 'getPortalInvitation',
        tags,
        params: IdParams,
        response: {
          200: Type.Unsafe({ $ref: 'PortalInvitation#' }),
          ...problemResponses([...apiProblems, 404]),
        },
      },
    },
    async (request) => api.invitation(request.client!.forceId, (request.params as { id: string }).id),
  )

  http.post(
    '/api/v1/portal/accounts',
    {
      config: { access: portalAccess('portal:accounts'), idempotent: true, since },
      schema: {
        summary: 'Register a person the national front-end signed in with GOV.UK One Login',
        description:
          'The invitation token proves the person was invited by this force. Their One Login subject ' +
          'finds their account, or their verified email address one they made before; otherwise an ' +
          'account is made. The invitation’s case is linked to it and the force is told (CP-8).',
        operationId: 'registerPortalAccount',
        tags,
        consumes: formats,
        headers: portalHeaders({ idempotent: true }),
        body: RegisterBody,
        response: {
          200: { ...Registered, description: 'An existing account: the case was added to it' },
          201: { ...Registered, description: 'The account was made' },
          ...problemResponses([...apiProblems, 404, 409, 422], {
            404: 'No open invitation of this force has that token (used, expired or unknown)',
          }),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        subject: string
        email: string
        mobile?: string
        invitationToken: string
      }
      const done = await api.register(callerOf(request), body)
      return reply
        .code(done.created ? 201 : 200)
        .send({ accountId: done.account.id, created: done.created, caseId: done.caseId })
    },
  )

  http.post(
    '/api/v1/portal/account/links',
    {
      config: { access: portalAccess('portal:accounts'), idempotent: true, since },
      schema: {
        summary: 'Add the case of another invitation to the person’s account',
        operationId: 'linkPortalInvitation',
        tags,
        consumes: formats,
        headers: portalHeaders({ subject: true, idempotent: true }),
        body: LinkBody,
        response: {
          200: Registered,
          ...problemResponses([...apiProblems, 404, 409, 422], {
            404: 'No account has that subject, or no open invitation of this force has that token',
          }),
        },
      },
    },
    async (request) => {
      const done = await api.link(
        callerOf(request),
        subjectOf(request),
        (request.body as { invitationToken: string }).invitationToken,
      )
      return { accountId: done.account.id, created: false, caseId: done.caseId }
    },
  )

  http.get(
    '/api/v1/portal/account',
    {
      config: { access: portalAccess('portal:accounts'), since },
      schema: {
        summary: 'The person’s account as this force sees it',
        operationId: 'getPortalAccount',
        tags,
        headers: portalHeaders({ subject: true }),
        response: { 200: Account, ...problemResponses([...apiProblems, 404]) },
      },
    },
    async (request) => {
      const { account, links } = await api.profile(callerOf(request), subjectOf(request))
      return {
        accountId: account.id,
        email: account.email,
        mobile: account.mobile,
        registeredAt: account.createdAt.toISOString(),
        cases: new Set(links.map((l) => l.caseId)).size,
      }
    },
  )

  http.get(
    '/api/v1/portal/cases',
    {
      config: { access: portalAccess('portal:cases'), since },
      schema: {
        summary: 'The person’s cases in this force: their dashboard',
        operationId: 'listPortalCases',
        tags,
        headers: portalHeaders({ subject: true }),
        response: {
          200: Type.Object({ cases: Type.Array(CaseSummary) }),
          ...problemResponses([...apiProblems, 404]),
        },
      },
    },
    async (request) => ({
      cases: (await api.cases(callerOf(request), subjectOf(request))).map((c) => summary(request, c)),
    }),
  )

  http.get(
    '/api/v1/portal/cases/:caseId',
    {
      config: { access: portalAccess('portal:cases'), since },
      schema: {
        summary: 'One of the person’s cases: status, officer and the updates the force shows',
        operationId: 'getPortalCase',
        tags,
        headers: portalHeaders({ subject: true }),
        params: CaseParams,
        response: { 200: CaseDetail, ...problemResponses([...apiProblems, 404]) },
      },
    },
    async (request) => {
      const found = await api.caseOf(
        callerOf(request),
        subjectOf(request),
        (request.params as { caseId: string }).caseId,
      )
      return {
        ...summary(request, found),
        officer: found.officer,
        recordedAt: found.recordedAt?.toISOString() ?? null,
        updates: updates(request, found),
      }
    },
  )

  http.get(
    '/api/v1/portal/cases/:caseId/updates',
    {
      config: { access: portalAccess('portal:cases'), since },
      schema: {
        summary: 'The updates of one of the person’s cases, newest first',
        operationId: 'listPortalCaseUpdates',
        tags,
        headers: portalHeaders({ subject: true }),
        params: CaseParams,
        response: {
          200: Type.Object({ updates: Type.Array(CaseUpdate) }),
          ...problemResponses([...apiProblems, 404]),
        },
      },
    },
    async (request) => {
      const found = await api.caseOf(
        callerOf(request),
        subjectOf(request),
        (request.params as { caseId: string }).caseId,
      )
      return { updates: updates(request, found) }
    },
  )

  http.get(
    '/api/v1/portal/cases/:caseId/case.pdf',
    {
      // A PDF whatever the Accept header says.
      config: { access: portalAccess('portal:cases'), since, fixedFormat: true },
      schema: {
        summary: 'One of the person’s cases as a PDF to keep (CP-57)',
        operationId: 'getPortalCasePdf',
        tags,
        headers: portalHeaders({ subject: true }),
        params: CaseParams,
        response: {
          200: {
            description: 'The case details as a PDF',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
          ...problemResponses([401, 403, 404, 429]),
        },
      },
    },
    async (request, reply) => {
      const found = await api.caseOf(
        callerOf(request),
        subjectOf(request),
        (request.params as { caseId: string }).caseId,
      )
      const pdf = await renderCasePdf(found, deps.now())
      return reply
        .header('content-type', 'application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="case-${found.reference.replace(/[^\w-]/g, '-')}.pdf"`,
        )
        .header('cache-control', 'no-store')
        .send(pdf)
    },
  )
}
