// Demo data for `npm start`: one administrator per role family, printed at start-up so a newcomer
// can sign in at once. Idempotent: running it twice changes nothing.
import type { StaffService } from './auth/staff-service.ts'
import type { Clock } from './clock.ts'
import type { Config } from './config.ts'
import { hashPassword } from './auth/passwords.ts'
import type { StaffRole } from './auth/roles.ts'
import { totpCodeAt } from './auth/totp.ts'
import { TotpSecretUnreadableError, TotpSecretVault } from './auth/totp-secrets.ts'

export interface DemoUser {
  email: string
  password: string
  displayName: string
  forceId: string | null
  roles: StaffRole[]
  /** Authenticator secret, already confirmed, so the demo needs no enrolment (like the password, public). */
  totpSecret: string
}

export const demoUsers: DemoUser[] = [
  {
    email: 'admin@waypoint.example.org',
    password: 'waypoint-admin-demo',
    displayName: 'Sam Admin',
    forceId: null,
    roles: ['system_admin', 'auditor'],
    totpSecret: 'P7XAQL4SAAR26FYPYP5MEPOYHVXKAWUF',
  },
  {
    email: 'kent.admin@waypoint.example.org',
    password: 'waypoint-kent-demo',
    displayName: 'Kim Patel',
    forceId: 'kent',
    roles: ['force_admin', 'journey_designer', 'analyst'],
    totpSecret: 'ISN3VKJLPTU4TGRV2NJ32V7MPVKFAUCW',
  },
  {
    email: 'kent.officer@waypoint.example.org',
    password: 'waypoint-officer-demo',
    displayName: 'DC Alex Morgan',
    forceId: 'kent',
    roles: ['investigating_officer'],
    totpSecret: 'MBZ73DQQ6A5UM7ZTVQCYHCIYWHTUYVX3',
  },
  {
    email: 'essex.handler@waypoint.example.org',
    password: 'waypoint-handler-demo',
    displayName: 'Jo Okafor',
    forceId: 'essex',
    roles: ['contact_handler'],
    totpSecret: 'NIGOAQ2SRMRHY74RWL7BQS7UTB74PJ5E',
  },
  {
    email: 'auditor@waypoint.example.org',
    password: 'waypoint-auditor-demo',
    displayName: 'Ravi Auditor',
    forceId: 'norfolk',
    roles: ['auditor'],
    totpSecret: 'QEM4AA4UHWBNG57MESCWYCGQF4ARLZSN',
  },
]

/** What seeding needs of a running Waypoint (the `App` satisfies it). */
export interface SeedTarget {
  config: Pick<Config, 'totpSecretKey'>
  clock: Clock
  services: { staff: StaffService }
}

export async function seedDemo(app: SeedTarget): Promise<DemoUser[]> {
  const secrets = new TotpSecretVault(app.config.totpSecretKey)
  const storedSecret = (userId: string, stored: string | null) => {
    try {
      return stored ? secrets.open(userId, stored).secret : undefined
    } catch (error) {
      if (error instanceof TotpSecretUnreadableError) return undefined
      throw error
    }
  }
  for (const u of demoUsers) {
    const existing = await app.services.staff.repository.findByEmail(u.email)
    const user =
      existing ??
      (await app.services.staff.create(
        {
          forceId: u.forceId,
          email: u.email,
          displayName: u.displayName,
          roles: u.roles,
          passwordHash: await hashPassword(u.password),
        },
        null,
      ))
    // Stored sealed like anyone's; re-sealed when it no longer opens (a different key) or differs.
    if (storedSecret(user.id, user.totpSecret) !== u.totpSecret || !user.totpConfirmedAt) {
      await app.services.staff.repository.update(user.id, {
        totpSecret: secrets.seal(user.id, u.totpSecret),
        totpConfirmedAt: app.clock.now(),
      })
    }
  }
  return demoUsers
}

/** The current authenticator code of a demo user (`waypoint totp <email>`), or undefined. */
export async function demoTotpCode(email: string, at: Date): Promise<string | undefined> {
  const user = demoUsers.find((u) => u.email.toLowerCase() === email.trim().toLowerCase())
  return user ? totpCodeAt(user.totpSecret, at) : undefined
}
