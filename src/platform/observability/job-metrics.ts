// What this process's job runs did, for Prometheus: how many ran by queue and outcome, and how
// long they took. Counters a worker keeps itself (the queue's own depth and age are read from the
// database by operations-metrics.ts, so any process answers for those); a worker serves them on
// its operations port (operations-server.ts), a web or `all` process on its /metrics.
import { Counter, Histogram, type Registry } from 'prom-client'
import type { JobQueue } from '../jobs.ts'

export function registerJobMetrics(registry: Registry, jobs: Pick<JobQueue, 'observe'>): void {
  const runs = new Counter({
    name: 'waypoint_jobs_total',
    help: 'Jobs this process ran, by queue and outcome (completed, or failed and left to be retried)',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'waypoint_job_duration_seconds',
    help: 'How long each job this process ran took, by queue',
    labelNames: ['queue'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  })
  jobs.observe((queue, outcome, seconds) => {
    runs.inc({ queue, outcome })
    duration.observe({ queue }, seconds)
  })
}
