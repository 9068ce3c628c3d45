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

/** What each role lets a person do, in plain words (the user pages show it beside each role). */
export const roleDescriptions: Record<StaffRole, string> = {
  system_admin: 'Manages every force, their users, sharing agreements and the region’s settings.',
  force_admin: 'Manages the force’s users, settings, journeys, templates and messages.',
  journey_designer: 'Designs and publishes the force’s journeys and message templates.',
  investigating_officer: 'Sees the force’s cases, what each victim was sent and why, and records opt-outs.',
  supervisor: 'Sees the force’s cases and messages like an officer, and the outbox.',
  contact_handler: 'Sees cases and people, answers conversations and records opt-outs.',
  contact_supervisor: 'Oversees conversations and opt-outs for contact handlers.',
  analyst: 'Reads reports, journey decisions and the Victims’ Code report.',
  auditor: 'Searches and exports the audit trail.',
  service_support: 'Looks after the service: the outbox, integrations and service incidents.',
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
