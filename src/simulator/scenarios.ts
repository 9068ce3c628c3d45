// Realistic case lives for the source-system simulator: a STORM/SMARTStorm log is opened with a
// grading, perhaps crimed in Athena with a type and VCoP category, an officer assigned, the log
// closed, and later a status change and an outcome. Volumes are proportional to each force's
// recorded crime (facts §5.1); contact details use Ofcom's drama numbers and example.org.
import { DateTime } from 'luxon'

/** Recorded crimes, June 2023 – June 2024 (ONS, excluding fraud), facts §5.1. */
export const crimesPerYear: Record<string, number> = {
  bedfordshire: 51_532,
  cambridgeshire: 68_580,
  hertfordshire: 75_288,
  norfolk: 59_228,
  suffolk: 46_027,
  kent: 164_945,
  essex: 151_967,
}

const forcePrefix: Record<string, { cad: string; crime: string; town: string; postcode: string }> = {
  bedfordshire: { cad: 'BED', crime: '40', town: 'Luton', postcode: 'LU1' },
  cambridgeshire: { cad: 'CAM', crime: '35', town: 'Peterborough', postcode: 'PE1' },
  hertfordshire: { cad: 'HRT', crime: '41', town: 'Stevenage', postcode: 'SG1' },
  norfolk: { cad: 'NFK', crime: '36', town: 'Norwich', postcode: 'NR1' },
  suffolk: { cad: 'SFK', crime: '37', town: 'Ipswich', postcode: 'IP1' },
  kent: { cad: 'KNT', crime: '46', town: 'Maidstone', postcode: 'ME14' },
  essex: { cad: 'ESX', crime: '42', town: 'Chelmsford', postcode: 'CM1' },
}

/** Grading codes in the default profile; Kent's SMARTStorm numbers them (see default-profiles). */
const gradingWeights: [string, string, number][] = [
  ['IMM', 'G1', 0.15],
  ['PRI', 'G2', 0.35],
  ['SCH', 'G3', 0.2],
  ['APT', 'G4', 0.2],
  ['NR', 'G5', 0.1],
]

const crimeTypes: {
  type: string
  homeOfficeClass: string
  opening: string
  weight: number
  enhancedShare: number
}[] = [
  {
    type: 'Burglary - residential',
    homeOfficeClass: '028/01',
    opening: 'BURG',
    weight: 0.14,
    enhancedShare: 0.2,
  },
  {
    type: 'Theft from the person',
    homeOfficeClass: '039/00',
    opening: 'THFT',
    weight: 0.12,
    enhancedShare: 0.1,
  },
  { type: 'Criminal damage', homeOfficeClass: '058/01', opening: 'CDAM', weight: 0.14, enhancedShare: 0.1 },
  { type: 'Vehicle crime', homeOfficeClass: '045/00', opening: 'VEH', weight: 0.12, enhancedShare: 0.05 },
  {
    type: 'Assault without injury',
    homeOfficeClass: '105/01',
    opening: 'ASLT',
    weight: 0.16,
    enhancedShare: 0.3,
  },
  { type: 'Domestic abuse', homeOfficeClass: '008/06', opening: 'DOM', weight: 0.12, enhancedShare: 1 },
  { type: 'Hate crime', homeOfficeClass: '008/10', opening: 'HATE', weight: 0.05, enhancedShare: 1 },
  { type: 'Shoplifting', homeOfficeClass: '046/00', opening: 'SHOP', weight: 0.1, enhancedShare: 0 },
  { type: 'Anti-social behaviour', homeOfficeClass: '', opening: 'ASB', weight: 0.05, enhancedShare: 0 },
]

const firstNames = [
  'Jane',
  'Sam',
  'Priya',
  'Tom',
  'Aisha',
  'Gareth',
  'Olu',
  'Megan',
  'Ravi',
  'Chloe',
  'Dylan',
  'Fatima',
  'Ewan',
  'Zofia',
]
const lastNames = [
  'Smith',
  'Taylor',
  'Khan',
  'Jones',
  'Evans',
  'Okafor',
  'Nowak',
  'Patel',
  'Hughes',
  'Williams',
  'Brown',
  'Ahmed',
]
const streets = [
  'High Street',
  'Station Road',
  'Church Lane',
  'Mill Road',
  'Victoria Street',
  'The Green',
  'Park Avenue',
]
const officers = [
  { collar: '4521', name: 'DC Priya Shah', team: 'CID' },
  { collar: '3310', name: 'PC Daniel Hart', team: 'Neighbourhood' },
  { collar: '2875', name: 'DC Helen Price', team: 'Safeguarding' },
  { collar: '5102', name: 'PC Marcus Lee', team: 'Response' },
]

/** A small seeded generator so that a run can be repeated exactly. */
export class Random {
  #state: number
  constructor(seed: number) {
    this.#state = seed >>> 0 || 1
  }
  next(): number {
    // mulberry32
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    const total = items.reduce((sum, i) => sum + weight(i), 0)
    let r = this.next() * total
    for (const item of items) {
      r -= weight(item)
      if (r <= 0) return item
    }
    return items[items.length - 1]
  }
  chance(p: number): boolean {
    return this.next() < p
  }
}

export interface SimulatedEvent {
  forceId: string
  source: 'storm' | 'athena'
  contentType: 'application/json' | 'application/xml'
  /** Seconds after the case's first event at which this event is sent. */
  afterSeconds: number
  payload: string
}

/** Picks a force with probability proportional to its recorded crime. */
export function pickForce(random: Random, forceIds: readonly string[]): string {
  return random.weighted(forceIds, (f) => crimesPerYear[f] ?? 50_000)
}

/**
 * The events of one case's life, in the order the source systems send them. `timeScale`
 * compresses days into seconds for the demo (1 = real time).
 */
export function caseLife(
  random: Random,
  forceId: string,
  serial: number,
  at: Date,
  timeScale = 1,
): SimulatedEvent[] {
  const prefix = forcePrefix[forceId] ?? {
    cad: forceId.slice(0, 3).toUpperCase(),
    crime: '99',
    town: 'Town',
    postcode: 'AB1',
  }
  const day = DateTime.fromJSDate(at).setZone('Europe/London')
  const cadRef = `${prefix.cad}-${day.toFormat('yyyyMMdd')}-${String(serial).padStart(5, '0')}`
  const crimeRef = `${prefix.crime}/${String(10_000 + serial).padStart(5, '0')}/${day.toFormat('yy')}`
  const kind = random.weighted(crimeTypes, (c) => c.weight)
  const grading = random.weighted(gradingWeights, (g) => g[2])
  const victim = aVictim(random, prefix, serial, kind.type)
  const crimed = kind.type !== 'Anti-social behaviour' && random.chance(0.8)
  const enhanced = random.chance(kind.enhancedShare) || victim.markers.includes('VUL')
  const officer = random.pick(officers)
  const events: SimulatedEvent[] = []
  let step = 0
  const storm = (
    seconds: number,
    eventType: 'created' | 'updated' | 'closed',
    log: Record<string, unknown>,
  ) => {
    step += 1
    const time = new Date(at.getTime() + seconds * 1000 * timeScale)
    events.push({
      forceId,
      source: 'storm',
      contentType: forceId === 'kent' ? 'application/xml' : 'application/json',
      afterSeconds: seconds * timeScale,
      payload: stormPayload(forceId, `STORM-${cadRef}-${step}`, eventType, time, {
        reference: cadRef,
        ...log,
      }),
    })
  }
  const athena = (
    seconds: number,
    messageType: string,
    investigation: Record<string, unknown>,
    persons?: unknown[],
  ) => {
    step += 1
    const time = new Date(at.getTime() + seconds * 1000 * timeScale)
    events.push({
      forceId,
      source: 'athena',
      contentType: 'application/json',
      afterSeconds: seconds * timeScale,
      payload: JSON.stringify({
        messageId: `ATH-${crimeRef}-${step}`,
        messageType,
        eventTime: time.toISOString(),
        investigation: { crimeReference: crimeRef, ...investigation },
        ...(persons ? { persons } : {}),
      }),
    })
  }

  storm(0, 'created', {
    openedAt: at,
    grading: forceId === 'kent' ? grading[1] : grading[0],
    incidentType: kind.type,
    openingCode: kind.opening,
    location: victim.address,
    persons: [victim.storm],
  })
  if (!crimed) {
    storm(3_600, 'closed', {
      closedAt: new Date(at.getTime() + 3_600_000 * timeScale),
      closingCode: 'ADVICE',
    })
    return events
  }
  athena(
    1_800,
    'INVESTIGATION_CREATED',
    {
      linkedLogs: [cadRef],
      crimeType: kind.type,
      homeOfficeClass: kind.homeOfficeClass,
      status: 'OPEN',
      recordedAt: new Date(at.getTime() + 1_800_000 * timeScale).toISOString(),
      vcop: enhanced
        ? { category: 'ENHANCED', reason: victim.markers.includes('VUL') ? 'Vulnerable victim' : kind.type }
        : { category: 'STANDARD' },
    },
    [victim.athena],
  )
  // Closed as crimed, the log names the crime it became.
  storm(3_600, 'closed', {
    closedAt: new Date(at.getTime() + 3_600_000 * timeScale),
    closingCode: 'CRIMED',
    crimeReferences: [crimeRef],
  })
  athena(86_400, 'OFFICER_ASSIGNED', {
    officer: { collarNumber: officer.collar, name: officer.name, team: `${prefix.town} ${officer.team}` },
    supervisor: { collarNumber: '1102', name: 'DS Mark Owen', team: `${prefix.town} ${officer.team}` },
  })
  if (random.chance(0.6)) {
    const status = random.weighted(['CHARGED', 'NFA', 'CLOSED'] as const, (s) =>
      s === 'CHARGED' ? 0.3 : 0.35,
    )
    athena(14 * 86_400, 'STATUS_CHANGED', { status })
    if (status !== 'CHARGED')
      athena(14 * 86_400 + 60, 'CLOSED', {
        status: 'CLOSED',
        closedAt: new Date(at.getTime() + (14 * 86_400 + 60) * 1000 * timeScale).toISOString(),
      })
  }
  return events
}

function aVictim(
  random: Random,
  prefix: { town: string; postcode: string },
  serial: number,
  crimeType: string,
) {
  const first = random.pick(firstNames)
  const last = random.pick(lastNames)
  const address = `${random.int(1, 120)} ${random.pick(streets)}, ${prefix.town} ${prefix.postcode} ${random.int(1, 9)}AB`
  const markers: string[] = []
  if (random.chance(0.12)) markers.push('VUL')
  if (crimeType === 'Domestic abuse') markers.push('DA')
  if (random.chance(0.01)) markers.push('DNC')
  const age = random.chance(0.06) ? random.int(12, 17) : random.int(18, 88)
  const dateOfBirth = DateTime.now()
    .minus({ years: age, days: random.int(0, 364) })
    .toISODate()
  // Ofcom reserves 07700 900000–900999 for drama: never a real person's phone.
  const phone = `07700 900${String(random.int(0, 999)).padStart(3, '0')}`
  const email = `${first}.${last}${serial}@example.org`.toLowerCase()
  const preferred = random.chance(0.7) ? 'SMS' : 'EMAIL'
  const language = random.chance(0.03) ? 'cy' : 'en'
  const common = {
    name: `${first} ${last}`,
    dateOfBirth,
    role: 'VIC',
    phone,
    email,
    address,
    preferredContact: preferred,
    language,
    markers,
  }
  return {
    address,
    markers,
    storm: { nominalId: `N-${100_000 + serial}`, ...common },
    athena: { urn: `P-${500_000 + serial}`, ...common },
  }
}

function stormPayload(
  forceId: string,
  eventId: string,
  kind: 'created' | 'updated' | 'closed',
  time: Date,
  log: Record<string, unknown>,
): string {
  if (forceId !== 'kent') {
    const eventType = { created: 'LOG_CREATED', updated: 'LOG_UPDATED', closed: 'LOG_CLOSED' }[kind]
    return JSON.stringify({ eventId, eventType, timestamp: time.toISOString(), log: isoDates(log) })
  }
  // Kent's SMARTStorm build sends XML with its own event names and UK-style local dates.
  const eventType = { created: 'CREATE', updated: 'UPDATE', closed: 'CLOSE' }[kind]
  const ukDate = (d: Date) => DateTime.fromJSDate(d).setZone('Europe/London').toFormat('dd/MM/yyyy HH:mm:ss')
  const fields = Object.entries(log)
    .filter(([key]) => key !== 'persons')
    .map(([key, value]) =>
      // A list is wrapped: <crimeReferences><crimeReference>…</crimeReference></crimeReferences>.
      Array.isArray(value)
        ? `<${key}>${value.map((v) => `<${key.replace(/s$/, '')}>${escapeXml(String(v))}</${key.replace(/s$/, '')}>`).join('')}</${key}>`
        : `<${key}>${escapeXml(value instanceof Date ? ukDate(value) : String(value))}</${key}>`,
    )
    .join('')
  const persons = ((log.persons as Record<string, unknown>[] | undefined) ?? [])
    .map(
      (p) =>
        `<person>${Object.entries(p)
          .map(([k, v]) =>
            Array.isArray(v)
              ? `<${k}>${v.map((m) => `<marker>${escapeXml(String(m))}</marker>`).join('')}</${k}>`
              : `<${k}>${escapeXml(String(v))}</${k}>`,
          )
          .join('')}</person>`,
    )
    .join('')
  return `<?xml version="1.0" encoding="UTF-8"?><StormEvent><eventId>${eventId}</eventId><eventType>${eventType}</eventType><timestamp>${ukDate(time)}</timestamp><log>${fields}${persons ? `<persons>${persons}</persons>` : ''}</log></StormEvent>`
}

function isoDates(log: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(log).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]))
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
