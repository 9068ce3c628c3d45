// `waypoint audit verify`: recomputes every audit chain and prints one line per chain, so an
// auditor or an operator can show the trail has not been altered (CP-175, CP-176 tamper-proof).
import type { Clock } from '../clock.ts'
import type { Database } from '../db/database.ts'
import { AuditRepository } from './audit-repository.ts'
import { AuditService } from './audit-service.ts'

/** Prints each chain's result; returns the process exit code (1 when any chain is broken). */
export async function verifyAuditTrail(
  db: Database,
  clock: Clock,
  print: (line: string) => void,
): Promise<number> {
  const results = await new AuditService(new AuditRepository(db), db, clock).verify()
  if (results.length === 0) {
    print('No audit events have been recorded yet.')
    return 0
  }
  for (const r of results) {
    print(
      r.ok ? `${r.chain}: OK (${r.events} events)` : `${r.chain}: BROKEN at seq ${r.brokenAt}: ${r.reason}`,
    )
  }
  const broken = results.filter((r) => !r.ok).length
  print(
    broken === 0
      ? `All ${results.length} chains verify.`
      : `${broken} of ${results.length} chains are broken.`,
  )
  return broken === 0 ? 0 : 1
}
