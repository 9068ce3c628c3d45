// Reading a force's data warehouse (facts §7): only ever a single SELECT the force administrator
// wrote, always inside a read-only transaction with a statement timeout, so neither a mistaken
// query nor a slow warehouse can change data or hold a poll open. The check here refuses what a
// read-only transaction would not (SELECT INTO, row locks, data-changing CTEs, admin functions)
// with a message the administrator can act on, before anything reaches the warehouse.
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

export const MAX_QUERY_LENGTH = 10_000
const columnName = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Words that make a SELECT write or lock, wherever they appear outside quotes. */
const writingWords = new Set(['insert', 'update', 'delete', 'merge', 'truncate', 'into'])
/** Functions that act on the server rather than read data; a read-only transaction allows them. */
const serverFunctions = new Set([
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_read_file',
  'pg_read_binary_file',
  'pg_ls_dir',
  'pg_stat_file',
  'set_config',
])

export type QueryCheck = { ok: true; query: string } | { ok: false; message: string }

/** Accepts one SELECT (or WITH … SELECT) that only reads; a trailing semicolon is dropped. */
export function checkWarehouseQuery(text: string): QueryCheck {
  const query = text.trim()
  if (!query) return { ok: false, message: 'Enter the SELECT query that reads the warehouse' }
  if (query.length > MAX_QUERY_LENGTH)
    return {
      ok: false,
      message: `The query must be ${MAX_QUERY_LENGTH.toLocaleString('en-GB')} characters or fewer`,
    }
  const lexed = codeOutsideQuotes(query)
  if (!lexed.ok) return lexed
  let code = lexed.code.trimEnd()
  let end = query.length
  if (code.endsWith(';')) {
    code = code.slice(0, -1).trimEnd()
    end = lexed.lastSemicolon
  }
  if (code.includes(';'))
    return {
      ok: false,
      message: 'Enter a single SELECT statement: remove everything after the first semicolon',
    }
  const words = (code.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? []).map((w) => w.toLowerCase())
  if (words[0] !== 'select' && words[0] !== 'with')
    return { ok: false, message: 'The query must be a single SELECT statement, starting with SELECT or WITH' }
  if (!words.includes('select'))
    return { ok: false, message: 'The query must be a single SELECT statement, starting with SELECT or WITH' }
  for (const [i, word] of words.entries()) {
    if (writingWords.has(word))
      return {
        ok: false,
        message: `The query must only read: remove ${word.toUpperCase()} (put a column of that name in double quotes)`,
      }
    if (word === 'for' && (words[i + 1] === 'share' || words[i + 1] === 'key' || words[i + 1] === 'no'))
      return { ok: false, message: 'The query must only read: remove the FOR SHARE row lock' }
    if (
      serverFunctions.has(word) ||
      word.startsWith('dblink') ||
      word.startsWith('lo_') ||
      word.startsWith('pg_advisory')
    )
      return { ok: false, message: `The query must only read data: remove ${word}` }
  }
  return { ok: true, query: query.slice(0, end).trimEnd() }
}

export function isColumnName(name: string): boolean {
  return columnName.test(name)
}

/**
 * The rows after the watermark, oldest first, from the administrator's query. The query sits on
 * its own lines so a trailing `--` comment in it cannot swallow the wrapper.
 */
export function rowsPastWatermark(query: string, watermarkColumn: string, limit: number): string {
  if (!isColumnName(watermarkColumn)) throw new Error(`"${watermarkColumn}" is not a plain column name`)
  const column = `warehouse_rows."${watermarkColumn}"`
  return `select * from (\n${query}\n) as warehouse_rows
    where ($1::text is null or ${column} > $1::timestamptz)
    order by ${column} limit ${Math.trunc(limit)}`
}

export interface WarehouseRead {
  columns: string[]
  rows: Record<string, unknown>[]
}

/** Runs one query in a read-only transaction; `pglite:<dir>` is an embedded warehouse (demo, tests). */
export async function readWarehouse(
  connection: string,
  query: string,
  values: unknown[],
  timeoutMs: number,
): Promise<WarehouseRead> {
  const timeout = `set local statement_timeout = ${Math.trunc(timeoutMs)}`
  if (connection.startsWith('pglite:')) {
    const warehouse = new PGlite(connection.slice('pglite:'.length))
    try {
      await warehouse.exec('begin transaction read only')
      await warehouse.exec(timeout)
      const result = await warehouse.query<Record<string, unknown>>(query, values)
      await warehouse.exec('rollback')
      return { columns: result.fields.map((f) => f.name), rows: result.rows }
    } finally {
      await warehouse.close()
    }
  }
  const client = new pg.Client({ connectionString: connection, connectionTimeoutMillis: timeoutMs })
  // A dropped connection is reported by the query that was waiting on it, not as a crash.
  client.on('error', () => undefined)
  await client.connect()
  try {
    await client.query('begin transaction read only')
    await client.query(timeout)
    const result = await client.query<Record<string, unknown>>(query, values)
    await client.query('rollback')
    return { columns: result.fields.map((f) => f.name), rows: result.rows }
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** The query with quoted text, quoted names and comments blanked out, so only SQL words remain. */
function codeOutsideQuotes(
  query: string,
): { ok: true; code: string; lastSemicolon: number } | { ok: false; message: string } {
  let code = ''
  let lastSemicolon = -1
  let i = 0
  const unclosed = (what: string) => ({
    ok: false as const,
    message: `The query has ${what} that is never closed`,
  })
  while (i < query.length) {
    const c = query[i]!
    const next = query[i + 1]
    if (c === '-' && next === '-') {
      const end = query.indexOf('\n', i)
      i = end === -1 ? query.length : end
      code += ' '
    } else if (c === '/' && next === '*') {
      let depth = 1
      let j = i + 2
      while (j < query.length && depth > 0) {
        const pair = query.slice(j, j + 2)
        if (pair === '/*' || pair === '*/') {
          depth += pair === '/*' ? 1 : -1
          j += 2
        } else {
          j += 1
        }
      }
      if (depth > 0) return unclosed('a /* comment')
      i = j
      code += ' '
    } else if (c === "'" || c === '"') {
      // E'…' strings may escape a quote with a backslash; others double it.
      const backslashes =
        c === "'" && /[Ee]$/.test(query.slice(0, i)) && !/[A-Za-z0-9_][Ee]$/.test(query.slice(0, i))
      let j = i + 1
      for (;;) {
        if (j >= query.length) return unclosed(c === "'" ? 'a quoted value' : 'a quoted name')
        if (backslashes && query[j] === '\\') j += 2
        else if (query[j] === c && query[j + 1] === c) j += 2
        else if (query[j] === c) break
        else j += 1
      }
      i = j + 1
      code += ' '
    } else if (c === '$') {
      if (next !== undefined && /[0-9]/.test(next))
        return { ok: false, message: 'The query cannot take parameters: remove the $ placeholder' }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(query.slice(i))?.[0]
      if (tag && !/[A-Za-z0-9_]$/.test(query.slice(0, i))) {
        const end = query.indexOf(tag, i + tag.length)
        if (end === -1) return unclosed('a $-quoted value')
        i = end + tag.length
        code += ' '
      } else {
        code += c
        i += 1
      }
    } else {
      if (c === ';') lastSemicolon = i
      code += c
      i += 1
    }
  }
  return { ok: true, code, lastSemicolon }
}
