// The deployment files (deploy/) hold together: the alert rules watch only metrics Waypoint
// exports, their unit tests pass under Prometheus's own `promtool test rules`, and HAProxy accepts
// its configuration. promtool and haproxy come from Debian's prometheus and haproxy packages
// (.ci/run installs them, and under CI a missing one fails); on another machine without them those
// two checks say so and check nothing.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { root } from './support/lanes.ts'

const deploy = join(root, 'deploy')

/** Whether `command` runs here (haproxy prints its version for -v only; --version is an error). */
function has(command: string, versionFlag = '--version'): boolean {
  const found = spawnSync(command, [versionFlag], { stdio: 'ignore' }).status === 0
  // CI installs both (.ci/run): there, a missing tool fails the check instead of skipping it.
  if (!found && process.env.CI) assert.fail(`${command} is missing; .ci/run installs it`)
  return found
}

/** The names of the metrics registered in src/ (prom-client's `name: 'waypoint_…'`). */
function exportedMetrics(): Set<string> {
  const names = new Set<string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(/name: '(waypoint_[a-z0-9_]+)'/g))
          names.add(m[1]!)
    }
  }
  walk(join(root, 'src'))
  return names
}

test('every Waypoint metric the alert rules use is one Waypoint exports', () => {
  const rules = readFileSync(join(deploy, 'prometheus/waypoint-rules.yml'), 'utf8')
  const exported = exportedMetrics()
  // Recording rules are named waypoint:…; the raw series waypoint_… must exist in src/ (a quoted
  // waypoint_web is HAProxy's backend, a label value).
  const used = new Set([...rules.matchAll(/(?<!")\b(waypoint_[a-z0-9_]+)/g)].map((m) => m[1]!))
  assert.ok(used.size >= 7, `the rules use the metrics: ${[...used].join(', ')}`)
  const missing = [...used].filter((name) => !exported.has(name))
  assert.deepEqual(missing, [], 'metrics the rules use that Waypoint does not export')
})

test('the alert rules pass their unit tests (promtool test rules)', (t) => {
  if (!has('promtool')) {
    t.diagnostic('promtool is not installed (Debian package prometheus): the rules were not run')
    return
  }
  const run = spawnSync('promtool', ['test', 'rules', 'waypoint-rules.test.yml'], {
    cwd: join(deploy, 'prometheus'),
    encoding: 'utf8',
  })
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`)
  assert.match(run.stdout, /SUCCESS/)
})

test('HAProxy accepts the load balancer configuration', (t) => {
  if (!has('haproxy', '-v')) {
    t.diagnostic('haproxy is not installed (Debian package haproxy): the configuration was not checked')
    return
  }
  const run = spawnSync('haproxy', ['-c', '-f', join(deploy, 'haproxy/waypoint.cfg')], { encoding: 'utf8' })
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`)
  const config = readFileSync(join(deploy, 'haproxy/waypoint.cfg'), 'utf8')
  assert.match(config, /http-check send meth GET uri \/health\/ready/, 'health checks ask for readiness')
})
