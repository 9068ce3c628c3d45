// `waypoint audit verify`: recomputes every audit chain and prints one line per trail (a force's,
// or the region's, kept in several chains; decision 0031) and one per broken chain, so an auditor
// or an operator can show the trail has not been altered (CP-175, CP-176 tamper-proof).
import type { Clock } from '../clock.ts'
import type { Database } from '../db/database.ts'
import { AuditRepository, trailOf } from './audit-repository.ts'
import { AuditService, type ChainVerification } from './audit-service.ts'

/** Prints each trail's result; returns the process exit code (1 when any chain is broken). */
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
  const trails = new Map<string, ChainVerification[]>()
  for (const r of results) {
    const { trail } = trailOf(r.chain)
    trails.set(trail, [...(trails.get(trail) ?? []), r])
  }
  let broken = 0
  for (const [trail, chains] of [...trails].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const bad = chains.filter((r) => !r.ok)
    if (bad.length === 0) {
      const events = chains.reduce((n, r) => n + r.events, 0)
      print(`${trail}: OK (${events} events in ${chains.length} chains)`)
      continue
    }
    broken += 1
    for (const r of bad) print(`${r.chain}: BROKEN at seq ${r.brokenAt}: ${r.reason}`)
  }
  print(broken === 0 ? `All ${trails.size} trails verify.` : `${broken} of ${trails.size} trails are broken.`)
  return broken === 0 ? 0 : 1
}
