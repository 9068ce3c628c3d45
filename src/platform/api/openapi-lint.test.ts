// CP-171: the OpenAPI description Waypoint serves passes Redocly's recommended rules with no
// error and no warning (redocly.yaml), so integrators' generators and gateways can rely on it.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { loadConfig } from '../config.ts'

const root = resolve(import.meta.dirname, '../../..')
const publicUrl = 'https://waypoint.suffolk.police.uk'

let t: TestApp
let dir: string
before(async () => {
  // As in production: an https PUBLIC_URL and a metrics scrape token.
  t = await createTestApp({
    http: { ...loadConfig({ NODE_ENV: 'test' }).http, publicUrl },
    metricsToken: 'm'.repeat(40),
  })
  // The rules and the ignore file sit beside the document, whose name the ignore file uses.
  dir = mkdtempSync(join(tmpdir(), 'waypoint-openapi-'))
  for (const file of ['redocly.yaml', '.redocly.lint-ignore.yaml'])
    copyFileSync(join(root, file), join(dir, file))
})
after(async () => {
  rmSync(dir, { recursive: true, force: true })
  await t.close()
})

interface LintProblem {
  ruleId: string
  severity: 'error' | 'warn'
  message: string
  location: { pointer: string }[]
}

test('CP-171: the served OpenAPI description has no Redocly error or warning under the recommended rules', async () => {
  const served = await t.app.http.inject({ method: 'GET', url: '/api/v1/openapi.json' })
  assert.equal(served.statusCode, 200)
  const document = served.json()
  assert.deepEqual(
    document.servers.map((s: { url: string }) => s.url),
    [publicUrl],
  )
  const file = join(dir, 'openapi.json')
  writeFileSync(file, served.body)
  const lint = spawnSync(
    join(root, 'node_modules/.bin/redocly'),
    ['lint', file, '--config', join(dir, 'redocly.yaml'), '--format', 'json', '--max-problems', '1000'],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  )
  const start = lint.stdout.indexOf('{')
  assert.ok(start >= 0, `redocly gave no JSON report: ${lint.stdout}${lint.stderr}`)
  const report = JSON.parse(lint.stdout.slice(start)) as {
    totals: { errors: number; warnings: number }
    problems: LintProblem[]
  }
  const found = report.problems.map(
    (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`,
  )
  assert.equal(found.length, 0, `Redocly found:\n${found.join('\n')}`)
  assert.equal(report.totals.errors, 0)
  assert.equal(report.totals.warnings, 0)
  assert.equal(lint.status, 0, lint.stderr)
})
