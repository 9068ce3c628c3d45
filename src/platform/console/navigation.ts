// The staff console's navigation, built from the entries the modules declare
// (src/platform/modules.ts). Entries are grouped by product (Journeys, Portal, Contact), then the
// work every product shares, settings and administration. A person sees a product only if their
// force has bought it (staff without a force, the region's administrators, see every product),
// and only the entries their roles may open, so every link leads to a page they are allowed to
// open. A product none of whose entries a person may open is not shown at all: no empty pages.
import type { Product, StaffPrincipal, StaffRole } from '../auth/roles.ts'
import type { NavigationEntry, NavigationGroup } from '../modules.ts'

export interface GroupDescription {
  group: NavigationGroup
  name: string
  /** A product's home page, which lists its entries. */
  home?: string
  summary?: string
}

/** The groups in the order the console shows them. */
export const navigationGroups: readonly GroupDescription[] = [
  {
    group: 'journeys',
    name: 'Journeys',
    home: '/console/journeys',
    summary:
      'Automated text and email journeys that keep victims informed as their incident and crime move on, written back to STORM and Athena.',
  },
  {
    group: 'portal',
    name: 'Portal',
    home: '/console/portal',
    summary:
      'The force side of My Police Portal: invitations, case updates and messages between victims and investigating officers.',
  },
  {
    group: 'contact',
    name: 'Contact',
    home: '/console/contact',
    summary:
      'The contact centre: one view of a caller, the queue across channels, THRIVE risk assessment, scripts and wallboards.',
  },
  { group: 'work', name: 'Cases and messages' },
  { group: 'settings', name: 'Settings' },
  { group: 'admin', name: 'Administration' },
]

export const products: readonly Product[] = ['journeys', 'portal', 'contact']

export interface NavigationLink {
  text: string
  href: string
  active: boolean
}

export interface VisibleGroup extends GroupDescription {
  links: NavigationLink[]
}

export class ConsoleNavigation {
  readonly #entries: readonly NavigationEntry[]

  constructor(entries: readonly NavigationEntry[]) {
    const hrefs = new Set<string>()
    for (const e of entries) {
      if (hrefs.has(e.href)) throw new Error(`Two navigation entries lead to ${e.href}`)
      hrefs.add(e.href)
      if (!navigationGroups.some((g) => g.group === e.group))
        throw new Error(`Navigation entry ${e.href} is in no known group (${e.group})`)
    }
    this.#entries = entries
  }

  /** The groups a person sees, each with the entries their roles may open; empty groups left out. */
  groupsFor(
    staff: StaffPrincipal | undefined,
    forceProducts: readonly string[] | undefined,
    currentPath = '',
  ): VisibleGroup[] {
    if (!staff) return []
    const groups: VisibleGroup[] = []
    for (const description of navigationGroups) {
      if (isProduct(description.group) && forceProducts && !forceProducts.includes(description.group))
        continue
      const links = this.#entries
        .filter(
          (e) => e.group === description.group && mayOpen(staff, e.roles) && (!e.forceOnly || staff.forceId),
        )
        .map((e) => ({ text: e.text, href: e.href, active: currentPath.startsWith(e.href) }))
      if (links.length) groups.push({ ...description, links })
    }
    return groups
  }

  /**
   * The primary navigation: the dashboard, then each visible group in order, a product led by its
   * home page.
   */
  primaryFor(
    staff: StaffPrincipal | undefined,
    currentPath: string,
    forceProducts: readonly string[] | undefined,
  ): NavigationLink[] {
    if (!staff) return []
    const links: NavigationLink[] = [
      { text: 'Dashboard', href: '/console', active: currentPath === '/console' },
    ]
    for (const group of this.groupsFor(staff, forceProducts, currentPath)) {
      if (group.home)
        links.push({ text: group.name, href: group.home, active: currentPath.startsWith(group.home) })
      links.push(...group.links)
    }
    return links
  }

  /**
   * The products with at least one entry, each with the roles that may open its home page: those
   * that may open one of its entries (deny by default). A product without entries has no page.
   */
  productHomes(): { product: Product; description: GroupDescription; roles: readonly StaffRole[] | 'any' }[] {
    const homes = []
    for (const product of products) {
      const entries = this.#entries.filter((e) => e.group === product)
      if (entries.length === 0) continue
      const roles = entries.some((e) => e.roles === 'any')
        ? ('any' as const)
        : [...new Set(entries.flatMap((e) => e.roles as readonly StaffRole[]))]
      const description = navigationGroups.find((g) => g.group === product)!
      homes.push({ product, description, roles })
    }
    return homes
  }
}

function isProduct(group: NavigationGroup): group is Product {
  return (products as readonly string[]).includes(group)
}

function mayOpen(staff: StaffPrincipal, roles: NavigationEntry['roles']): boolean {
  return roles === 'any' || roles.some((r) => staff.roles.has(r))
}
