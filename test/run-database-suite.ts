// The PostgreSQL suite (`npm run test:db`, run by .ci/run with DATABASE_URL naming a database on
// the server): the test files under src/ whose run depends on DATABASE_URL, once more, on
// PostgreSQL 15. A file is chosen when it, or a test support file it imports, opens a test
// database that follows DATABASE_URL (`createTestDatabase`, which `createTestApp` calls) or reads
// DATABASE_URL itself. The others are left out because they would run exactly as in the PGlite
// lanes: unit tests that open no database, and tests that always use the PostgreSQL server
// (`createPostgresTestDatabase`). The choice is made from the source each run, so a new test is
// placed without a list to keep; the first line printed says how many files were chosen.
//
//   node test/run-database-suite.ts [--list]
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { allTestFiles, root } from './support/lanes.ts'

/** What, in a test file or a support file it imports, makes its run follow DATABASE_URL. */
const followsDatabaseUrl = /\bcreateTestDatabase\(|process\.env\.DATABASE_URL\b/
/** The file that defines the test databases: what it defines counts only where it is called. */
const definitions = 'test/support/test-database.ts'

/** The repository-relative paths of the test support files `file` imports, directly or not. */
function supportImports(file: string, seen = new Set<string>()): Set<string> {
  const source = readFileSync(join(root, file), 'utf8')
  // Value imports and dynamic imports of relative paths; `import type` is erased at run time.
  const specifiers = [
    ...source.matchAll(/^\s*import\s+(?!type\s)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
  ].map((match) => match[1])
  for (const specifier of specifiers) {
    const target = relative(root, resolve(root, dirname(file), specifier))
      .split('\\')
      .join('/')
    if (!target.startsWith('test/') || seen.has(target) || !existsSync(join(root, target))) continue
    seen.add(target)
    supportImports(target, seen)
  }
  return seen
}

/** Whether running `file` with DATABASE_URL set differs from running it without. */
export function usesDatabaseUrl(file: string): boolean {
  return [file, ...supportImports(file)]
    .filter((path) => path !== definitions)
    .some((path) => followsDatabaseUrl.test(readFileSync(join(root, path), 'utf8')))
}

/** The test files of the PostgreSQL suite, sorted. */
export function databaseSuiteFiles(): string[] {
  return allTestFiles().filter((file) => file.startsWith('src/') && usesDatabaseUrl(file))
}

if (import.meta.main) {
  const files = databaseSuiteFiles()
  const under = allTestFiles().filter((file) => file.startsWith('src/')).length
  if (process.argv.includes('--list')) {
    for (const file of files) console.log(file)
    process.exit(0)
  }
  if (!process.env.DATABASE_URL)
    console.warn('DATABASE_URL is not set: this runs on PGlite, as the lanes do.')
  console.log(
    `PostgreSQL suite: ${files.length} of the ${under} test files under src/ open a database that follows DATABASE_URL`,
  )
  // The lanes' runner, in one lane: longest first, short files in batches (decision 0060), each
  // file's time and CPU, and every failed test named again at the end.
  const child = spawn(process.execPath, [join(root, 'test/run-lanes.ts'), '--one-lane', ...files], {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  })
  child.on('close', (code) => process.exit(code ?? 1))
}
