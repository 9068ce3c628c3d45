// Staff roles (ARCHITECTURE.md security baseline). Every route declares who may use it; a route
// without a declaration stops start-up (deny by default).
export const staffRoles = [
  'system_admin',
  'force_admin',
  'journey_designer',
  'investigating_officer',
  'supervisor',
  'contact_handler',
  'contact_supervisor',
  'analyst',
  'auditor',
  'service_support',
] as const

export type StaffRole = (typeof staffRoles)[number]

export const roleNames: Record<StaffRole, string> = {
  system_admin: 'System administrator',
  force_admin: 'Force administrator',
  journey_designer: 'Journey designer',
  investigating_officer: 'Investigating officer',
  supervisor: 'Supervisor',
  contact_handler: 'Contact handler',
  contact_supervisor: 'Contact supervisor',
  analyst: 'Analyst',
  auditor: 'Auditor',
  service_support: 'Service support',
}

export type Product = 'journeys' | 'portal' | 'contact'

/**
 * Who may reach a route:
 * - `public`: anyone (sign-in page, health, statements)
 * - `{ staff: roles }`: a signed-in member of staff holding one of the roles; `'any'` = any staff
 * - `{ client: scopes }`: a machine client (OAuth2 client credentials) holding one of the scopes
 * - `{ citizen: true }`: a signed-in citizen (Portal)
 * - `{ custom: reason }`: the route authenticates itself (e.g. provider callbacks with a bearer token)
 */
export type Access =
  | 'public'
  | { staff: readonly StaffRole[] | 'any'; product?: Product }
  | { client: readonly string[]; product?: Product }
  | { citizen: true; product?: Product }
  | { custom: string }

export interface StaffPrincipal {
  id: string
  forceId: string | null
  displayName: string
  email: string
  roles: ReadonlySet<StaffRole>
  sessionId: string
}

export function isStaffRole(value: string): value is StaffRole {
  return (staffRoles as readonly string[]).includes(value)
}

export function hasAnyRole(principal: StaffPrincipal, roles: readonly StaffRole[] | 'any'): boolean {
  if (roles === 'any') return true
  return roles.some((r) => principal.roles.has(r))
}
