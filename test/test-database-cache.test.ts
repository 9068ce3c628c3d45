// The cache of PGlite test templates (test/support/test-database.ts) keeps the current template
// and those used within a day, and removes older ones and abandoned partial files.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { pruneStaleTemplates } from './support/test-database.ts'

test('templates of other migrations unused for a day are removed; the current one, recent ones and other files stay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'waypoint-template-cache-'))
  try {
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000)
    const file = (name: string, old: boolean) => {
      writeFileSync(join(dir, name), 'x')
      if (old) utimesSync(join(dir, name), twoDaysAgo, twoDaysAgo)
      return join(dir, name)
    }
    const current = file('pglite-aaaa-v3.tar', true)
    const stale = file('pglite-bbbb-v3.tar', true)
    const partial = file('pglite-cccc-v3.tar.1234.tmp', true)
    const recent = file('pglite-dddd-v3.tar', false)
    const other = file('notes.txt', true)
    pruneStaleTemplates(current, dir)
    assert.equal(existsSync(current), true)
    assert.equal(existsSync(stale), false)
    assert.equal(existsSync(partial), false)
    assert.equal(existsSync(recent), true)
    assert.equal(existsSync(other), true)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
