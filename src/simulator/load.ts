// `waypoint simulate`: the load generator and replayer. It sends whole case lives for one force
// (or all) at a fixed rate of events per second, either into this installation's inbox directly
// or to a running Waypoint over HTTP with OAuth2 client credentials, and reports what happened.
// `--out` writes the events to a JSON-lines file instead; `--file` replays such a file.
import { createReadStream, createWriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { EventSink } from './feed.ts'
import { caseLife, crimesPerYear, pickForce, Random, type SimulatedEvent } from './scenarios.ts'

export interface SimulateOptions {
  force?: string
  rate: number
  duration: number
  url?: string
  clientId?: string
  clientSecret?: string
  file?: string
  out?: string
  seed: number
}

export function parseSimulateArgs(args: string[]): SimulateOptions {
  const value = (name: string) => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 ? args[i + 1] : undefined
  }
  const options: SimulateOptions = {
    force: value('force'),
    rate: Number(value('rate') ?? 50),
    duration: Number(value('duration') ?? 10),
    url: value('url'),
    clientId: value('client-id'),
    clientSecret: value('client-secret'),
    file: value('file'),
    out: value('out'),
    seed: Number(value('seed') ?? 1),
  }
  if (options.force && !(options.force in crimesPerYear)) throw new Error(`Unknown force: ${options.force}`)
  if (!(options.rate > 0) || !(options.duration > 0))
    throw new Error('--rate and --duration must be positive numbers')
  if (options.url && !(options.clientId && options.clientSecret))
    throw new Error(
      '--url needs --client-id and --client-secret (a machine client with the sources:write scope)',
    )
  return options
}

/** Generates `rate × duration` events: whole case lives, in each case's own order. */
export function* generateEvents(options: Pick<SimulateOptions, 'force' | 'seed'>): Generator<SimulatedEvent> {
  const random = new Random(options.seed)
  const forces = Object.keys(crimesPerYear)
  const start = Date.now()
  for (let serial = 1; ; serial++) {
    const forceId = options.force ?? pickForce(random, forces)
    yield* caseLife(random, forceId, serial, new Date(start + serial * 1000))
  }
}

export interface LoadReport {
  sent: number
  seconds: number
  eventsPerSecond: number
  statuses: Record<string, number>
  errors: number
}

/** Sends events at the target rate (bounded in count and time) and counts the outcomes. */
export async function runLoad(
  events: AsyncIterable<SimulatedEvent> | Iterable<SimulatedEvent>,
  sink: EventSink,
  options: Pick<SimulateOptions, 'rate' | 'duration'>,
): Promise<LoadReport> {
  const limit = Math.round(options.rate * options.duration)
  const started = performance.now()
  const statuses: Record<string, number> = {}
  let sent = 0
  let errors = 0
  for await (const event of events) {
    if (sent >= limit) break
    const due = started + (sent / options.rate) * 1000
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    try {
      const result = (await sink.receive(event.forceId, event.source, event.payload, event.contentType)) as {
        status?: string
      }
      statuses[result?.status ?? 'accepted'] = (statuses[result?.status ?? 'accepted'] ?? 0) + 1
    } catch {
      // Counted and reported at the end of the run.
      errors += 1
    }
    sent += 1
  }
  const seconds = (performance.now() - started) / 1000
  return { sent, seconds, eventsPerSecond: sent / seconds, statuses, errors }
}

/** A sink that posts to a running Waypoint's inbound API (`/api/v1/sources/{force}/{source}`). */
export async function httpSink(url: string, clientId: string, clientSecret: string): Promise<EventSink> {
  const base = url.replace(/\/$/, '')
  const tokenResponse = await fetch(`${base}/api/v1/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'sources:write' }).toString(),
  })
  if (!tokenResponse.ok)
    throw new Error(`Token request failed: ${tokenResponse.status} ${await tokenResponse.text()}`)
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string }
  return {
    receive: async (forceId, source, payload, contentType) => {
      const response = await fetch(`${base}/api/v1/sources/${forceId}/${source}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': contentType,
          accept: 'application/json',
        },
        body: payload,
      })
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
      return response.json()
    },
  }
}

export async function* readEventsFile(path: string): AsyncGenerator<SimulatedEvent> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  })
  for await (const line of lines) {
    if (line.trim()) yield JSON.parse(line) as SimulatedEvent
  }
}

export async function writeEventsFile(
  path: string,
  events: Iterable<SimulatedEvent>,
  count: number,
): Promise<number> {
  const out = createWriteStream(path, 'utf8')
  let written = 0
  for (const event of events) {
    if (written >= count) break
    if (!out.write(`${JSON.stringify(event)}\n`))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()))
    written += 1
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  )
  return written
}
