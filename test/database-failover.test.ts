// The database fail-over drill (bench/failover.ts, decision 0045) in the slow lane, shortened: a
// PostgreSQL 15 primary and a synchronous standby of its own (pg_createcluster on free ports,
// dropped at the end), one `waypoint all` process on a URL naming both, STORM events posted over
// HTTP for 8 s, the primary killed (stop -m immediate), the standby promoted 5 s later, 15 s
// more load, then everything counted on the promoted server and at the fake GOV.UK Notify.
// Needs what CI's machine has: root, postgresql-15 and postgresql-common (.ci/run). About 60 s.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { test } from 'node:test'

const root = resolve(import.meta.dirname, '..')

test('CP-48: a PostgreSQL primary killed under load and its synchronous standby promoted: no acknowledged source event lost, no SMS sent twice, sending again within 60 s, the same Waypoint process throughout', {
  timeout: 240_000,
}, async (t) => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
    const child = execFile(
      process.execPath,
      ['bench/failover.ts'],
      {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 220_000,
        killSignal: 'SIGTERM',
        env: { ...process.env, WARM_UP_S: '8', PROMOTE_AFTER_S: '5', AFTER_S: '15' },
      },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    )
    child.stdin?.end()
  })
  // The drill's figures, without the Waypoint process's own log lines.
  const figures = output
    .split('\n')
    .filter((line) => !line.startsWith('{'))
    .join('\n')
  t.diagnostic(figures.trim().split('\n').slice(-14).join('\n'))
  assert.equal(code, 0, figures.slice(-4000))
  assert.match(figures, /standby at the kill: +quorum; after promotion pg_is_in_recovery = f/)
  assert.match(figures, /acknowledged \(202\), (\d+) of them present after, \d+ applied, 0 lost/)
  assert.match(figures, /, 0 sent twice, 0 made twice/)
  const resumed = Number(/sending resumed: +([\d.]+) s after the kill/.exec(figures)?.[1])
  assert.ok(resumed <= 60, `sending resumed ${resumed} s after the kill`)
  assert.match(figures, /the same process throughout/)
  assert.match(figures, /^targets met$/m)
})
