// The staff console's primary navigation: each section appears only to roles that may use it,
// so every link a person sees leads to a page they are allowed to open.
import type { Product, StaffPrincipal, StaffRole } from '../auth/roles.ts'

export interface NavigationItem {
  text: string
  href: string
  roles: readonly StaffRole[] | 'any'
  product?: Product
}

export const consoleNavigation: NavigationItem[] = [
  { text: 'Dashboard', href: '/console', roles: 'any' },
  { text: 'Journeys', href: '/console/journeys', roles: 'any', product: 'journeys' },
  {
    text: 'Journey definitions',
    href: '/console/journeys/definitions',
    roles: ['force_admin', 'journey_designer', 'analyst'],
    product: 'journeys',
  },
  {
    text: 'Inclusion rules',
    href: '/console/journeys/rules',
    roles: ['force_admin', 'journey_designer', 'analyst'],
    product: 'journeys',
  },
  {
    text: 'Journey designer',
    href: '/console/journeys/designer',
    roles: ['journey_designer', 'force_admin'],
    product: 'journeys',
  },
  {
    text: 'Safe-contact policy',
    href: '/console/journeys/contact-policy',
    roles: ['force_admin'],
    product: 'journeys',
  },
  {
    text: 'Victims’ Code deadlines',
    href: '/console/journeys/victims-code',
    roles: ['force_admin', 'journey_designer', 'analyst', 'investigating_officer', 'supervisor'],
    product: 'journeys',
  },
  {
    text: 'Outbox',
    href: '/console/outbox',
    roles: ['force_admin', 'journey_designer', 'supervisor', 'service_support'],
  },
  { text: 'Message templates', href: '/console/templates', roles: ['force_admin', 'journey_designer'] },
  { text: 'Messaging settings', href: '/console/messaging-settings', roles: ['force_admin'] },
  {
    text: 'Opt-outs',
    href: '/console/opt-outs',
    roles: ['force_admin', 'contact_handler', 'contact_supervisor', 'investigating_officer', 'supervisor'],
  },
  {
    text: 'Reports',
    href: '/console/reports',
    roles: ['analyst', 'force_admin', 'system_admin'],
    product: 'journeys',
  },
  { text: 'Retention', href: '/console/retention/rules', roles: ['force_admin'] },
  { text: 'Retention report', href: '/console/retention/report', roles: ['auditor'] },
  { text: 'Portal', href: '/console/portal', roles: 'any', product: 'portal' },
  { text: 'Contact', href: '/console/contact', roles: 'any', product: 'contact' },
  {
    text: 'Cases',
    href: '/console/cases',
    roles: ['investigating_officer', 'supervisor', 'contact_handler', 'force_admin'],
  },
  {
    text: 'Conversations',
    href: '/console/conversations',
    roles: ['investigating_officer', 'supervisor', 'contact_handler', 'contact_supervisor', 'force_admin'],
  },
  { text: 'Sources', href: '/console/sources', roles: ['force_admin'] },
  { text: 'Users', href: '/console/users', roles: ['system_admin', 'force_admin'] },
  { text: 'Forces', href: '/console/forces', roles: ['system_admin', 'force_admin'] },
  { text: 'Sharing', href: '/console/sharing-agreements', roles: ['system_admin'] },
  { text: 'API clients', href: '/console/api-clients', roles: ['system_admin', 'force_admin'] },
  { text: 'Audit', href: '/console/audit', roles: ['system_admin', 'auditor'] },
  {
    text: 'Service status',
    href: '/console/service-status',
    roles: ['system_admin', 'service_support', 'force_admin'],
  },
  { text: 'Write-back', href: '/console/writeback', roles: ['force_admin', 'service_support'] },
  { text: 'RMS update', href: '/console/rms-updates/new', roles: ['investigating_officer', 'supervisor'] },
]

export function navigationFor(
  staff: StaffPrincipal | undefined,
  currentPath: string,
  forceProducts: readonly string[] | undefined,
): { text: string; href: string; active: boolean }[] {
  if (!staff) return []
  return consoleNavigation
    .filter((item) => item.roles === 'any' || item.roles.some((r) => staff.roles.has(r)))
    .filter((item) => !item.product || !forceProducts || forceProducts.includes(item.product))
    .map((item) => ({
      text: item.text,
      href: item.href,
      active: item.href === '/console' ? currentPath === '/console' : currentPath.startsWith(item.href),
    }))
}
