// Demo data for `npm start`: one administrator per role family, printed at start-up so a newcomer
// can sign in at once. Idempotent: running it twice changes nothing.
import type { App } from '../app.ts'
import { hashPassword } from './auth/passwords.ts'
import type { StaffRole } from './auth/roles.ts'

export interface DemoUser {
  email: string
  password: string
  displayName: string
  forceId: string | null
  roles: StaffRole[]
}

export const demoUsers: DemoUser[] = [
  {
    email: 'admin@waypoint.example.org',
    password: 'waypoint-admin-demo',
    displayName: 'Sam Admin',
    forceId: null,
    roles: ['system_admin', 'auditor'],
  },
  {
    email: 'kent.admin@waypoint.example.org',
    password: 'waypoint-kent-demo',
    displayName: 'Kim Patel',
    forceId: 'kent',
    roles: ['force_admin', 'journey_designer', 'analyst'],
  },
  {
    email: 'kent.officer@waypoint.example.org',
    password: 'waypoint-officer-demo',
    displayName: 'DC Alex Morgan',
    forceId: 'kent',
    roles: ['investigating_officer'],
  },
  {
    email: 'essex.handler@waypoint.example.org',
    password: 'waypoint-handler-demo',
    displayName: 'Jo Okafor',
    forceId: 'essex',
    roles: ['contact_handler'],
  },
  {
    email: 'auditor@waypoint.example.org',
    password: 'waypoint-auditor-demo',
    displayName: 'Ravi Auditor',
    forceId: 'norfolk',
    roles: ['auditor'],
  },
]

export async function seedDemo(app: App): Promise<DemoUser[]> {
  for (const u of demoUsers) {
    if (await app.services.staff.repository.findByEmail(u.email)) continue
    await app.services.staff.create(
      {
        forceId: u.forceId,
        email: u.email,
        displayName: u.displayName,
        roles: u.roles,
        passwordHash: await hashPassword(u.password),
      },
      null,
    )
  }
  return demoUsers
}
