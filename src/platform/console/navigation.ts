// The staff console's navigation, built from the entries the modules declare
// (src/platform/modules.ts). Entries are grouped by product (Journeys, Portal, Contact), then the
// work every product shares, settings and administration. A person sees a product only if their
// force has bought it (staff without a force, the region's administrators, see every product),
// and only the entries their roles may open, so every link leads to a page they are allowed to
// open. A group none of whose entries a person may open is not shown at all: no empty pages.
//
// Three views of the same groups (decision 0044): the primary navigation names only the groups,
// each leading to its home page; the section navigation under it lists the pages of the group the
// person is in; and on a small screen both give way to one "Menu" that opens to every group and
// page, so the page's heading is on the first screen at 320 px.
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
  {
    group: 'work',
    name: 'Cases and messages',
    home: '/console/work',
    summary:
      'Crimes, incidents and people, the messages they were sent and received, opt-outs and updates to the records system.',
  },
  {
    group: 'settings',
    name: 'Settings',
    home: '/console/settings',
    summary: 'How your force sends messages and reads its sources, and what it keeps for how long.',
  },
  {
    group: 'admin',
    name: 'Administration',
    home: '/console/administration',
    summary: 'Users and their roles, API clients, approvals, the audit trail and the health of the service.',
  },
]

export const products: readonly Product[] = ['journeys', 'portal', 'contact']

export interface NavigationLink {
  text: string
  href: string
  active: boolean
}

export interface VisibleGroup extends GroupDescription {
  links: NavigationLink[]
  /** The current page is one of the group's, or its home. */
  active: boolean
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
    // Only the entry that leads deepest into the current path is the current one, so that
    // `/console/officers/settings` is not also `/console/officers`.
    const current = this.#entries
      .filter((e) => within(currentPath, e.href))
      .reduce<string | undefined>(
        (best, e) => (!best || e.href.length > best.length ? e.href : best),
        undefined,
      )
    const groups: VisibleGroup[] = []
    for (const description of navigationGroups) {
      if (isProduct(description.group) && forceProducts && !forceProducts.includes(description.group))
        continue
      const links = this.#entries
        .filter(
          (e) => e.group === description.group && mayOpen(staff, e.roles) && (!e.forceOnly || staff.forceId),
        )
        .map((e) => ({ text: e.text, href: e.href, active: e.href === current }))
      if (links.length)
        groups.push({
          ...description,
          links,
          active:
            links.some((l) => l.active) || (!!description.home && within(currentPath, description.home)),
        })
    }
    return groups
  }

  /** The group the page at `currentPath` belongs to, with its links: the section navigation. */
  sectionFor(
    staff: StaffPrincipal | undefined,
    forceProducts: readonly string[] | undefined,
    currentPath: string,
  ): VisibleGroup | undefined {
    return this.groupsFor(staff, forceProducts, currentPath).find((g) => g.active)
  }

  /**
   * The primary navigation: the dashboard, then each visible group, leading to its home page. The
   * group's own pages are in the section navigation and the small screen's menu.
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
    for (const group of this.groupsFor(staff, forceProducts, currentPath))
      links.push({ text: group.name, href: group.home!, active: group.active })
    return links
  }

  /**
   * The groups with at least one entry, each with the roles that may open its home page: those
   * that may open one of its entries (deny by default), and for a product, the product a force
   * must have bought. A group without entries has no page.
   */
  groupHomes(): {
    description: GroupDescription
    product?: Product
    roles: readonly StaffRole[] | 'any'
  }[] {
    const homes = []
    for (const description of navigationGroups) {
      const entries = this.#entries.filter((e) => e.group === description.group)
      if (entries.length === 0 || !description.home) continue
      const roles = entries.some((e) => e.roles === 'any')
        ? ('any' as const)
        : [...new Set(entries.flatMap((e) => e.roles as readonly StaffRole[]))]
      homes.push({
        description,
        ...(isProduct(description.group) ? { product: description.group } : {}),
        roles,
      })
    }
    return homes
  }
}

/** Whether `path` is `href` or a page under it (`/console/cases/1`, not `/console/cases-old`). */
function within(path: string, href: string): boolean {
  return path === href || path.startsWith(href.endsWith('/') ? href : `${href}/`)
}

function isProduct(group: NavigationGroup): group is Product {
  return (products as readonly string[]).includes(group)
}

function mayOpen(staff: StaffPrincipal, roles: NavigationEntry['roles']): boolean {
  return roles === 'any' || roles.some((r) => staff.roles.has(r))
}
