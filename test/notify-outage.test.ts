// The Notify-outage drill (bench/notify-outage.ts, issue 17) in the slow lane, shortened: one
// `waypoint web` and two `waypoint worker` processes on a fresh PostgreSQL 15 database, STORM
// events making texts and emails, and GOV.UK Notify failing 15 s each with 500s, timeouts (half
// of them accepted by Notify with the answer lost), refused connections and 429s, then answering
// again. Needs PostgreSQL at 127.0.0.1:5432 with trust, or DATABASE_URL (CI's machine has it). About 2 min.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { test } from 'node:test'

const root = resolve(import.meta.dirname, '..')

test('CP-48: GOV.UK Notify down for a minute (500s, timeouts, refused connections, 429s) and back: no event or message lost, none sent twice, the outage seen in the dispatch-lag metric and on each held message, the backlog sent after recovery', {
  timeout: 480_000,
}, async (t) => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
    const child = execFile(
      process.execPath,
      ['bench/notify-outage.ts'],
      {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 460_000,
        killSignal: 'SIGTERM',
        env: {
          ...process.env,
          WARM_UP_S: '10',
          PHASE_S: '15',
          AFTER_S: '10',
          RATE: '1',
          SETTLE_LIMIT_S: '240',
          MESSAGING_RECONCILE_AFTER_SECONDS: '5',
          NOTIFY_TIMEOUT_MS: '3000',
          // A 429 pauses the force's sending this long (production: 60 s, Notify's rolling
          // minute); in a 15 s phase that would hold the backlog for most of a minute after
          // the recovery.
          NOTIFY_RATE_LIMIT_PAUSE_SECONDS: '5',
        },
      },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    )
    child.stdin?.end()
  })
  // The drill's figures, without the Waypoint processes' own log lines.
  const figures = output
    .split('\n')
    .filter((line) => !line.startsWith('{'))
    .join('\n')
  t.diagnostic(figures.trim().split('\n').slice(-28).join('\n'))
  assert.equal(code, 0, figures.slice(-5000))
  assert.match(figures, /events in: +(\d+) acknowledged, \1 applied, lost 0/)
  assert.match(figures, /held twice 0 +target 0; recorded as sent but not at Notify 0 +target 0; lost 0/)
  assert.match(figures, /failed without reaching Notify 0/)
  const lag = Number(
    /waypoint_dispatch_lag_seconds\{force="essex"\} at most (\d+) s during the outage/.exec(figures)?.[1],
  )
  assert.ok(lag >= 15, `the dispatch lag showed the outage: ${lag} s`)
  assert.match(
    figures,
    /status "Sending" shown true, "Last error: .*" shown true, the reason on its timeline shown true/,
  )
  const cleared = Number(/cleared ([\d.]+) s after it/.exec(figures)?.[1])
  assert.ok(cleared <= 200, `backlog cleared ${cleared} s after the recovery`)
  assert.match(figures, /^targets met$/m)
})
