// One PGlite per batch process (test/support/batch.ts), handed to one test database after another
// and reset between them to the migrated template it was loaded from: issue 12's "medium tests",
// one shared database per test worker (decision 0064).
//
// Opening a test database from the template cost about 0.35 s of CPU in a quiet process and
// 0.7 s on average in a batch (unpacking the template into PGlite's in-memory file system,
// starting PostgreSQL, and collecting the last instance's memory), paid by every test app. A reset
// costs under a tenth of a second:
// - the tables holding any row, and those the template holds rows in, are emptied (triggers off:
//   the append-only tables refuse it otherwise) and vacuumed back to no pages, and the template's
//   rows are put back as they were, from a copy taken when the instance was loaded;
// - every sequence is set back to where the template left it;
// - the session's settings, advisory locks and prepared statements are reset, and every LISTEN
//   the last user made is ended.
// A test that changed the schema (a table renamed, a temporary table, a role, a function) changes
// the catalogue's fingerprint, taken with the copy: then the instance is closed and a new one is
// loaded from the template instead.
//
// The instance is handed out through a fence: once the test database it went to is closed, every
// call the last user's handles make fails, so a leftover timer of one test file can never read or
// write the next file's data. A second test database wanted while the instance is out (two apps
// of one test on two databases) gets an instance of its own, as outside a batch.
import type { PGlite } from '@electric-sql/pglite'
import { batchResources } from './batch-resources.ts'

/** The template's state, taken when the instance was loaded. */
interface Snapshot {
  /** One statement answering the tables (every one not a partition of another) holding a row now. */
  holdingRows: string
  /** The tables the template holds rows in, each with the statement that puts them back. */
  refill: { table: string; statement: string }[]
  /** One statement setting every sequence back. */
  sequences: string
  fingerprint: string
}

/** Objects the template's own extensions and migrations made have OIDs from here on. */
const firstUserOid = 16384

/**
 * What a test may change in the schema, as one md5: relations (with their columns, defaults,
 * row-level security and grants), functions, triggers, policies, roles, memberships and schemas.
 * A TRUNCATE changes none of it (only a relation's file node).
 */
const fingerprintQuery = `select md5(string_agg(item, ',' order by item)) as fingerprint from (
  select concat_ws(':', 'c', c.oid, c.relname, c.relkind, c.relnatts, c.relnamespace, c.relpersistence,
    c.relrowsecurity, c.relforcerowsecurity, c.relhastriggers, c.relacl::text) as item
    from pg_class c where c.oid >= ${firstUserOid}
  union all select concat_ws(':', 'a', attrelid, attnum, attname, atttypid, attnotnull, atthasdef, attisdropped,
    attgenerated, attidentity) from pg_attribute where attrelid >= ${firstUserOid}
  union all select concat_ws(':', 'd', adrelid, adnum, md5(pg_get_expr(adbin, adrelid))) from pg_attrdef
  union all select concat_ws(':', 'f', oid, proname, md5(prosrc), proacl::text) from pg_proc where oid >= ${firstUserOid}
  union all select concat_ws(':', 't', oid, tgname, tgenabled) from pg_trigger where oid >= ${firstUserOid}
  union all select concat_ws(':', 'p', oid, polname, md5(coalesce(pg_get_expr(polqual, polrelid), '')
    || coalesce(pg_get_expr(polwithcheck, polrelid), ''))) from pg_policy
  union all select concat_ws(':', 'r', oid, rolname, rolsuper, rolinherit, rolbypassrls, rolcanlogin) from pg_roles
  union all select concat_ws(':', 'm', roleid, member) from pg_auth_members
  union all select concat_ws(':', 'n', oid, nspname, nspacl::text) from pg_namespace
) catalogue`

/** A string as an SQL literal (standard_conforming_strings is on). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

async function takeSnapshot(client: PGlite): Promise<Snapshot> {
  const { rows: tables } = await client.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and not c.relispartition and c.relpersistence = 'p'
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
      order by 1`,
  )
  const names = tables.map((t) => t.name)
  const holdingRows = `select array_remove(array[${names
    .map((name) => `case when exists (select from ${name}) then ${literal(name)} end`)
    .join(', ')}]::text[], null) as names`
  const { rows: held } = await client.query<{ names: string[] }>(holdingRows)
  const refill: Snapshot['refill'] = []
  for (const name of held[0]?.names ?? []) {
    // Generated columns are left to compute themselves; identity columns keep the template's values.
    const { rows: columns } = await client.query<{ columns: string; identity: boolean }>(
      `select string_agg(quote_ident(attname), ', ' order by attnum) as columns, bool_or(attidentity = 'a') as identity
         from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped and attgenerated = ''`,
      [name],
    )
    const { rows } = await client.query<{ json: string }>(`select json_agg(t)::text as json from ${name} t`)
    const { columns: list, identity } = columns[0]!
    refill.push({
      table: name,
      statement: `insert into ${name} (${list})${identity ? ' overriding system value' : ''} select ${list} from json_populate_recordset(null::${name}, ${literal(rows[0]!.json)})`,
    })
  }
  const { rows: sequences } = await client.query<{ name: string; value: string; called: boolean }>(
    `select format('%I.%I', schemaname, sequencename) as name, coalesce(last_value, start_value)::text as value,
            last_value is not null as called
       from pg_sequences where schemaname not in ('pg_catalog', 'information_schema')`,
  )
  return {
    holdingRows,
    refill,
    sequences: sequences.length
      ? `select ${sequences.map((s) => `setval(${literal(s.name)}, ${s.value}, ${s.called})`).join(', ')}`
      : 'select',
    fingerprint: await fingerprint(client),
  }
}

async function fingerprint(client: PGlite): Promise<string> {
  const { rows } = await client.query<{ fingerprint: string }>(fingerprintQuery)
  return rows[0]!.fingerprint
}

/**
 * Empties what the last user wrote and puts the template's rows and sequences back; false when the
 * schema itself was changed, and the instance cannot be made the template again.
 */
async function reset(client: PGlite, snapshot: Snapshot): Promise<boolean> {
  // A transaction a test left open (it should not) would hold the reset inside it.
  if (client.isInTransaction()) await client.exec('rollback')
  if ((await fingerprint(client)) !== snapshot.fingerprint) return false
  const { rows } = await client.query<{ names: string[] }>(snapshot.holdingRows)
  const emptied = [...new Set([...(rows[0]?.names ?? []), ...snapshot.refill.map((r) => r.table)])]
  await client.exec(
    [
      'set session_replication_role = replica',
      // DELETE, not TRUNCATE: a TRUNCATE makes new files for each table, its indexes and its
      // TOAST table, which cost four times as much for the few rows a test writes. With triggers
      // off, the foreign keys' checks are off too, so the order does not matter.
      ...emptied.map((table) => `delete from ${table}`),
    ].join(';\n'),
  )
  // VACUUM cuts each emptied table back to no pages, so that the next rows are stored in the order
  // they are written, as in a new table. Without it, a page's freed slots were taken again, and
  // rows written in one transaction came back from a scan in another order than written (a test
  // ordering by a time they share, under a fixed clock, saw it).
  if (emptied.length) await client.exec(`vacuum ${emptied.join(', ')}`)
  await client.exec(
    [
      'set session_replication_role = replica',
      ...snapshot.refill.map((r) => r.statement),
      snapshot.sequences,
      'reset all',
      'deallocate all',
      'select pg_advisory_unlock_all()',
    ].join(';\n'),
  )
  return true
}

/**
 * `client` as one test database sees it: every call fails once `release` has run, and each LISTEN
 * made through it is ended then.
 */
function fence(client: PGlite): { client: PGlite; release: () => Promise<void> } {
  let released = false
  const listening: (() => Promise<void>)[] = []
  const closed = () => Promise.reject(new Error('this test database has been closed'))
  const fenced = new Proxy(client, {
    get(target, property) {
      if (property === 'closed') return released || target.closed
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function' || property === 'constructor') return value
      if (released) return closed
      if (property === 'listen')
        return async (...args: Parameters<PGlite['listen']>) => {
          const stop = await target.listen(...args)
          listening.push(stop)
          return stop
        }
      return (value as (...args: unknown[]) => unknown).bind(target)
    },
  })
  return {
    client: fenced,
    release: async () => {
      released = true
      for (const stop of listening.splice(0)) await stop().catch(() => undefined)
    },
  }
}

class SharedPglite {
  #client: PGlite | undefined
  #snapshot: Snapshot | undefined
  #out = false
  /** The instance has been handed out since it was loaded or last reset. */
  #used = false
  #closing = false

  /**
   * The shared instance, reset and fenced, when this is a batch process and no other test database
   * holds it; otherwise undefined. `open` loads a new instance from the template.
   */
  async take(
    open: () => Promise<PGlite>,
  ): Promise<{ client: PGlite; giveBack: () => Promise<void> } | undefined> {
    if (!batchResources.active || this.#out) return undefined
    this.#out = true
    try {
      if (this.#client && this.#used && !(await reset(this.#client, this.#snapshot!))) {
        await this.#client.close()
        this.#client = undefined
      }
      if (!this.#client) {
        const client = await open()
        this.#snapshot = await takeSnapshot(client)
        this.#client = client
        if (!this.#closing) {
          this.#closing = true
          batchResources.closeAtEnd(async () => {
            this.#closing = false
            const last = this.#client
            this.#client = undefined
            await last?.close()
          })
        }
      }
    } catch (error) {
      this.#out = false
      throw error
    }
    this.#used = true
    const { client, release } = fence(this.#client)
    let given = false
    return {
      client,
      // Once only: a second close of the same test database must not give back an instance
      // another test database has taken since.
      giveBack: async () => {
        if (given) return
        given = true
        await release()
        this.#out = false
      },
    }
  }
}

export const sharedPglite = new SharedPglite()
