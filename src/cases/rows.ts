// Rows read with raw SQL, as the case model hands them out.
import type { SQL } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

/**
 * Rows of a query, with every `…At` column as a Date: some drivers hand timestamps back as text
 * through raw SQL, and the model always hands out Dates.
 */
export async function rowsWithDates<T>(tx: Tx, query: SQL): Promise<T[]> {
  const found = await rows<Record<string, unknown>>(tx, query)
  for (const row of found) {
    for (const key of Object.keys(row)) {
      const value = row[key]
      if (key.endsWith('At') && typeof value === 'string') row[key] = new Date(value)
    }
  }
  return found as T[]
}
