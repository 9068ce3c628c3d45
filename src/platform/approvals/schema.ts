// Drizzle table of `migrations/0981_change_requests.sql`.
import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

/** One field of a change as the approval page shows it: its words before and after. */
export interface ChangeField {
  label: string
  before: string
  after: string
}

export const changeRequests = pgTable('change_requests', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  kind: text('kind').$type<'journey' | 'template' | 'portal-content'>().notNull(),
  subjectId: text('subject_id').notNull(),
  subjectName: text('subject_name').notNull(),
  summary: text('summary').notNull(),
  diff: jsonb('diff').$type<ChangeField[]>().notNull(),
  proposal: jsonb('proposal').$type<Record<string, unknown>>().notNull(),
  requestedBy: uuid('requested_by').notNull(),
  requestedAt: timestamptz('requested_at').notNull(),
  status: text('status')
    .$type<'pending' | 'approved' | 'rejected' | 'withdrawn'>()
    .notNull()
    .default('pending'),
  decidedBy: uuid('decided_by'),
  decidedAt: timestamptz('decided_at'),
  reason: text('reason'),
  outcome: text('outcome'),
})
