// What the service-level alerts watch (deploy/prometheus/, docs/operations.md), read from the
// database at each scrape of /metrics: how long work has waited, not counters one process keeps,
// so any web process answers for the whole deployment (the alert rules take the max across
// instances). Five small queries on partial indexes; a scrape every 30 s costs little.
import { sql } from 'drizzle-orm'
import { Gauge, type Registry } from 'prom-client'
import { type Database, rows } from '../db/database.ts'

export function registerOperationsMetrics(registry: Registry, db: Database, jobSchema: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(jobSchema)) throw new Error(`Invalid job schema ${jobSchema}`)
  // One read for all of them, shared by the gauges' collect() of the same scrape.
  let reading: Promise<void> | undefined
  const read = () => {
    reading ??= readAll().finally(() => {
      reading = undefined
    })
    return reading
  }
  const queueAge = new Gauge({
    name: 'waypoint_job_queue_oldest_seconds',
    help: 'Age of the oldest job that is due and waiting (created or retry), by queue; 0 when none waits',
    labelNames: ['queue'],
    registers: [registry],
    collect: read,
  })
  const queueWaiting = new Gauge({
    name: 'waypoint_job_queue_waiting',
    help: 'Jobs due and waiting (created or retry), by queue',
    labelNames: ['queue'],
    registers: [registry],
    collect: read,
  })
  const dispatchLag = new Gauge({
    name: 'waypoint_dispatch_lag_seconds',
    help: 'How far the oldest message due and not yet at the provider (scheduled with send_after passed, or sending) is behind its time, by force; 0 when none',
    labelNames: ['force'],
    registers: [registry],
    collect: read,
  })
  const deadLetters = new Gauge({
    name: 'waypoint_writeback_dead_letters',
    help: 'Write-back entries given up on (dead letters) waiting to be replayed, by force',
    labelNames: ['force'],
    registers: [registry],
    collect: read,
  })
  const quarantined = new Gauge({
    name: 'waypoint_source_events_quarantined',
    help: 'Source events in quarantine waiting for a person, by force and source system',
    labelNames: ['force', 'source'],
    registers: [registry],
    collect: read,
  })
  const auditLag = new Gauge({
    name: 'waypoint_audit_forward_lag_seconds',
    help: 'Age of the oldest audit event not yet delivered to the SIEM, by destination; 0 when none waits',
    labelNames: ['destination'],
    registers: [registry],
    collect: read,
  })
  const scrapeErrors = new Gauge({
    name: 'waypoint_operations_metrics_up',
    help: '1 when the operations metrics were read from the database at this scrape, 0 when the read failed',
    registers: [registry],
    collect: read,
  })

  const readAll = async () => {
    try {
      const [jobs, dispatch, dead, held, audit] = await db.asSystem(async (tx) => [
        await rows<{ name: string; waiting: number; oldest: number }>(
          tx,
          sql.raw(`select name, count(*)::int as waiting,
              coalesce(extract(epoch from now() - min(created_on)), 0)::float8 as oldest
            from ${jobSchema}.job where state in ('created', 'retry') and start_after <= now() group by name`),
        ),
        await rows<{ force_id: string; lag: number }>(
          tx,
          // A message in `sending` is not at the provider yet either: one whose send had no answer
          // (Notify down, timing out or refusing connections) waits there to be looked up, and
          // an outage of that kind must show here as much as a 429 that leaves them scheduled.
          sql`select force_id, extract(epoch from now() - min(send_after))::float8 as lag
            from (select force_id, send_after from messages where status = 'scheduled' and send_after <= now()
                  union all
                  select force_id, send_after from messages where status = 'sending') due
            group by force_id`,
        ),
        await rows<{ force_id: string; n: number }>(
          tx,
          sql`select force_id, count(*)::int as n from writeback_entries where status = 'dead' group by force_id`,
        ),
        await rows<{ force_id: string; source_system: string; n: number }>(
          tx,
          sql`select force_id, source_system, count(*)::int as n from source_events
            where status = 'quarantined' group by force_id, source_system`,
        ),
        await rows<{ destination: string; lag: number }>(
          tx,
          sql`select f.destination, extract(epoch from now() - min(e.occurred_at))::float8 as lag
            from audit_forwarding f join audit_events e on e.id = f.audit_event_id
            where f.status = 'pending' group by f.destination`,
        ),
      ])
      // A queue, force or destination with nothing waiting reads 0 rather than vanishing.
      queueAge.reset()
      queueWaiting.reset()
      dispatchLag.reset()
      deadLetters.reset()
      quarantined.reset()
      auditLag.reset()
      for (const j of jobs) {
        queueAge.set({ queue: j.name }, Number(j.oldest))
        queueWaiting.set({ queue: j.name }, j.waiting)
      }
      for (const d of dispatch) dispatchLag.set({ force: d.force_id }, Math.max(0, Number(d.lag)))
      for (const d of dead) deadLetters.set({ force: d.force_id }, d.n)
      for (const q of held) quarantined.set({ force: q.force_id, source: q.source_system }, q.n)
      for (const a of audit) auditLag.set({ destination: a.destination }, Math.max(0, Number(a.lag)))
      for (const destination of ['syslog', 'hec'])
        if (!audit.some((a) => a.destination === destination)) auditLag.set({ destination }, 0)
      scrapeErrors.set(1)
    } catch {
      // The database cannot be read: the figures are unknown, said so rather than left stale.
      scrapeErrors.set(0)
    }
  }
}
