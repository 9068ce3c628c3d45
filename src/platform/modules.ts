// The contract between the composition root and each capability (docs/ARCHITECTURE.md,
// "Modules"). A capability exports one module: the services it offers the others, the HTTP routes
// it registers, its jobs (definition plus handler), its readiness checks and its entries in the
// staff console's navigation. `createApp` builds the modules in dependency order, handing each
// the services it needs, then registers what they declare in one place: routes on the one HTTP
// server, jobs in the one job registry, checks on /health/ready, entries in the navigation.
// Platform code depends on this contract only, never on a capability.
import type { FastifyInstance } from 'fastify'
import type { Metric } from 'prom-client'
import type { Product, StaffRole } from './auth/roles.ts'
import type { AttentionTile } from './console/dashboard.ts'
import type { SealedCredentialStore } from './credential-keys.ts'
import type { JobDefinition, JobQueue } from './jobs.ts'
import type { ReadinessCheck } from './observability/health-routes.ts'

/**
 * Where an entry sits in the console: under a product the force may have bought (its page lists
 * the product's entries; the product is shown only to forces that bought it), among the work
 * every product shares (cases, conversations, messages), or among settings and administration.
 */
export type NavigationGroup = Product | 'work' | 'settings' | 'admin'

export interface NavigationEntry {
  text: string
  href: string
  /** Who may open the page (the route's own access must say the same, or stricter). */
  roles: readonly StaffRole[] | 'any'
  group: NavigationGroup
  /**
   * The page reads one force's records, so it is left out for staff who belong to no force (the
   * region's administrators and auditors), whom the route refuses.
   */
  forceOnly?: boolean
}

export interface Module<S extends object = object> {
  /** The capability's name, as in its folder. */
  name: string
  /** What the capability offers the composition root and the other capabilities. */
  services: S
  /** Registers the capability's HTTP routes (each declaring its access) on the server. */
  routes?(http: FastifyInstance): void | Promise<void>
  /** Its jobs, each a definition (name, payload, retry, schedule, queue policy) with its handler. */
  jobs?: readonly JobDefinition<any>[]
  /** What /health/ready checks for it (an outbox backlog, an external peer). */
  readiness?: readonly ReadinessCheck[]
  /** Metrics it counts, added to /metrics. */
  metrics?: readonly Metric[]
  /** Its pages in the staff console's navigation. */
  navigation?: readonly NavigationEntry[]
  /** What its lists hold that needs attention, counted on the console's home page. */
  attention?: readonly AttentionTile[]
  /**
   * Where it keeps credentials sealed with the installation's credential keys, sealed again at
   * start-up while WRITEBACK_CREDENTIAL_KEY_PREVIOUS is set (decision 0049).
   */
  sealedCredentials?: readonly SealedCredentialStore[]
  /** Starts what runs beside requests and jobs (a listener), once routes and jobs are in place. */
  start?(): Promise<void>
  /** Stops it, before the database closes. */
  stop?(): Promise<void> | void
}

/** Everything the modules declare, registered on the app's one server, job registry and checks. */
export async function registerModules(
  modules: readonly Module[],
  into: {
    http: FastifyInstance
    jobs: JobQueue
    readiness: ReadinessCheck[]
    metrics: { registerMetric(m: Metric): void }
  },
): Promise<void> {
  for (const m of modules) {
    into.jobs.register(...(m.jobs ?? []))
    into.readiness.push(...(m.readiness ?? []))
    for (const metric of m.metrics ?? []) into.metrics.registerMetric(metric)
  }
  for (const m of modules) await m.routes?.(into.http)
}

/** Every module's dashboard tiles. */
export function attentionTiles(modules: readonly Module[]): AttentionTile[] {
  return modules.flatMap((m) => m.attention ?? [])
}

/** Every module's navigation entries, in module order. */
export function navigationEntries(modules: readonly Module[]): NavigationEntry[] {
  return modules.flatMap((m) => m.navigation ?? [])
}
