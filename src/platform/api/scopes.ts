// The scopes a machine client may hold (CP-172, CP-178). A route declares the scopes it accepts
// with `config: { access: { client: [...] } }`; a token carries a subset of its client's scopes.
export const apiScopes = {
  'sources:write': 'Send STORM and Athena events to Waypoint (Journeys inbound API)',
  'provisioning:write': 'Create, change and disable staff accounts from the HR system (CRM-25)',
  'reporting:read': 'Read reports and the OData feed (Power BI)',
  'portal:frontend': 'Act for members of the public as the national My Police Portal front-end',
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
  'Member of Public': ['portal:frontend'],
  'Force Users': ['sources:write', 'provisioning:write'],
  'Service Support Users': ['support:read'],
  'National Force Reporting Users': ['reporting:read'],
}
