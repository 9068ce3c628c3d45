// The only code that touches the service-incident tables. Region-wide readers (system admins,
// service support) read as the system role; a force administrator reads through row-level
// security, which shows only incidents that affect their force.
import { and, asc, desc, eq, inArray } from 'drizzle-orm'
import type { Database, Tx } from '../db/database.ts'
import { serviceIncidentActions, serviceIncidents } from './schema.ts'

export type ServiceIncident = typeof serviceIncidents.$inferSelect
export type ServiceIncidentAction = typeof serviceIncidentActions.$inferSelect
export type NewServiceIncident = Omit<typeof serviceIncidents.$inferInsert, 'id' | 'number' | 'status'>
export type NewServiceIncidentAction = Omit<typeof serviceIncidentActions.$inferInsert, 'id' | 'incidentId'>

/** Whose incidents a reader sees: one force's, or the whole region's. */
export type ServiceIncidentScope = { forceId: string } | 'region'
export type StatusFilter = 'open' | 'resolved' | 'all'

export class ServiceIncidentRepository {
  readonly #db: Database
  constructor(db: Database) {
    this.#db = db
  }

  /** Runs writes as the system role; the caller records the audit event in the same `tx`. */
  inSystemTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#db.asSystem(fn)
  }

  async create(
    tx: Tx,
    incident: NewServiceIncident,
    opened: NewServiceIncidentAction,
  ): Promise<ServiceIncident> {
    const [created] = await tx
      .insert(serviceIncidents)
      .values({ ...incident, status: 'open' })
      .returning()
    await tx.insert(serviceIncidentActions).values({ ...opened, incidentId: created.id })
    return created
  }

  async addAction(tx: Tx, incidentId: string, action: NewServiceIncidentAction): Promise<void> {
    await tx.insert(serviceIncidentActions).values({ ...action, incidentId })
  }

  /** Marks an open incident resolved; false when it was not open. */
  async resolve(
    tx: Tx,
    incidentId: string,
    resolution: string,
    action: NewServiceIncidentAction,
  ): Promise<boolean> {
    const updated = await tx
      .update(serviceIncidents)
      .set({ status: 'resolved', resolvedAt: action.takenAt, resolution })
      .where(and(eq(serviceIncidents.id, incidentId), eq(serviceIncidents.status, 'open')))
      .returning({ id: serviceIncidents.id })
    if (updated.length === 0) return false
    await tx.insert(serviceIncidentActions).values({ ...action, incidentId })
    return true
  }

  list(scope: ServiceIncidentScope, status: StatusFilter): Promise<ServiceIncident[]> {
    return this.#inScope(scope, (tx) =>
      tx
        .select()
        .from(serviceIncidents)
        .where(status === 'all' ? undefined : eq(serviceIncidents.status, status))
        .orderBy(desc(serviceIncidents.startedAt), desc(serviceIncidents.number))
        .limit(500),
    )
  }

  get(
    scope: ServiceIncidentScope,
    id: string,
  ): Promise<{ incident: ServiceIncident; actions: ServiceIncidentAction[] } | undefined> {
    return this.#inScope(scope, async (tx) => {
      const [incident] = await tx.select().from(serviceIncidents).where(eq(serviceIncidents.id, id))
      if (!incident) return undefined
      const actions = await tx
        .select()
        .from(serviceIncidentActions)
        .where(eq(serviceIncidentActions.incidentId, id))
        .orderBy(asc(serviceIncidentActions.takenAt), asc(serviceIncidentActions.id))
      return { incident, actions }
    })
  }

  /** Every action of every visible incident, for the CSV record given to forces (UJ-17). */
  withActions(
    scope: ServiceIncidentScope,
    status: StatusFilter,
  ): Promise<{ incident: ServiceIncident; action: ServiceIncidentAction }[]> {
    return this.#inScope(scope, async (tx) => {
      const incidents = await tx
        .select()
        .from(serviceIncidents)
        .where(status === 'all' ? undefined : eq(serviceIncidents.status, status))
        .orderBy(desc(serviceIncidents.startedAt), desc(serviceIncidents.number))
      if (incidents.length === 0) return []
      const byId = new Map(incidents.map((i) => [i.id, i]))
      const actions = await tx
        .select()
        .from(serviceIncidentActions)
        .where(
          inArray(
            serviceIncidentActions.incidentId,
            incidents.map((i) => i.id),
          ),
        )
        .orderBy(asc(serviceIncidentActions.takenAt), asc(serviceIncidentActions.id))
      const grouped = new Map<string, ServiceIncidentAction[]>()
      for (const a of actions) grouped.set(a.incidentId, [...(grouped.get(a.incidentId) ?? []), a])
      return incidents.flatMap((i) =>
        (grouped.get(i.id) ?? []).map((action) => ({ incident: byId.get(i.id)!, action })),
      )
    })
  }

  #inScope<T>(scope: ServiceIncidentScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return scope === 'region' ? this.#db.asSystem(fn) : this.#db.withForce(scope.forceId, fn)
  }
}
