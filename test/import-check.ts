// The import-direction check run by `npm test` (test/run-lanes.ts --checks): dependency-cruiser
// with the rules in .dependency-cruiser.cjs over src/, test/ and bench/. It prints every
// violation (rule, importing file → imported file, and what to do) and exits 1 if there is one.
//
//   node test/import-check.ts
//
// dependency-cruiser parses TypeScript only through the `typescript` package's compiler API,
// which TypeScript 7 no longer has. So each file is read with its types stripped by Node itself
// (type-only imports kept as imports, since they are dependencies too) into a scratch copy of the
// tree, named `<file>.ts.js`, and the paths are given back without the `.js`.
import { createRequire, stripTypeScriptTypes } from 'node:module'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { cruise, type ICruiseOptions, type ICruiseResult, type IConfiguration } from 'dependency-cruiser'

const root = resolve(import.meta.dirname, '..')
const folders = ['src', 'test', 'bench']
const configuration = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as IConfiguration

/** The source as dependency-cruiser should read it: JavaScript, with every import kept. */
export function importsKept(source: string): string {
  const withTypeImports = source
    .replace(/^(\s*)import type /gm, '$1import ')
    .replace(/^(\s*)export type (\{|\*)/gm, '$1export $2')
  return stripTypeScriptTypes(withTypeImports, { mode: 'strip' })
}

function copyStripped(scratch: string): number {
  let files = 0
  for (const top of folders) {
    for (const entry of readdirSync(join(root, top), { recursive: true, encoding: 'utf8' })) {
      if (!entry.endsWith('.ts') || entry.includes('node_modules')) continue
      const target = join(scratch, top, `${entry}.js`)
      mkdirSync(dirname(target), { recursive: true })
      writeFileSync(target, importsKept(readFileSync(join(root, top, entry), 'utf8')))
      files++
    }
  }
  return files
}

const shown = (path: string) => path.replace(/\.ts\.js$/, '.ts')

const scratch = mkdtempSync(join(tmpdir(), 'waypoint-imports-'))
try {
  const files = copyStripped(scratch)
  process.chdir(scratch)
  const { options = {}, ...ruleSet } = configuration
  const cruiseOptions: ICruiseOptions = {
    ...options,
    ruleSet: ruleSet as ICruiseOptions['ruleSet'],
    validate: true,
    enhancedResolveOptions: { extensions: ['.js'] },
  }
  const { output } = await cruise(folders, cruiseOptions)
  const result = output as ICruiseResult
  const violations = result.summary.violations
  const comments = new Map((configuration.forbidden ?? []).map((rule) => [rule.name, rule.comment]))
  if (violations.length === 0) {
    console.log(
      `imports: no violations (${result.summary.totalCruised} modules, ${result.summary.totalDependenciesCruised} imports; ${files} TypeScript files)`,
    )
  } else {
    console.error(`imports: ${violations.length} violation${violations.length === 1 ? '' : 's'}`)
    for (const v of violations) {
      const cycle = v.cycle?.length
        ? `\n      cycle: ${[v.from, ...v.cycle.map((c) => c.name)].map(shown).join(' → ')}`
        : ''
      console.error(`  ${v.rule.name}: ${shown(v.from)} → ${shown(v.to)}${cycle}`)
      const comment = comments.get(v.rule.name)
      if (comment) console.error(`      ${comment}`)
    }
    process.exitCode = 1
  }
} finally {
  process.chdir(root)
  rmSync(scratch, { recursive: true, force: true })
}
