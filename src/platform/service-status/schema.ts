// Drizzle tables of the service-incident log (src/platform/service-status/migrations/0040_service_incidents.sql).
import { bigint, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

export type ServiceIncidentKind = 'incident' | 'problem'
export type ServiceIncidentSeverity = 'critical' | 'high' | 'medium' | 'low'

export const serviceIncidents = pgTable('service_incidents', {
  id: uuid('id').primaryKey().defaultRandom(),
  number: bigint('number', { mode: 'number' }).generatedAlwaysAsIdentity(),
  kind: text('kind').$type<ServiceIncidentKind>().notNull(),
  title: text('title').notNull(),
  severity: text('severity').$type<ServiceIncidentSeverity>().notNull(),
  forceIds: text('force_ids').array().notNull(),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
  description: text('description').notNull(),
  status: text('status').$type<'open' | 'resolved'>().notNull(),
  resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  resolution: text('resolution'),
  createdBy: text('created_by'),
  createdByName: text('created_by_name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
})

export const serviceIncidentActions = pgTable('service_incident_actions', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  incidentId: uuid('incident_id').notNull(),
  takenAt: timestamp('taken_at', { withTimezone: true, mode: 'date' }).notNull(),
  actorId: text('actor_id'),
  actorName: text('actor_name').notNull(),
  kind: text('kind').$type<'opened' | 'action' | 'resolved'>().notNull(),
  description: text('description').notNull(),
})
