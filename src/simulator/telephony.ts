// The demo's telephony platform: simulated 101 calls to a force, posted as CTI events to Waypoint's
// telephony API over real HTTP with an API client's token (OAuth2 client credentials), as a force's
// telephony platform would. Each call is offered with the caller's number (a known person's now
// and then, an unknown number, or withheld) and the IVR choice; then the caller either hangs up
// while waiting (the contact stays as a call-back) or is answered by an agent's extension, may be
// held and transferred, and ends. `plan` gives a call's events without sending them (tests).
import { randomUUID } from 'node:crypto'
import type { Logger } from '../platform/logger.ts'
import { Random } from './scenarios.ts'

export interface SimulatedCallEvent {
  /** Seconds after the call starts. */
  afterSeconds: number
  body: {
    eventId: string
    type: string
    callId: string
    occurredAt?: string
    caller?: string | null
    dialled?: string
    ivr?: { menu: string; choice: string; label: string }[]
    agent?: string
    to?: string
  }
}

export interface TelephonySimulatorOptions {
  /** Waypoint's address, e.g. http://127.0.0.1:3000. */
  baseUrl: string
  clientId: string
  clientSecret: string
  forceId: string
  callsPerMinute: number
  /** Numbers of people the force knows, who call now and then. */
  knownNumbers: readonly string[]
  /** The agent extensions calls are answered on (by default `simulatorAgents`). */
  agents?: readonly string[]
  /** Real seconds per simulated second: 0.25 plays a call four times faster. */
  timeScale?: number
  seed?: number
}

const ivrChoices = [
  { menu: 'main', choice: '1', label: 'Report a crime' },
  { menu: 'main', choice: '2', label: 'Update on an existing report' },
  { menu: 'main', choice: '3', label: 'Speak to an officer' },
  { menu: 'main', choice: '4', label: 'Domestic abuse or feeling unsafe' },
  { menu: 'main', choice: '9', label: 'Something else' },
]
/** The extensions a simulated call is answered on unless the simulator is given others. */
export const simulatorAgents: readonly string[] = ['ext-2041', 'ext-2042', 'ext-2055', 'ext-2070']

/** One call's events, in order, with their delays (seconds from the call's start). */
export function planCall(
  random: Random,
  knownNumbers: readonly string[],
  callId: string = randomUUID(),
  agents: readonly string[] = simulatorAgents,
): SimulatedCallEvent[] {
  const roll = random.int(1, 100)
  const caller =
    roll <= 40 && knownNumbers.length > 0
      ? random.pick(knownNumbers)
      : roll <= 90
        ? `07700 9${String(random.int(10_000, 99_999))}`
        : null
  const ivr = random.pick(ivrChoices)
  const events: SimulatedCallEvent[] = []
  const event = (afterSeconds: number, type: string, extra: Partial<SimulatedCallEvent['body']> = {}) =>
    events.push({ afterSeconds, body: { eventId: `${callId}:${events.length + 1}`, type, callId, ...extra } })
  event(0, 'call.offered', { caller, dialled: '101', ivr: [ivr] })
  const waited = random.int(20, 150)
  if (random.int(1, 100) <= 20) {
    event(waited, 'call.ended')
    return events
  }
  const agent = random.pick(agents)
  event(waited, 'call.answered', { agent })
  let t = waited + random.int(40, 120)
  if (random.int(1, 100) <= 35) {
    event(t, 'call.held', { agent })
    t += random.int(15, 90)
    event(t, 'call.resumed', { agent })
    t += random.int(20, 90)
  }
  if (random.int(1, 100) <= 10) {
    event(t, 'call.transferred', { agent, to: 'Rapid Video Response' })
    t += random.int(60, 240)
  }
  event(t + random.int(20, 120), 'call.ended')
  return events
}

export class TelephonySimulator {
  readonly #options: TelephonySimulatorOptions
  readonly #log: Logger
  readonly #random: Random
  readonly #timers = new Set<NodeJS.Timeout>()
  #token: { value: string; expiresAt: number } | undefined
  #sent = 0
  #failed = 0

  constructor(options: TelephonySimulatorOptions, log: Logger) {
    this.#options = options
    this.#log = log
    this.#random = new Random(options.seed ?? Date.now())
  }

  get stats(): { sent: number; failed: number } {
    return { sent: this.#sent, failed: this.#failed }
  }

  start(): void {
    if (this.#options.callsPerMinute <= 0) return
    this.#call()
    const timer = setInterval(() => this.#call(), 60_000 / this.#options.callsPerMinute)
    timer.unref()
    this.#timers.add(timer)
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  #call(): void {
    const scale = this.#options.timeScale ?? 1
    for (const step of planCall(
      this.#random,
      this.#options.knownNumbers,
      randomUUID(),
      this.#options.agents,
    )) {
      const timer = setTimeout(
        () => {
          this.#timers.delete(timer)
          void this.send({ ...step.body, occurredAt: new Date().toISOString() })
        },
        step.afterSeconds * 1000 * scale,
      )
      timer.unref()
      this.#timers.add(timer)
    }
  }

  async #bearer(): Promise<string> {
    if (this.#token && this.#token.expiresAt > Date.now() + 30_000) return this.#token.value
    const basic = Buffer.from(
      `${encodeURIComponent(this.#options.clientId)}:${encodeURIComponent(this.#options.clientSecret)}`,
    ).toString('base64')
    const response = await fetch(`${this.#options.baseUrl}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'contact:telephony' }).toString(),
    })
    if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`)
    const token = (await response.json()) as { access_token: string; expires_in: number }
    this.#token = { value: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 }
    return token.access_token
  }

  /** Posts one event; returns the API's status. */
  async send(body: SimulatedCallEvent['body']): Promise<number> {
    try {
      const response = await fetch(
        `${this.#options.baseUrl}/api/v1/contact/${this.#options.forceId}/telephony/events`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${await this.#bearer()}`, 'content-type': 'application/json' },
          body: JSON.stringify({ occurredAt: new Date().toISOString(), ...body }),
        },
      )
      await response.arrayBuffer()
      if (response.status === 202) this.#sent += 1
      else {
        this.#failed += 1
        this.#log.warn({ status: response.status, type: body.type }, 'telephony simulator: event refused')
      }
      return response.status
    } catch (error) {
      this.#failed += 1
      this.#log.warn({ err: error }, 'telephony simulator: event not sent')
      return 0
    }
  }
}

/** What the demo's telephony platform needs of the running Waypoint (the `App` satisfies it). */
export interface DemoTelephonyHost {
  log: Logger
  services: {
    apiClients: {
      list(forceId: string): Promise<{ id: string; name: string; disabledAt: Date | null }[]>
      disable(forceId: string, id: string, by: string | null): Promise<void>
      create(
        input: { forceId: string; name: string; scopes: string[] },
        by: string | null,
      ): Promise<{ client: { clientId: string }; clientSecret: string }>
    }
    forces: { hasProduct(forceId: string, product: 'contact'): Promise<boolean> }
  }
}

export const demoTelephonyClientName = 'Telephony platform (demo simulator)'

/**
 * Starts the demo's telephony platform for one force: its own API client (the one from an earlier
 * start is disabled, its secret having gone with that process), calls every few minutes.
 */
export async function startDemoTelephony(
  app: DemoTelephonyHost,
  options: {
    baseUrl: string
    forceId: string
    knownNumbers: readonly string[]
    /** The extensions the force's handlers have (so an answered call is a handler's). */
    agents?: readonly string[]
    callsPerMinute?: number
  },
): Promise<TelephonySimulator | undefined> {
  if (!(await app.services.forces.hasProduct(options.forceId, 'contact'))) return undefined
  for (const client of await app.services.apiClients.list(options.forceId))
    if (client.name === demoTelephonyClientName && !client.disabledAt)
      await app.services.apiClients.disable(options.forceId, client.id, null)
  const { client, clientSecret } = await app.services.apiClients.create(
    { forceId: options.forceId, name: demoTelephonyClientName, scopes: ['contact:telephony'] },
    null,
  )
  const simulator = new TelephonySimulator(
    {
      baseUrl: options.baseUrl,
      clientId: client.clientId,
      clientSecret,
      forceId: options.forceId,
      callsPerMinute: options.callsPerMinute ?? 0.5,
      knownNumbers: options.knownNumbers,
      ...(options.agents?.length ? { agents: options.agents } : {}),
    },
    app.log.child({ component: 'telephony-simulator' }),
  )
  simulator.start()
  return simulator
}
