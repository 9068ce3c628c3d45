// What needs attention, on each member of staff's home page (/console): counts of failed
// messages, quarantined source events, write-back dead letters and Victims' Code deadlines at
// risk, and the health of the force's integrations, each linking to its list. A tile shows only
// to those who may open the page it links to (its `access` is that page's route access), and
// only the signed-in person's own force is counted. Every count is a bounded read of an index
// (at most `attentionCap` rows), so the page stays fast at a year of a large force's volume.
//
// The tiles are listed here, beside the console routes; the counts come from the capabilities
// through the ports below, which the composition root fills with the capabilities' services.
import { hasAnyRole, type Product, type StaffPrincipal, type StaffRole } from '../auth/roles.ts'

/** No count reads more than this many rows; a count that reaches it shows as "1,000 or more". */
export const attentionCap = 1000

/** What the dashboard asks of the capabilities (each a port the capability's service implements). */
export interface DashboardPorts {
  messaging: {
    undeliveredCounts(forceId: string, cap: number): Promise<{ status: string; count: number }[]>
  }
  sources: {
    needsAttention(
      forceId: string,
      cap: number,
    ): Promise<{
      quarantined: number
      quarantinedLastDay: number
      lastApplied: { sourceSystem: string; at: Date | null; quiet: boolean }[]
    }>
  }
  writeback: { deadCount(forceId: string, cap: number): Promise<number> }
  reporting: { vcopAtRisk(forceId: string): Promise<{ due: number; missed: number }> }
  forces: { hasProduct(forceId: string, product: Product): Promise<boolean> }
}

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

export interface DashboardTile {
  id: string
  title: string
  lines: DashboardLine[]
}

interface TileDefinition {
  id: string
  title: string
  /** Who may open the tile's list: the same access as that page's route. */
  access: { staff: readonly StaffRole[]; product?: Product }
  lines(forceId: string, ports: DashboardPorts): Promise<DashboardLine[]>
}

const countLine = (text: string, href: string, count: number): DashboardLine => ({
  text,
  href,
  count,
  value:
    count >= attentionCap ? `${attentionCap.toLocaleString('en-GB')} or more` : count.toLocaleString('en-GB'),
  attention: count > 0,
})

const undeliveredText: Record<string, string> = {
  'permanent-failure': 'Not delivered: the number or address does not work',
  'temporary-failure': 'Not delivered: the phone or inbox was unavailable',
  'technical-failure': 'Not delivered: a technical failure',
}

const sourceNames: Record<string, string> = { storm: 'STORM', athena: 'Athena', warehouse: 'Warehouse' }

const londonTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/London',
})

export const dashboardTiles: TileDefinition[] = [
  {
    id: 'messages',
    title: 'Messages not delivered',
    access: { staff: ['force_admin', 'journey_designer', 'supervisor', 'service_support'] },
    lines: async (forceId, ports) =>
      (await ports.messaging.undeliveredCounts(forceId, attentionCap)).map((c) =>
        countLine(undeliveredText[c.status] ?? c.status, `/console/outbox?status=${c.status}`, c.count),
      ),
  },
  {
    id: 'victims-code',
    title: 'Victims’ Code deadlines at risk',
    access: {
      staff: ['force_admin', 'journey_designer', 'analyst', 'investigating_officer', 'supervisor'],
      product: 'journeys',
    },
    lines: async (forceId, ports) => {
      const risk = await ports.reporting.vcopAtRisk(forceId)
      return [
        countLine('Due in the next 2 days, no first contact yet', '/console/journeys/victims-code', risk.due),
        countLine('Missed in the last 7 days', '/console/journeys/victims-code', risk.missed),
      ]
    },
  },
  {
    id: 'source-events',
    title: 'Quarantined source events',
    access: { staff: ['force_admin'] },
    lines: async (forceId, ports) => {
      const found = await ports.sources.needsAttention(forceId, attentionCap)
      return [
        countLine('Waiting to be corrected and replayed', '/console/sources', found.quarantined),
        countLine('Of them, received in the last 24 hours', '/console/sources', found.quarantinedLastDay),
      ]
    },
  },
  {
    id: 'writeback',
    title: 'Write-back dead letters',
    access: { staff: ['force_admin', 'service_support'] },
    lines: async (forceId, ports) => [
      countLine(
        'Updates to CAD or the RMS that could not be delivered',
        '/console/writeback',
        await ports.writeback.deadCount(forceId, attentionCap),
      ),
    ],
  },
  {
    id: 'integration-health',
    title: 'Integration health',
    access: { staff: ['force_admin'] },
    lines: async (forceId, ports) =>
      (await ports.sources.needsAttention(forceId, attentionCap)).lastApplied.map((s) => ({
        text: `${sourceNames[s.sourceSystem] ?? s.sourceSystem}: last event applied`,
        href: '/console/sources',
        value: s.at ? `${londonTime.format(s.at)}${s.quiet ? ', over a day ago' : ''}` : 'None yet',
        attention: s.quiet,
      })),
  },
]

/** The tiles this member of staff may open, with their force's counts. */
export async function dashboardFor(staff: StaffPrincipal, ports: DashboardPorts): Promise<DashboardTile[]> {
  const forceId = staff.forceId
  if (!forceId) return []
  const tiles: DashboardTile[] = []
  for (const tile of dashboardTiles) {
    if (!hasAnyRole(staff, tile.access.staff)) continue
    if (tile.access.product && !(await ports.forces.hasProduct(forceId, tile.access.product))) continue
    tiles.push({ id: tile.id, title: tile.title, lines: await tile.lines(forceId, ports) })
  }
  return tiles
}
