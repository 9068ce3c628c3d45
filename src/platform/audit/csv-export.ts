// CSV exports that auditors can open in Excel (CP-151 a, CP-149): streamed row by row, UTF-8
// with a byte-order mark so Excel reads names correctly, and safe against formula injection —
// a cell that Excel would run as a formula is prefixed with an apostrophe (OWASP guidance).
import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'

type Cell = string | number | boolean | Date | null | undefined

const FORMULA_START = /^[=+\-@\t\r]/

export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value
}

function cellText(value: Cell): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return value.toISOString()
  return neutraliseFormula(String(value))
}

/** A stream of CSV text: the header row, then one line per row as the rows arrive. */
export function csvStream<T>(
  header: string[],
  rows: AsyncIterable<T> | Iterable<T>,
  cellsOf: (row: T) => Cell[],
): Readable {
  async function* lines() {
    yield `\uFEFF${stringify([header.map(neutraliseFormula)])}`
    for await (const row of rows) yield stringify([cellsOf(row).map(cellText)])
  }
  return Readable.from(lines())
}
