// The Portal API's TypeBox schemas: the National MyPolice Portal data model as Waypoint answers
// it (docs/portal-api-data-model.md maps each field to Waypoint's tables and to the NMPP model).
import { Type } from '@sinclair/typebox'

const uuid = { format: 'uuid' } as const
const DateTime = (description: string) => Type.String({ format: 'date-time', description })

export const SubjectHeader = 'portal-subject'

/** The request headers of a Portal API route: the person's subject, and the POST's idempotency key. */
export function portalHeaders(o: { subject?: boolean; idempotent?: boolean }) {
  const properties: Record<string, unknown> = {}
  const required: string[] = []
  if (o.subject) {
    properties[SubjectHeader] = Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'The person’s GOV.UK One Login subject (`sub`), as the national front-end signed them in',
    })
    required.push(SubjectHeader)
  }
  if (o.idempotent) {
    properties['idempotency-key'] = Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'A new value (a UUID) for each request: a retry with the same key and body is answered as ' +
        'the first was and changes nothing; the same key with another body is refused (422)',
    })
    required.push('idempotency-key')
  }
  return { type: 'object', properties, required } as const
}

export const CaseKindSchema = Type.Union([Type.Literal('incident'), Type.Literal('crime')])
export const RoleSchema = Type.Union(
  ['victim', 'witness', 'parent_guardian', 'attorney'].map((r) => Type.Literal(r)),
  { description: 'Who the person is on the case; a designated person sees what their role allows' },
)

export const InviteBody = Type.Object({
  personId: Type.String({ ...uuid, description: 'The person on the case (Waypoint’s id)' }),
  caseKind: CaseKindSchema,
  caseId: Type.String({ ...uuid, description: 'The incident or crime (Waypoint’s id)' }),
})

export const Invitation = Type.Object(
  {
    id: Type.String(uuid),
    personId: Type.String(uuid),
    caseKind: CaseKindSchema,
    caseId: Type.String(uuid),
    role: Type.String(),
    channel: Type.Union([Type.Literal('sms'), Type.Literal('email')]),
    sentAt: DateTime('When the invitation (or its latest reminder) was sent'),
    expiresAt: DateTime('When its link stops working'),
    remindersSent: Type.Integer(),
    status: Type.Union([Type.Literal('registered'), Type.Literal('waiting'), Type.Literal('expired')]),
  },
  { $id: 'PortalInvitation' },
)

export const InviteAnswer = Type.Object({
  outcome: Type.Union([Type.Literal('invited'), Type.Literal('linked')], {
    description: '`linked`: the person already has an account, so the case was added to it (CP-50a)',
  }),
  invitation: Type.Optional(Type.Unsafe({ $ref: 'PortalInvitation#' })),
  accountId: Type.Optional(Type.String(uuid)),
})

export const RegisterBody = Type.Object({
  subject: Type.String({ minLength: 1, maxLength: 255, description: 'GOV.UK One Login `sub`' }),
  email: Type.String({ minLength: 3, maxLength: 254, description: 'The email address One Login verified' }),
  mobile: Type.Optional(Type.String({ maxLength: 20, description: 'The phone number One Login verified' })),
  invitationToken: Type.String({
    minLength: 20,
    maxLength: 100,
    description: 'The token of the invitation link the person followed (`invitation=` in the link)',
  }),
})

export const LinkBody = Type.Object({ invitationToken: RegisterBody.properties.invitationToken })

export const Account = Type.Object(
  {
    accountId: Type.String(uuid),
    email: Type.String(),
    mobile: Type.Union([Type.String(), Type.Null()]),
    registeredAt: DateTime('When the account was made'),
    cases: Type.Integer({ description: 'Cases of this force the account sees' }),
  },
  { $id: 'PortalAccount' },
)

export const Registered = Type.Object({
  accountId: Type.String(uuid),
  created: Type.Boolean({ description: 'False when an existing account was found and the case added' }),
  caseId: Type.String(uuid),
})

export const CaseSummary = Type.Object(
  {
    caseId: Type.String(uuid),
    forceId: Type.String(),
    forceName: Type.Optional(Type.String({ description: 'Since 0.3.0' })),
    kind: CaseKindSchema,
    reference: Type.String({ description: 'The crime or incident reference the force quotes' }),
    description: Type.String({ description: 'The crime or incident type' }),
    status: Type.String({ description: 'The status, in the words the person is shown' }),
    closed: Type.Boolean(),
    role: Type.String(),
    newUpdates: Type.Integer({ description: 'Updates since the person last signed in (CP-58)' }),
    lastUpdatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'PortalCaseSummary' },
)

export const CaseUpdate = Type.Object({
  at: Type.String({ format: 'date-time' }),
  text: Type.String(),
  isNew: Type.Optional(Type.Boolean({ description: 'Since 0.3.0: new since the person last signed in' })),
})

export const CaseDetail = Type.Object(
  {
    ...CaseSummary.properties,
    officer: Type.Union([
      Type.Object({ name: Type.String(), collar: Type.Union([Type.String(), Type.Null()]) }),
      Type.Null(),
    ]),
    recordedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    updates: Type.Array(CaseUpdate),
  },
  { $id: 'PortalCase' },
)

export const CaseParams = Type.Object({ caseId: Type.String(uuid) })
export const IdParams = Type.Object({ id: Type.String(uuid) })
