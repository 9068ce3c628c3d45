// Named prepared statements for PGlite (decision 0069): a statement Waypoint sends is parsed and
// described once per handle (each database handle over an instance keeps its own), and each later
// run binds and executes it in one call into PGlite.
//
// PGlite's own `query()` makes six calls into PostgreSQL for every statement (parse, describe the
// statement, bind, describe the portal, execute, sync), and PostgreSQL parses and analyses the text
// each time. Measured on a small indexed select, 210–290 µs a statement through `query()` against
// 70–110 µs through a named statement in one call (`bench/pglite-statements.ts`). On PostgreSQL 15
// the pool names repeated statements in the same way (`StatementNames` in database.ts).
//
// What is the same as `query()`: the parameters are serialised by the types PostgreSQL describes
// for them, results are parsed by the instance's parsers and the query's own, a failed statement
// throws PGlite's DatabaseError with the query and parameters on it, work outside a transaction is
// written to a directory's files afterwards, and each call holds PGlite's locks as `query()` does.
// What is not: a statement bringing a blob (COPY through /dev/blob), or a text over 20,000
// characters, goes to `query()` itself.
import {
  type PGlite,
  parse as pgliteParse,
  protocol,
  type QueryOptions,
  type Results,
  type Transaction,
} from '@electric-sql/pglite'

const { serialize } = protocol
const { parseDescribeStatementResults, parseResults } = pgliteParse

/** Statement text longer than this is not kept (it is most likely generated, used once). */
const longestKept = 20_000
/**
 * Statements kept per handle, as the pool keeps per connection on PostgreSQL; past this, the one
 * used least recently is closed as the next is prepared, so a long-running process's prepared
 * statements stay bounded however many texts it sends.
 */
const defaultMostKept = 2_000

/** Names are unique within the process, so two handles on one instance never share one. */
let lastNumber = 0

interface Prepared {
  name: string
  /** PostgreSQL's type of each parameter, which picks its serialiser. */
  parameterTypes: number[]
}

/** What Drizzle and pg-boss use of a PGlite instance, with statements prepared by name. */
export type PreparedPglite = Pick<PGlite, 'query' | 'exec' | 'transaction' | 'listen'>

/**
 * `client` for Drizzle and pg-boss, with each statement prepared once by name. The statements are
 * this handle's: a `DEALLOCATE ALL` on the instance (the test databases' reset does one) must come
 * with a new handle, and a statement found gone is prepared again when the run is not inside a
 * transaction.
 */
export function withPreparedStatements(
  client: PGlite,
  { mostKept = defaultMostKept }: { mostKept?: number } = {},
): PreparedPglite {
  // In order of last use, least recent first.
  const kept = new Map<string, Prepared>()
  // Statements dropped from `kept` that PostgreSQL still holds, closed with the next prepare.
  const toClose: string[] = []

  const run = async <T>(
    text: string,
    params: unknown[],
    options: QueryOptions | undefined,
    inTransaction: boolean,
  ): Promise<Results<T>> => {
    try {
      return await runPrepared<T>(text, params, options)
    } catch (error) {
      // Gone (deallocated) or invalid for its result's new type: prepared again, once, where a
      // failed statement has not aborted a transaction.
      const code = (error as { code?: string }).code
      const stale = kept.get(text)
      if ((code === '26000' || code === '0A000') && stale) {
        kept.delete(text)
        if (code === '0A000') toClose.push(stale.name)
        if (!inTransaction) return await runPrepared<T>(text, params, options)
      }
      throw error
    }
  }

  const runPrepared = async <T>(
    text: string,
    params: unknown[],
    options: QueryOptions | undefined,
  ): Promise<Results<T>> => {
    try {
      let prepared = kept.get(text)
      if (prepared) {
        kept.delete(text)
        kept.set(text, prepared)
      } else {
        lastNumber += 1
        const name = `wp_${lastNumber}`
        // The least recently used statement is closed in the same call, when the handle is full.
        while (kept.size >= mostKept) {
          const [oldest, { name: oldName }] = kept.entries().next().value as [string, Prepared]
          kept.delete(oldest)
          toClose.push(oldName)
        }
        const evicted = toClose.splice(0).map((old) => serialize.close({ type: 'S', name: old }))
        const described = await client.execProtocol(
          joined([
            ...evicted,
            serialize.parse({ name, text, types: options?.paramTypes ?? [] }),
            serialize.describe({ type: 'S', name }),
            serialize.sync(),
          ]),
          { syncToFs: false },
        )
        prepared = { name, parameterTypes: parseDescribeStatementResults(described.messages) }
        kept.set(text, prepared)
      }
      const values = params.map((value, index) => {
        if (value === null || value === undefined) return null
        const type = prepared.parameterTypes[index] as number
        const serializer = options?.serializers?.[type] ?? client.serializers[type]
        return serializer ? serializer(value) : String(value)
      })
      const result = await client.execProtocol(
        joined([
          serialize.bind({ statement: prepared.name, values: values as (string | null)[] }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
        { syncToFs: false, ...(options?.onNotice ? { onNotice: options.onNotice } : {}) },
      )
      return parseResults(result.messages, client.parsers, options)[0] as Results<T>
    } catch (error) {
      // As PGlite's own query() does, so that errors carry what ran.
      if (error && typeof error === 'object' && 'code' in error)
        Object.assign(error, { query: text, params, queryOptions: options })
      throw error
    }
  }

  const handled = (text: string, options: QueryOptions | undefined): boolean =>
    !options?.blob && text.length <= longestKept

  const query = async <T>(text: string, params: unknown[] = [], options?: QueryOptions) => {
    if (!handled(text, options)) return client.query<T>(text, params, options)
    await client._checkReady()
    return client._runExclusiveTransaction(() =>
      client._runExclusiveQuery(async () => {
        const result = await run<T>(text, params, options, false)
        await client.syncToFs()
        return result
      }),
    )
  }

  const inTransaction = (tx: Transaction): Transaction => ({
    query: async <T>(text: string, params: unknown[] = [], options?: QueryOptions) => {
      if (tx.closed) throw new Error('Transaction is closed')
      if (!handled(text, options)) return tx.query<T>(text, params, options)
      return client._runExclusiveQuery(() => run<T>(text, params, options, true))
    },
    sql: (...args) => tx.sql(...args),
    exec: (...args) => tx.exec(...args),
    rollback: () => tx.rollback(),
    listen: (...args) => tx.listen(...args),
    get closed() {
      return tx.closed
    },
  })

  return {
    query: query as PGlite['query'],
    exec: (...args) => client.exec(...args),
    transaction: (callback) => client.transaction((tx) => callback(inTransaction(tx))),
    listen: (...args) => client.listen(...args),
  }
}

function joined(parts: Uint8Array[]): Uint8Array {
  const message = new Uint8Array(parts.reduce((length, part) => length + part.length, 0))
  let offset = 0
  for (const part of parts) {
    message.set(part, offset)
    offset += part.length
  }
  return message
}
