// Deleting a case's or a person's journey records (enrolments, their steps and the enrolment
// decisions) for review, retention and deletion under the PIRM Code (UJ-3, CP-4, CRM-4), in the
// caller's transaction.
import { type SQL, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

async function count(tx: Tx, query: SQL): Promise<number> {
  const [row] = await rows<{ n: number }>(
    tx,
    sql`with d as (${query} returning 1) select count(*)::int as n from d`,
  )
  return row?.n ?? 0
}

export class JourneyDeletionRepository {
  async deleteFor(tx: Tx, target: { caseId?: string; personId?: string }): Promise<Record<string, number>> {
    const enrolment: SQL[] = []
    const decision: SQL[] = []
    if (target.caseId) {
      enrolment.push(
        sql`case_id = ${target.caseId} or incident_id = ${target.caseId} or crime_id = ${target.caseId}`,
      )
      decision.push(sql`incident_id = ${target.caseId} or crime_id = ${target.caseId}`)
    }
    if (target.personId) {
      enrolment.push(sql`person_id = ${target.personId}`)
      decision.push(sql`person_id = ${target.personId}`)
    }
    if (enrolment.length === 0) return {}
    const enrolments = sql`select id from enrolments where ${sql.join(enrolment, sql` or `)}`
    const counts: Record<string, number> = {
      enrolment_steps: await count(
        tx,
        sql`delete from enrolment_steps where enrolment_id in (${enrolments})${
          target.personId ? sql` or recipient_person_id = ${target.personId}` : sql``
        }`,
      ),
      enrolments: await count(tx, sql`delete from enrolments where ${sql.join(enrolment, sql` or `)}`),
      enrolment_decisions: await count(
        tx,
        sql`delete from enrolment_decisions where ${sql.join(decision, sql` or `)}`,
      ),
    }
    if (target.personId)
      counts.safe_channel_confirmations = await count(
        tx,
        sql`delete from safe_channel_confirmations where person_id = ${target.personId}`,
      )
    return counts
  }
}
