// `waypoint simulate [--force F] [--rate N] [--duration S] [--url U --client-id I --client-secret S]
//                    [--file events.jsonl] [--out events.jsonl] [--seed N]`
import type { EventSink } from './feed.ts'
import {
  generateEvents,
  httpSink,
  parseSimulateArgs,
  readEventsFile,
  runLoad,
  writeEventsFile,
} from './load.ts'

/** What the load run needs of a Waypoint it opens itself (the `App` satisfies it). */
export interface SimulatedWaypoint {
  services: { sources: EventSink }
  stop(): Promise<void>
}

export async function simulateCommand(
  args: string[],
  openApp: () => Promise<SimulatedWaypoint>,
  print: (line: string) => void,
) {
  const options = parseSimulateArgs(args)
  if (options.out) {
    const written = await writeEventsFile(
      options.out,
      generateEvents(options),
      Math.round(options.rate * options.duration),
    )
    print(`Wrote ${written} events to ${options.out}`)
    return 0
  }
  let app: SimulatedWaypoint | undefined
  let sink: EventSink
  if (options.url) {
    sink = await httpSink(options.url, options.clientId!, options.clientSecret!)
  } else {
    app = await openApp()
    sink = app.services.sources
  }
  try {
    const events = options.file ? readEventsFile(options.file) : generateEvents(options)
    const report = await runLoad(events, sink, options)
    print(
      `Sent ${report.sent} events in ${report.seconds.toFixed(1)} s: ${report.eventsPerSecond.toFixed(0)} events/s ` +
        `(target ${options.rate}/s); outcomes ${JSON.stringify(report.statuses)}; errors ${report.errors}`,
    )
    return report.errors > 0 ? 1 : 0
  } finally {
    await app?.stop()
  }
}
