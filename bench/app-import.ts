// Start-up benchmark: the CPU a fresh Node process spends importing Waypoint (src/app.ts), as a
// test process or a restarted worker does before it can do anything, with the start-up caches
// src/main.ts turns on (resolution cache, V8's compile cache, warmed by the first round).
// The baseline, measured in the same run and alternating with it, imports the same app and then
// the packages it now loads only when first needed (decision 0068): what start-up cost when they
// were imported at the top of their modules. It prints the median CPU of each.
//
//   node bench/app-import.ts [--rounds 9]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 9
const root = resolve(import.meta.dirname, '..')
/** What src/app.ts no longer loads at start-up (decision 0068). */
const deferred = ['pdfkit', 'docx', 'nodemailer', 'smtp-server', 'notifications-node-client', 'date-holidays']
const cache = mkdtempSync(join(tmpdir(), 'waypoint-bench-import-'))

function importCpu(extra: string[]): number {
  const script = `const u0 = process.cpuUsage(); await import('./src/app.ts');
    for (const p of ${JSON.stringify(extra)}) await import(p);
    const u = process.cpuUsage(u0); console.log((u.user + u.system) / 1000)`
  const run = spawnSync(
    process.execPath,
    [
      '--liftoff-only',
      '--import',
      './src/platform/startup/resolve-cache.ts',
      '--input-type=module',
      '-e',
      script,
    ],
    { cwd: root, env: { ...process.env, NODE_COMPILE_CACHE: cache }, encoding: 'utf8' },
  )
  if (run.status !== 0) throw new Error(run.stderr)
  return Number(run.stdout.trim())
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
// Warm the compile cache for both.
importCpu(deferred)
const now: number[] = []
const before: number[] = []
for (let i = 0; i < rounds; i += 1) {
  now.push(importCpu([]))
  before.push(importCpu(deferred))
}
rmSync(cache, { recursive: true, force: true })
console.log(`importing src/app.ts, median of ${rounds}, CPU:`)
console.log(`  baseline (with ${deferred.join(', ')} loaded at start-up): ${median(before).toFixed(0)} ms`)
console.log(`  Waypoint (those loaded when first needed): ${median(now).toFixed(0)} ms`)
