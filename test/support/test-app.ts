// A whole Waypoint for one test file: same composition root as production, a fresh database,
// a clock the test controls, and helpers to act as a signed-in member of staff.
import type { LightMyRequestResponse } from 'fastify'
import { type App, type AppOptions, createApp } from '../../src/app.ts'
import type { StaffRole } from '../../src/platform/auth/roles.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { type Config, loadConfig } from '../../src/platform/config.ts'
import { SESSION_COOKIE } from '../../src/platform/http/server.ts'
import { createTestDatabase, type TestDatabase } from './test-database.ts'

export interface TestApp {
  app: App
  clock: FixedClock
  database: TestDatabase
  /** Creates a member of staff with these roles and a signed-in session. */
  signInAs(roles: StaffRole[], forceId?: string | null, name?: string): Promise<SignedIn>
  close(): Promise<void>
}

export interface SignedIn {
  userId: string
  cookie: string
  csrf: string
  get(url: string): Promise<LightMyRequestResponse>
  /** Posts a form with the session's CSRF token. */
  post(url: string, form?: Record<string, string | string[]>): Promise<LightMyRequestResponse>
}

let counter = 0

/**
 * A clock at the real time when that is inside every force's default sending window (09:00 to
 * 19:00 UTC, 08:00 to 21:00 in England all year, not 25 or 26 December), or else at noon UTC of
 * the next day that is. A test that sends a message and expects it to go at once uses it, so
 * that it passes at any hour: the real time keeps ID tokens and cookies from other servers
 * valid, and quiet hours would otherwise hold the message until morning.
 */
export function daytimeClock(now = new Date()): FixedClock {
  const sendable = (d: Date) =>
    d.getUTCHours() >= 9 &&
    d.getUTCHours() < 19 &&
    !(d.getUTCMonth() === 11 && [25, 26].includes(d.getUTCDate()))
  if (sendable(now)) return new FixedClock(now)
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12))
  if (day <= now) day.setUTCDate(day.getUTCDate() + 1)
  while (!sendable(day)) day.setUTCDate(day.getUTCDate() + 1)
  return new FixedClock(day)
}

export async function createTestApp(
  overrides: Partial<Config> = {},
  options: AppOptions & { clock?: FixedClock } = {},
): Promise<TestApp> {
  const database = await createTestDatabase()
  const clock = options.clock ?? new FixedClock(new Date())
  const config = loadConfig({ NODE_ENV: 'test' }, overrides)
  const app = await createApp(config, { ...options, db: database.db, clock })

  const signInAs = async (
    roles: StaffRole[],
    forceId: string | null = 'kent',
    name?: string,
  ): Promise<SignedIn> => {
    counter += 1
    const user = await app.services.staff.create(
      {
        forceId,
        email: `staff${counter}.${process.pid}@waypoint.example.org`,
        displayName: name ?? `Test User ${counter}`,
        roles,
      },
      null,
    )
    const { token, session } = await app.services.sessions.start(
      { subjectKind: 'staff', subjectId: user.id, forceId },
      {},
      { ip: '127.0.0.1' },
    )
    const cookie = `${SESSION_COOKIE}=${app.http.signCookie(token)}`
    const csrf = app.services.sessions.csrfToken(session.id)
    return {
      userId: user.id,
      cookie,
      csrf,
      get: (url) => app.http.inject({ method: 'GET', url, headers: { cookie } }),
      post: (url, form = {}) =>
        app.http.inject({
          method: 'POST',
          url,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(
            Object.entries({ ...form, _csrf: csrf }).flatMap(([k, v]) =>
              Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]],
            ),
          ).toString(),
        }),
    }
  }

  return {
    app,
    clock,
    database,
    signInAs,
    close: async () => {
      await app.stop()
      await database.close()
    },
  }
}

/**
 * `testRoutes` for tests of citizen pages: POST /test/citizen-sign-in { subject, forceId } signs a
 * citizen in through the same seam an identity provider's callback uses, and answers its result.
 */
export const citizenTestSignIn: NonNullable<AppOptions['testRoutes']> = (http, { citizenSessions }) => {
  http.post<{ Body: { subject: string; forceId: string } }>(
    '/test/citizen-sign-in',
    { config: { access: { custom: 'test only: stands in for an identity provider callback' } } },
    async (request, reply) => reply.send(await citizenSessions.signIn(request, reply, request.body)),
  )
}
