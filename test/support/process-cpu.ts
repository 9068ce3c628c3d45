// Preloaded into test processes by test/run-lanes.ts (`--import`), with WAYPOINT_TEST_CPU_FILE
// naming a file: when the test file's process exits, one JSON line is appended there with the
// file and the CPU seconds it used, its own and its finished children's (Chromium, a `src/main.ts`
// it started). On a machine of two cores the CPU a file costs, not its wall time, says what it
// adds to a run; the runner prints the files that cost most.
import { appendFileSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'

export interface FileCpu {
  file: string
  cpuSeconds: number
}

/** CPU seconds of this process's finished children, from /proc/self/stat; 0 off Linux. */
export function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // cutime and cstime, fields 16 and 17 of proc(5), in clock ticks of 1/100 s.
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return 0
  }
}

const destination = process.env.WAYPOINT_TEST_CPU_FILE
const file = process.argv[1]
if (destination && file?.endsWith('.test.ts')) {
  process.on('exit', () => {
    const own = process.cpuUsage()
    const line: FileCpu = {
      file: relative(process.cwd(), file).split('\\').join('/'),
      cpuSeconds: Math.round((own.user + own.system) / 1e5 + childrenCpuSeconds() * 10) / 10,
    }
    appendFileSync(destination, `${JSON.stringify(line)}\n`)
  })
}
