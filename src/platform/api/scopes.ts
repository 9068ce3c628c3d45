// The scopes a machine client may hold (CP-172, CP-178). A route declares the scopes it accepts
// with `config: { access: { client: [...] } }`; a token carries a subset of its client's scopes.
export const apiScopes = {
  'sources:write': 'Send STORM and Athena events to Waypoint (Journeys inbound API)',
  'provisioning:write': 'Create, change and disable staff accounts from the HR system (CRM-25)',
  'reporting:read': 'Read reports and the OData feed (Power BI)',
  'portal:frontend': 'Act for members of the public as the national My Police Portal front-end',
  'portal:invitations': 'Invite people on the force’s cases to the Portal and follow the invitations',
  'portal:accounts':
    'Register people’s Portal accounts by their GOV.UK One Login subject, link and read them',
  'portal:cases': 'Read the cases, updates and case PDFs a person’s Portal account may see',
  'portal:messages': 'Read and send a person’s Portal messages with the investigating officer',
  'portal:officer': 'Reply to a person’s Portal messages for the force’s investigating officer',
  'portal:webhooks': 'Subscribe to Portal events, see their deliveries and replay them',
  'contact:telephony': 'Send the telephony platform’s call events (CTI) to Contact’s queue',
  'contact:duties': 'Put the duty management system’s rosters of contact handlers to Contact',
  'support:read': 'Read service health and diagnostics for service support',
} as const

export type ApiScope = keyof typeof apiScopes

export const allApiScopes = Object.keys(apiScopes) as ApiScope[]

export function isApiScope(value: string): value is ApiScope {
  return Object.hasOwn(apiScopes, value)
}

/**
 * CP-178 names four kinds of user of the NMPP APIs. Force users are staff and reach Waypoint
 * through the console with staff roles (src/platform/auth/roles.ts); the other three reach it
 * through machine clients holding these scopes. The national front-end authenticates members of
 * the public itself and calls Waypoint for them with `portal:frontend`.
 */
export const cp178RoleScopes: Record<string, readonly ApiScope[]> = {
  'Member of Public': ['portal:frontend', 'portal:accounts', 'portal:cases', 'portal:messages'],
  'Force Users': [
    'sources:write',
    'provisioning:write',
    'portal:invitations',
    'portal:officer',
    'portal:webhooks',
  ],
  'Service Support Users': ['support:read'],
  'National Force Reporting Users': ['reporting:read'],
}
