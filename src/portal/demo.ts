// The Portal in the demo (`npm start`): a few simulated victims of Kent are invited through the
// same invitation service staff and journeys use (their messages wait in the outbox), and one of
// them already has an account with an authenticator app, whose sign-in the start-up banner prints.
// The victims with accounts have written to their investigating officer, the demo officer
// (kent.officer@waypoint.example.org, collar 4521), who has their conversations to answer in
// "My cases". Run again on a kept database, it finds what it made before.
import { randomBytes } from 'node:crypto'
import type { CaseService } from '../cases/service.ts'
import type { OfficerConsoleService } from '../officers/service.ts'
import type { StaffService } from '../platform/auth/staff-service.ts'
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

const demoOfficer = {
  email: 'kent.officer@waypoint.example.org',
  collar: '4521',
  name: 'DC Alex Morgan',
  team: 'Maidstone CID',
}

const demoVictims = [
  {
    urn: 'P-PORTAL-DEMO-1',
    name: 'Alex Victim',
    email: demoSignIn.email,
    phone: '07700900301',
    crimeRef: '46/90001/26',
    messages: [
      'Hello, I have found the serial number of the stolen laptop: C02XK1ABJGH5. Do you need the box as well?',
      'Also, is there any news from the house-to-house enquiries?',
    ],
  },
  {
    urn: 'P-PORTAL-DEMO-2',
    name: 'Sam Okafor',
    email: 'sam.okafor@example.org',
    phone: '07700900302',
    crimeRef: '46/90002/26',
    messages: ['Can you tell me whether the doorbell footage I sent was any use?'],
  },
  {
    urn: 'P-PORTAL-DEMO-3',
    name: 'Jo Reyes',
    email: 'jo.reyes@example.org',
    phone: '07700900303',
    crimeRef: '46/90003/26',
    messages: [] as string[],
  },
]

export async function seedPortalDemo(app: {
  clock: Clock
  services: PortalServices & {
    sources: SourceService
    cases: CaseService
    officers: OfficerConsoleService
    staff: StaffService
  }
}): Promise<PortalDemoSignIn> {
  const { portal, sources, cases } = app.services
  await portal.installDefaults(demoForce)
  // The demo officer is collar 4521 on the records system, so the demo crimes are in their "My cases".
  const officer = await app.services.staff.repository.findByEmail(demoOfficer.email)
  if (officer)
    await app.services.officers.saveProfile(
      demoForce,
      officer.id,
      { collar: demoOfficer.collar, team: demoOfficer.team },
      {
        staffId: officer.id,
        displayName: officer.displayName,
        audited: { actor: { kind: 'system', name: 'demo' } },
      },
    )
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
          officer: { collarNumber: demoOfficer.collar, name: demoOfficer.name, team: demoOfficer.team },
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
    if (outcome.kind !== 'invited' || victim.messages.length === 0) continue
    // The banner's citizen, and one more who registered; each has written to the officer.
    const account = await portal.accounts.ensureAccount({
      email: victim.email,
      password: i === 0 ? demoSignIn.password : randomBytes(18).toString('base64url'),
      totpSecret: demoSignIn.totpSecret,
      invitationId: outcome.invitation.id,
      forceId: demoForce,
    })
    for (const text of victim.messages)
      await portal.messages.send(account.id, crime.crime.id, { text }, { ip: '127.0.0.1', id: 'demo' })
  }
  return demoSignIn
}

/** The demo citizen's authenticator code at `at` (the banner, `waypoint totp <email>`). */
export async function demoCitizenCode(at: Date, email = demoSignIn.email): Promise<string | undefined> {
  return email.trim().toLowerCase() === demoSignIn.email ? totpCodeAt(demoSignIn.totpSecret, at) : undefined
}
