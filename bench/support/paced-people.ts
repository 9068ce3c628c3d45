// People at a person's pace, for bench/portal.ts, in a worker thread of its own so that the
// server's work in the main thread never delays when a person asks (and the server's event loop
// never holds up the clock that times the answer).
//
// Each person has one keep-alive connection and goes round the Portal's four pages (dashboard,
// case, messages, send a message) from a page chosen at random. Between an answer and their next
// page a person reads for a random time, exponential with a mean of THINK seconds, so requests
// arrive as independent people's do, not in step. (autocannon's overallRate, used before, gives
// each of at most `rate` connections one request a second on a timer started at the same moment
// for all, so 50 people's requests arrived together once a second: decision 0059.)
//
// A page's latency is counted from the moment it was due to the end of its answer's body, so a
// person kept waiting by a slow answer before is not hidden.
import { Agent, request } from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'

export interface PacedPerson {
  cookie: string
  caseId: string
  csrf: string
}

export interface PacedInput {
  base: string
  people: PacedPerson[]
  thinkSeconds: number
  durationSeconds: number
}

export interface PacedPage {
  label: string
  /** Latencies in ms, from due to the answer's last byte, sorted. */
  latencies: number[]
  statuses: Record<string, number>
  errors: number
}

export interface PacedResult {
  pages: PacedPage[]
  /** Pages asked for in the run, divided by its seconds. */
  perSecond: number
  seconds: number
}

const pageLabels = [
  'GET /portal',
  'GET /portal/cases/:id',
  'GET /portal/cases/:id/messages',
  'POST /portal/cases/:id/messages',
] as const

function ask(agent: Agent, base: URL, person: PacedPerson, step: number): Promise<number> {
  const path = [
    '/portal',
    `/portal/cases/${person.caseId}`,
    `/portal/cases/${person.caseId}/messages`,
    `/portal/cases/${person.caseId}/messages`,
  ][step]!
  const body =
    step === 3
      ? new URLSearchParams({
          message: 'Thank you for the update. Is there any news about my stolen bicycle?',
          _csrf: person.csrf,
        }).toString()
      : undefined
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method: body ? 'POST' : 'GET',
        headers: {
          cookie: person.cookie,
          ...(body
            ? {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(body),
              }
            : {}),
        },
        timeout: 30_000,
      },
      (answer) => {
        answer.on('data', () => {})
        answer.on('end', () => resolve(answer.statusCode ?? 0))
        answer.on('error', reject)
      },
    )
    sent.on('timeout', () => sent.destroy(new Error('timed out')))
    sent.on('error', reject)
    sent.end(body)
  })
}

/** A random reading time, exponential with the given mean. */
function readingMs(meanSeconds: number): number {
  return -Math.log(1 - Math.random()) * meanSeconds * 1000
}

async function run(input: PacedInput): Promise<PacedResult> {
  const base = new URL(input.base)
  const pages: PacedPage[] = pageLabels.map((label) => ({ label, latencies: [], statuses: {}, errors: 0 }))
  const started = performance.now()
  const ends = started + input.durationSeconds * 1000
  let asked = 0
  const person = async (who: PacedPerson) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    let step = Math.floor(Math.random() * 4)
    // Memoryless reading times: the first page is due as if the person had been reading already.
    let due = started + readingMs(input.thinkSeconds)
    while (due < ends) {
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      const page = pages[step]!
      asked += 1
      try {
        const status = await ask(agent, base, who, step)
        page.statuses[status] = (page.statuses[status] ?? 0) + 1
      } catch {
        page.errors += 1
      }
      const answered = performance.now()
      page.latencies.push(answered - due)
      step = (step + 1) % 4
      due = answered + readingMs(input.thinkSeconds)
    }
    agent.destroy()
  }
  await Promise.all(input.people.map(person))
  const seconds = (performance.now() - started) / 1000
  for (const page of pages) page.latencies.sort((a, b) => a - b)
  return { pages, perSecond: asked / input.durationSeconds, seconds }
}

if (parentPort && workerData) parentPort.postMessage(await run(workerData as PacedInput))
