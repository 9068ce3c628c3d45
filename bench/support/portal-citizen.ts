// A citizen for a benchmark, arranged as the national front-end's journey leaves them: a burglary
// recorded by the RMS, invited, registered through One Login with the terms accepted and email
// chosen, then signed in over HTTP through the bench's own sign-in route (GET /bench/sign-in/:sub
// answering the citizen session cookie). Used by bench/portal.ts and bench/rolling-restart.ts.
import type { App } from '../../src/app.ts'
import { CITIZEN_SESSION_COOKIE } from '../../src/platform/http/server.ts'
import { anAthenaEvent } from '../../src/sources/test-support/events.ts'

export interface BenchCitizen {
  /** The `name=value` of the citizen's session cookie. */
  cookie: string
  caseId: string
}

/**
 * The `index`th citizen of a run named `tag` (lower case; it makes their ids, name, email and One
 * Login subject); `serial` numbers their crime reference and phone number, and must leave room
 * for every index of the run.
 */
export async function benchCitizen(
  app: Pick<App, 'services'>,
  baseUrl: string,
  forceId: string,
  tag: string,
  serial: number,
  index: number,
): Promise<BenchCitizen> {
  const n = serial + index
  const crimeRef = `KT/${n}/26`
  const email = `${tag}.person${index}@example.org`
  const result = await app.services.sources.receive(
    forceId,
    'athena',
    anAthenaEvent({
      id: `${tag.toUpperCase()}-${index}`,
      type: 'INVESTIGATION_CREATED',
      at: new Date().toISOString(),
      crimeRef,
      investigation: {
        crimeType: 'Burglary',
        status: 'OPEN',
        officer: { collarNumber: '4521', name: 'DC Priya Shah' },
      },
      persons: [
        {
          urn: `P-${tag.toUpperCase()}-${index}`,
          name: `${tag[0]!.toUpperCase()}${tag.slice(1)} Person ${index}`,
          role: 'VIC',
          dateOfBirth: '1984-03-12',
          phone: `07700${900000 + (n % 100000)}`,
          email,
        },
      ],
    }),
    'application/json',
  )
  if (result.status !== 'applied') throw new Error(`person ${index}: ${result.reason}`)
  const crime = (await app.services.cases.findCrimeByRef(forceId, crimeRef))!
  const outcome = await app.services.portal.invitations.inviteAs(forceId, {
    personId: crime.parties[0]!.personId!,
    caseKind: 'crime',
    caseId: crime.crime.id,
    reason: 'benchmark',
  })
  if (outcome.kind !== 'invited') throw new Error(`invitation ${index}: ${outcome.kind}`)
  const sub = `urn:fdc:gov.uk:2022:${tag}-${index}`
  const account = await app.services.portal.accounts.signInWithOneLogin(
    { sub, level: 'Cl.Cm', email, emailVerified: true, phone: undefined, phoneVerified: false },
    outcome.invitation.id,
    forceId,
  )
  // As at a first One Login sign-in: the terms accepted and a way to be told chosen.
  await app.services.portal.accounts.acceptTerms(
    account!,
    { terms: true, privacy: true, cookies: true },
    { channel: 'email' },
  )
  const signedIn = await fetch(`${baseUrl}/bench/sign-in/${encodeURIComponent(sub)}`)
  const cookie = signedIn.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${CITIZEN_SESSION_COOKIE}=`))!
    .split(';')[0]!
  return { cookie, caseId: crime.crime.id }
}
