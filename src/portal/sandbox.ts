// The sandbox force's generated test data for iHub's integration testing (CP-164, CP-180): with
// PORTAL_SANDBOX=on, PORTAL_SANDBOX_PEOPLE people (24 by default) each with a crime recorded by
// the RMS, generated from a fixed seed so every environment, and every start, holds the same
// references, names, statuses and officers. Even-numbered people are invited and registered as
// the national front-end registers them, with the One Login subject
// `urn:fdc:gov.uk:2022:sandbox-<n>`; odd-numbered ones are invited only. The force gets one API
// client for iHub holding every Portal scope; its secret is shown once, when it is made. Run
// again, it finds what it made before. All names, numbers and addresses are fictional (Ofcom's
// drama range, example.org).
import type { CaseService } from '../cases/service.ts'
import type { ApiClientService } from '../platform/api/client-service.ts'
import { SANDBOX_FORCE_ID } from '../platform/tenancy/sandbox-force.ts'
import type { SourceService } from '../sources/service.ts'
import type { PortalServices } from './module.ts'

export const sandboxClientName = 'iHub integration testing (sandbox)'
export const sandboxSubject = (n: number) => `urn:fdc:gov.uk:2022:sandbox-${n}`
const sandboxScopes = [
  'portal:invitations',
  'portal:accounts',
  'portal:cases',
  'portal:messages',
  'portal:officer',
  'portal:webhooks',
]

const firstNames = [
  'Alex',
  'Sam',
  'Jo',
  'Priya',
  'Tomasz',
  'Aisha',
  'Morgan',
  'Eilidh',
  'Kwame',
  'Rhys',
  'Mei',
  'Dara',
]
const lastNames = [
  'Okafor',
  'Reyes',
  'Nowak',
  'Shah',
  'Evans',
  'Campbell',
  'Mensah',
  'Hughes',
  'Chen',
  'Byrne',
]
const crimeTypes = [
  'Burglary',
  'Theft from a vehicle',
  'Criminal damage',
  'Assault',
  'Fraud',
  'Theft of a bicycle',
]
const officers = [
  { collarNumber: '4521', name: 'DC Priya Shah' },
  { collarNumber: '3307', name: 'PC Tom Evans' },
  { collarNumber: '5120', name: 'DS Ruth Adeyemi' },
]

/** Mulberry32: a small seeded generator, so the data is the same wherever it is made. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SandboxPerson {
  n: number
  name: string
  crimeRef: string
  crimeType: string
  officer: string
  email: string
  phone: string
  subject: string | null
}

/** The people the sandbox holds, the same for the same number every time. */
export function sandboxPeople(count: number): SandboxPerson[] {
  const next = seeded(164_180)
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!
  return Array.from({ length: count }, (_, n) => {
    const name = `${pick(firstNames)} ${pick(lastNames)}`
    return {
      n,
      name,
      crimeRef: `SB/${String(10001 + n).padStart(5, '0')}/26`,
      crimeType: pick(crimeTypes),
      officer: pick(officers).name,
      email: `sandbox.person${n}@example.org`,
      phone: `07700900${String(n % 1000).padStart(3, '0')}`,
      subject: n % 2 === 0 ? sandboxSubject(n) : null,
    }
  })
}

export interface SandboxSeeded {
  forceId: string
  people: SandboxPerson[]
  /** Set only when the client was made now: its id and secret, shown once. */
  client: { clientId: string; clientSecret: string } | undefined
}

export async function seedPortalSandbox(
  app: {
    services: PortalServices & { sources: SourceService; cases: CaseService; apiClients: ApiClientService }
  },
  count: number,
): Promise<SandboxSeeded> {
  const { portal, sources, cases, apiClients } = app.services
  const forceId = SANDBOX_FORCE_ID
  await portal.installDefaults(forceId)
  const people = sandboxPeople(count)
  for (const person of people) {
    const officer = officers.find((o) => o.name === person.officer)!
    // A fixed time for each event: the data does not depend on when it was made.
    const at = new Date(Date.UTC(2026, 0, 5 + (person.n % 20), 9 + (person.n % 8))).toISOString()
    await sources.receive(
      forceId,
      'athena',
      JSON.stringify({
        messageId: `ATH-SANDBOX-${person.n}`,
        messageType: 'INVESTIGATION_CREATED',
        eventTime: at,
        investigation: {
          crimeReference: person.crimeRef,
          crimeType: person.crimeType,
          status: 'OPEN',
          officer,
        },
        persons: [
          {
            urn: `P-SANDBOX-${person.n}`,
            name: person.name,
            role: 'VIC',
            dateOfBirth: `19${60 + (person.n % 40)}-0${1 + (person.n % 9)}-1${person.n % 10}`,
            phone: person.phone,
            email: person.email,
          },
        ],
      }),
      'application/json',
    )
    const crime = await cases.findCrimeByRef(forceId, person.crimeRef)
    const personId = crime?.parties[0]?.personId
    if (!crime || !personId) continue
    const outcome = await portal.invitations.inviteAs(forceId, {
      personId,
      caseKind: 'crime',
      caseId: crime.crime.id,
      reason: 'sandbox test data',
    })
    if (person.subject && outcome.kind === 'invited')
      await portal.accounts.signInWithOneLogin(
        {
          sub: person.subject,
          level: 'Cl.Cm',
          email: person.email,
          emailVerified: true,
          phone: person.phone,
          phoneVerified: true,
        },
        outcome.invitation.id,
        forceId,
      )
  }
  const existing = (await apiClients.list(forceId)).find((c) => c.name === sandboxClientName && !c.disabledAt)
  const made = existing
    ? undefined
    : await apiClients.create({ forceId, name: sandboxClientName, scopes: sandboxScopes }, null)
  return {
    forceId,
    people,
    client: made ? { clientId: made.client.clientId, clientSecret: made.clientSecret } : undefined,
  }
}
