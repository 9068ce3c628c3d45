// What a signed-in citizen sees of their cases (CP-51, CP-53..55, CP-58): the dashboard of every
// case linked to their account, across forces, and one case's status, investigating officer and
// the updates the force shows. Links are read region-wide by account; each case is then read in
// its own force's transaction (row-level security), so a case is reachable only through a link
// of the signed-in account, and every view is audited in that force's trail.
import type { CaseService } from '../cases/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { NotFoundError } from '../platform/errors.ts'
import type { PortalRepository } from './repository.ts'
import { type LinkRow, type PortalRole, type ShownField, shownFields } from './schema.ts'

export interface CitizenCaseSummary {
  forceId: string
  forceName: string
  caseId: string
  kind: 'incident' | 'crime'
  reference: string
  description: string
  status: string
  closed: boolean
  role: PortalRole
  /** A parent or guardian's, or an attorney's: the person on the case they act for (CP-36). */
  actingFor: { name: string } | null
  /** Which details the force shows its people (CP-60); those it does not are left empty. */
  shown: Record<ShownField, boolean>
  /** Updates since the person last signed in (CP-58). */
  newUpdates: number
  lastUpdatedAt: Date | null
}

export interface CitizenCase extends CitizenCaseSummary {
  officer: { name: string; collar: string | null } | null
  /** Messages go both ways only while an officer is assigned and the case is open, until charge (CP-81, CP-82). */
  messagingOpen: boolean
  /** Whether the role may message the officer at all (CP-36): a witness may not, in phase 1. */
  mayMessage: boolean
  recordedAt: Date | null
  updates: { at: Date; text: string; isNew: boolean }[]
}

/** Case events a citizen is shown, in their words; every other entry stays inside the force. */
const shownUpdates: Record<string, (changes: Record<string, { to: unknown }>) => string> = {
  'incident.opened': () => 'You reported an incident to us',
  'crime.recorded': () => 'Your report was recorded as a crime',
  'crime.officer-assigned': () => 'An investigating officer was assigned to your case',
  'crime.status-changed': (c) =>
    `The status of your case changed to: ${statusWords(String(c.status?.to ?? ''))}`,
  'crime.closed': () => 'Your case was closed',
  'incident.closed': () => 'The incident was closed',
}

/**
 * The same updates told to whoever follows the case for someone else, or as a witness: nothing
 * says "your report", and nothing about the victim.
 */
const shownToOthers: Record<string, (changes: Record<string, { to: unknown }>) => string> = {
  'incident.opened': () => 'The incident was reported to us',
  'crime.recorded': () => 'The report was recorded as a crime',
  'crime.officer-assigned': () => 'An investigating officer was assigned to the case',
  'crime.status-changed': (c) =>
    `The status of the case changed to: ${statusWords(String(c.status?.to ?? ''))}`,
  'crime.closed': () => 'The case was closed',
  'incident.closed': () => 'The incident was closed',
}

/**
 * What each role on a case sees and may do (CP-36, decision 0037): the victim, and whoever acts
 * for them (their parent or guardian, or attorney), see every update and message the officer; a
 * witness sees only how the investigation stands (its officer, status and closing), never the
 * report's own updates or anyone else on the case, and does not message through the portal.
 */
export const roleViews: Record<
  PortalRole,
  { updates: Record<string, (changes: Record<string, { to: unknown }>) => string>; mayMessage: boolean }
> = {
  victim: { updates: shownUpdates, mayMessage: true },
  parent_guardian: { updates: shownToOthers, mayMessage: true },
  attorney: { updates: shownToOthers, mayMessage: true },
  witness: {
    updates: Object.fromEntries(
      ['crime.officer-assigned', 'crime.status-changed', 'crime.closed', 'incident.closed'].map((k) => [
        k,
        shownToOthers[k]!,
      ]),
    ),
    mayMessage: false,
  },
}

/** The roles whose link names the person they act for. */
const proxyRoles = new Set<PortalRole>(['parent_guardian', 'attorney'])

const statusLabels: Record<string, string> = {
  open: 'Open',
  'under-investigation': 'Under investigation',
  investigating: 'Under investigation',
  'pending-court': 'Awaiting court',
  closed: 'Closed',
  'no-further-action': 'Closed: no further action',
}

/** Statuses after which the person and the officer no longer message ("up until the point of charge"). */
const closedStatuses = new Set(['closed', 'charged', 'no-further-action', 'pending-court'])

export function statusWords(status: string): string {
  return (
    statusLabels[status] ??
    (status ? status.charAt(0).toUpperCase() + status.slice(1).replaceAll('-', ' ') : 'Open')
  )
}

/**
 * Whose cases: an account's id (its links are read), or the account with the links already read
 * with its session (the citizen pages; decision 0031).
 */
export type CitizenRef = string | { id: string; links: readonly LinkRow[] }

export class CitizenCaseService {
  readonly #db: Database
  readonly #repo: PortalRepository
  readonly #cases: CaseService
  readonly #audit: AuditService
  readonly #forceName: (forceId: string) => Promise<string | undefined>
  readonly #shownFields: (forceId: string) => Promise<readonly ShownField[]>

  constructor(deps: {
    db: Database
    repo: PortalRepository
    cases: CaseService
    audit: AuditService
    /** A force's name, from the process's cache of forces. */
    forceName: (forceId: string) => Promise<string | undefined>
    /** The details of a case a force shows its people (CP-60), from the process's copy. */
    shownFields?: (forceId: string) => Promise<readonly ShownField[]>
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#cases = deps.cases
    this.#audit = deps.audit
    this.#forceName = deps.forceName
    this.#shownFields = deps.shownFields ?? (async () => shownFields)
  }

  /** The links of a citizen: those read with their session, or read now (region-wide). */
  async linksOf(citizen: CitizenRef): Promise<readonly LinkRow[]> {
    if (typeof citizen !== 'string') return citizen.links
    return this.#db.asSystem((tx) => this.#repo.linksOfAccount(tx, citizen))
  }

  /** Every case linked to the account, newest link first, each read in its own force. */
  async dashboard(citizen: CitizenRef, lastSignedInAt: Date | null): Promise<CitizenCaseSummary[]> {
    const links = await this.linksOf(citizen)
    const seen = new Set<string>()
    const summaries: CitizenCaseSummary[] = []
    for (const link of links) {
      if (seen.has(link.caseId)) continue
      seen.add(link.caseId)
      const found = await this.#read(link, lastSignedInAt)
      if (found) summaries.push(found)
    }
    return summaries
  }

  /**
   * One case of the account's, or "not found" for any case it has no link to (another person's
   * case, by URL, is indistinguishable from none). The view is audited in the owning force.
   */
  async caseOf(
    citizen: CitizenRef,
    caseId: string,
    lastSignedInAt: Date | null,
    request: { ip: string; id: string },
  ): Promise<CitizenCase> {
    const accountId = idOf(citizen)
    // The case read and its view audited in one transaction (decision 0031).
    return this.withCase(citizen, caseId, lastSignedInAt, async (tx, link, found) => {
      await this.#audit.record(
        {
          action: `${link.caseKind}.viewed`,
          forceId: link.forceId,
          actor: { kind: 'citizen', id: accountId },
          recordType: link.caseKind,
          recordId: link.caseId,
          detail: {
            through: 'portal',
            personId: link.personId,
            role: link.role,
            ...(link.actsForPersonId ? { actsForPersonId: link.actsForPersonId } : {}),
          },
          ip: request.ip,
          correlationId: request.id,
        },
        tx,
      )
      return found
    })
  }

  /**
   * Runs `fn` in one transaction of the force that owns one of the account's cases, with the case
   * as the person sees it read first in that same transaction, so that a page's reads, its
   * changes and the audit of what it shows commit together (decision 0031). "Not found" for any
   * case the account has no link to, and for a linked case the force has since deleted.
   */
  async withCase<T>(
    citizen: CitizenRef,
    caseId: string,
    lastSignedInAt: Date | null,
    fn: (tx: Tx, link: LinkRow, found: CitizenCase) => Promise<T>,
  ): Promise<T> {
    const links = await this.linksOf(citizen)
    const link = links.find((l) => l.caseId === caseId)
    if (!link) throw new NotFoundError('The case')
    const forceName = (await this.#forceName(link.forceId)) ?? link.forceId
    const shown = await this.#shownFields(link.forceId)
    return this.#db.withForce(link.forceId, async (tx) => {
      const found = await this.#readIn(tx, link, forceName, lastSignedInAt, shown)
      if (!found) throw new NotFoundError('The case')
      return fn(tx, link, found)
    })
  }

  async #read(link: LinkRow, lastSignedInAt: Date | null): Promise<CitizenCase | undefined> {
    const forceName = (await this.#forceName(link.forceId)) ?? link.forceId
    const shown = await this.#shownFields(link.forceId)
    return this.#db.withForce(link.forceId, (tx) => this.#readIn(tx, link, forceName, lastSignedInAt, shown))
  }

  async #readIn(
    tx: Tx,
    link: LinkRow,
    forceName: string,
    lastSignedInAt: Date | null,
    shownList: readonly ShownField[],
  ): Promise<CitizenCase | undefined> {
    const found = await this.#readAll(tx, link, forceName, lastSignedInAt)
    if (!found) return undefined
    // CP-60: what the force does not show is never read out of here, on any page or the PDF.
    const shown = Object.fromEntries(shownFields.map((f) => [f, shownList.includes(f)])) as Record<
      ShownField,
      boolean
    >
    return {
      ...found,
      shown,
      status: shown.status ? found.status : '',
      officer: shown.officer ? found.officer : null,
      updates: shown.updates ? found.updates : [],
      newUpdates: shown.updates ? found.newUpdates : 0,
      lastUpdatedAt: shown.updates ? found.lastUpdatedAt : null,
    }
  }

  async #readAll(
    tx: Tx,
    link: LinkRow,
    forceName: string,
    lastSignedInAt: Date | null,
  ): Promise<Omit<CitizenCase, 'shown'> | undefined> {
    const since = (at: Date) => !!lastSignedInAt && at > lastSignedInAt
    const view = roleViews[link.role]
    const updatesOf = (
      timeline: { eventType: string; changes: Record<string, { to: unknown }>; occurredAt: Date }[],
    ) =>
      timeline
        .filter((t) => view.updates[t.eventType])
        .map((t) => ({
          at: t.occurredAt,
          text: view.updates[t.eventType]!(t.changes),
          isNew: since(t.occurredAt),
        }))
        .sort((a, b) => b.at.getTime() - a.at.getTime())
    // Anyone but the victim sees the case only while the force's records still put them on it in
    // that role, and a parent or guardian, or attorney, only while they act for someone on it.
    let actingFor: CitizenCase['actingFor'] = null
    if (link.role !== 'victim') {
      const key = link.caseKind === 'crime' ? { crimeId: link.caseId } : { incidentId: link.caseId }
      const parties = await this.#cases.parties(link.forceId, key, { tx })
      const own = parties.find((p) => p.personId === link.personId && p.role === link.role)
      if (!own) return undefined
      // A link made before the source said whom they act for names nobody, and shows nobody.
      if (proxyRoles.has(link.role) && link.actsForPersonId) {
        const actedFor = parties.find((p) => p.personId === link.actsForPersonId)
        if (!actedFor || own.actsForPersonId !== link.actsForPersonId) return undefined
        actingFor = { name: actedFor.displayName ?? 'the person you act for' }
      }
    }
    if (link.caseKind === 'crime') {
      const found = await this.#cases
        .getCrime(link.forceId, link.caseId, { tx, parties: false })
        .catch(notFound)
      if (!found) return undefined
      const { crime } = found
      const updates = updatesOf(found.timeline)
      return {
        forceId: link.forceId,
        forceName,
        caseId: link.caseId,
        kind: 'crime' as const,
        reference: crime.crimeRef,
        description: crime.crimeType ?? 'Crime',
        status: statusWords(crime.status),
        closed: !!crime.closedAt,
        role: link.role,
        actingFor,
        newUpdates: updates.filter((u) => u.isNew).length,
        lastUpdatedAt: updates[0]?.at ?? null,
        officer: crime.officerName ? { name: crime.officerName, collar: crime.officerCollar } : null,
        mayMessage: view.mayMessage,
        messagingOpen:
          view.mayMessage &&
          !crime.closedAt &&
          !!(crime.officerCollar || crime.officerName) &&
          !closedStatuses.has(crime.status),
        recordedAt: crime.recordedAt,
        updates,
      }
    }
    const found = await this.#cases
      .getIncident(link.forceId, link.caseId, { tx, parties: false })
      .catch(notFound)
    if (!found) return undefined
    const { incident } = found
    const updates = updatesOf(found.timeline)
    return {
      forceId: link.forceId,
      forceName,
      caseId: link.caseId,
      kind: 'incident' as const,
      reference: incident.cadRef,
      description: incident.incidentType ?? 'Incident',
      status: incident.closedAt ? 'Closed' : 'Open',
      closed: !!incident.closedAt,
      role: link.role,
      actingFor,
      newUpdates: updates.filter((u) => u.isNew).length,
      lastUpdatedAt: updates[0]?.at ?? null,
      officer: null,
      mayMessage: view.mayMessage,
      messagingOpen: false,
      recordedAt: incident.openedAt,
      updates,
    }
  }
}

/** The account id of a citizen reference. */
export function idOf(citizen: CitizenRef): string {
  return typeof citizen === 'string' ? citizen : citizen.id
}

/** A linked case the force has since deleted (PIRM) is left off, not an error. */
function notFound(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined
  throw error
}
