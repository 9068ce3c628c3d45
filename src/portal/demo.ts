// The Portal in the demo (`npm start`): a few simulated victims of Kent are invited through the
// same invitation service staff and journeys use (their messages wait in the outbox), and one of
// them already has an account with an authenticator app, whose sign-in the start-up banner prints.
// Run again on a kept database, it finds what it made before.
import type { CaseService } from '../cases/service.ts'
import { totpCodeAt } from '../platform/auth/totp.ts'
import type { Clock } from '../platform/clock.ts'
import type { SourceService } from '../sources/service.ts'
import type { PortalServices } from './module.ts'

export interface PortalDemoSignIn {
  email: string
  password: string
  totpSecret: string
  path: string
}

const demoForce = 'kent'
const demoSignIn: PortalDemoSignIn = {
  email: 'alex.victim@example.org',
  password: 'waypoint-citizen-demo',
  // Base32, as authenticator apps take it.
  totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
  path: '/portal/sign-in',
}

const demoVictims = [
  {
    urn: 'P-PORTAL-DEMO-1',
    name: 'Alex Victim',
    email: demoSignIn.email,
    phone: '07700900301',
    crimeRef: '46/90001/26',
  },
  {
    urn: 'P-PORTAL-DEMO-2',
    name: 'Sam Okafor',
    email: 'sam.okafor@example.org',
    phone: '07700900302',
    crimeRef: '46/90002/26',
  },
  {
    urn: 'P-PORTAL-DEMO-3',
    name: 'Jo Reyes',
    email: 'jo.reyes@example.org',
    phone: '07700900303',
    crimeRef: '46/90003/26',
  },
]

export async function seedPortalDemo(app: {
  clock: Clock
  services: PortalServices & { sources: SourceService; cases: CaseService }
}): Promise<PortalDemoSignIn> {
  const { portal, sources, cases } = app.services
  await portal.installDefaults(demoForce)
  for (const [i, victim] of demoVictims.entries()) {
    await sources.receive(
      demoForce,
      'athena',
      JSON.stringify({
        messageId: `ATH-PORTAL-DEMO-${i + 1}`,
        messageType: 'INVESTIGATION_CREATED',
        eventTime: app.clock.now().toISOString(),
        investigation: {
          crimeReference: victim.crimeRef,
          crimeType: 'Burglary',
          status: 'OPEN',
          officer: { collarNumber: '4521', name: 'DC Priya Shah', team: 'Maidstone CID' },
        },
        persons: [
          {
            urn: victim.urn,
            name: victim.name,
            role: 'VIC',
            dateOfBirth: '1984-03-12',
            phone: victim.phone,
            email: victim.email,
          },
        ],
      }),
      'application/json',
    )
    const crime = await cases.findCrimeByRef(demoForce, victim.crimeRef)
    const personId = crime?.parties[0]?.personId
    if (!crime || !personId) continue
    const outcome = await portal.invitations.inviteAs(demoForce, {
      personId,
      caseKind: 'crime',
      caseId: crime.crime.id,
      reason: 'the demo',
    })
    if (i === 0 && outcome.kind === 'invited')
      await portal.accounts.ensureAccount({
        email: demoSignIn.email,
        password: demoSignIn.password,
        totpSecret: demoSignIn.totpSecret,
        invitationId: outcome.invitation.id,
        forceId: demoForce,
      })
  }
  return demoSignIn
}

/** The demo citizen's authenticator code at `at` (the banner, `waypoint totp <email>`). */
export async function demoCitizenCode(at: Date, email = demoSignIn.email): Promise<string | undefined> {
  return email.trim().toLowerCase() === demoSignIn.email ? totpCodeAt(demoSignIn.totpSecret, at) : undefined
}
