// What needs attention, on each member of staff's home page (/console): counts of failed
// messages, quarantined source events, write-back dead letters and Victims' Code deadlines at
// risk, and the health of the force's integrations, each linking to its list. Each capability
// module declares its tiles (`Module.attention`); a tile shows only to those who may open the
// page it links to (its `access` is that page's route access), and only the signed-in person's
// own force is counted. Every count is a bounded read of an index (at most `attentionCap` rows),
// so the page stays fast at a year of a large force's volume.
import { hasAnyRole, type Product, type StaffPrincipal, type StaffRole } from '../auth/roles.ts'

/** No count reads more than this many rows; a count that reaches it shows as "1,000 or more". */
export const attentionCap = 1000

/** One line of a tile: a count (or a state) and the list it links to. */
export interface DashboardLine {
  text: string
  href: string
  /** Absent for a line that states something rather than counting (integration health). */
  count?: number
  /** "1,000 or more", "12", or the state, e.g. "2 Jun 2026, 13:00". */
  value: string
  /** The line needs someone to act: a non-zero count, a source gone quiet. */
  attention: boolean
}

/** A tile a capability module puts on the dashboard. */
export interface AttentionTile {
  id: string
  title: string
  /** Where it sits among the tiles (lower first). */
  order: number
  /** Who may open the tile's list: the same access as that page's route. */
  access: { staff: readonly StaffRole[]; product?: Product }
  /** The force's lines, each count read with a limit of `attentionCap`. */
  lines(forceId: string): Promise<DashboardLine[]>
}

export interface DashboardTile {
  id: string
  title: string
  lines: DashboardLine[]
}

/** A counted line: "1,000 or more" once the count reaches the cap. */
export function countLine(text: string, href: string, count: number): DashboardLine {
  return {
    text,
    href,
    count,
    value:
      count >= attentionCap
        ? `${attentionCap.toLocaleString('en-GB')} or more`
        : count.toLocaleString('en-GB'),
    attention: count > 0,
  }
}

/** The tiles this member of staff may open, with their own force's counts. */
export async function dashboardFor(
  staff: StaffPrincipal,
  tiles: readonly AttentionTile[],
  hasProduct: (forceId: string, product: Product) => Promise<boolean>,
): Promise<DashboardTile[]> {
  const forceId = staff.forceId
  if (!forceId) return []
  const shown: DashboardTile[] = []
  for (const tile of [...tiles].sort((a, b) => a.order - b.order)) {
    if (!hasAnyRole(staff, tile.access.staff)) continue
    if (tile.access.product && !(await hasProduct(forceId, tile.access.product))) continue
    shown.push({ id: tile.id, title: tile.title, lines: await tile.lines(forceId) })
  }
  return shown
}
