// Citizen sessions: the seam where identity providers (GOV.UK One Login, with the Portal) sign a
// citizen in. A citizen session is a row of the same server-side `sessions` table with
// `subject_kind = 'citizen'`, carried by a cookie of its own, so a browser may hold a staff and a
// citizen session side by side and neither ever stands in for the other. Idle and absolute
// timeouts are the staff ones (SessionService); each sign-in issues a new session id and ends
// the one the browser had (no session fixation); CSRF tokens are bound to the citizen session.
import { sql } from 'drizzle-orm'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.ts'
import type { Database } from '../db/database.ts'
import { ValidationError } from '../errors.ts'
import { CITIZEN_SESSION_COOKIE } from './server.ts'
import type { SessionService } from './session-service.ts'

export interface CitizenSignIn {
  /** The identity provider's subject for the person (One Login's `sub`). */
  subject: string
  forceId: string
  /** Which identity provider vouched for the person. */
  provider?: string
}

export class CitizenSessions {
  readonly #db: Database
  readonly #sessions: SessionService
  readonly #clock: Clock
  readonly #secureCookie: boolean

  constructor(deps: { db: Database; sessions: SessionService; clock: Clock; secureCookie: boolean }) {
    this.#db = deps.db
    this.#sessions = deps.sessions
    this.#clock = deps.clock
    this.#secureCookie = deps.secureCookie
  }

  /**
   * Signs a citizen in, once an identity provider has vouched for them: finds or records their
   * Waypoint id, ends any citizen session the browser had and starts a new one.
   */
  async signIn(
    request: FastifyRequest,
    reply: FastifyReply,
    who: CitizenSignIn,
  ): Promise<{ citizenId: string }> {
    const provider = who.provider ?? 'one-login'
    if (!who.subject || who.subject.length > 255 || !who.forceId || provider.length > 40)
      throw new ValidationError([
        { field: 'subject', message: 'The identity provider’s answer is not valid' },
      ])
    const now = this.#clock.now()
    const citizenId = await this.#db.withForce(who.forceId, async (tx) => {
      const result = (await tx.execute(sql`
        insert into citizen_identities (force_id, provider, subject, created_at, last_signed_in_at)
        values (${who.forceId}, ${provider}, ${who.subject}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
        on conflict (force_id, provider, subject) do update set last_signed_in_at = excluded.last_signed_in_at
        returning id`)) as unknown as { rows: { id: string }[] }
      return result.rows[0]!.id
    })
    const issued = await this.#sessions.start(
      { subjectKind: 'citizen', subjectId: citizenId, forceId: who.forceId },
      // The provider's subject too: an account that spans forces is found by it, not by the
      // per-force id (decision 0023).
      { provider, subject: who.subject },
      { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' },
      request.citizenSession?.id,
    )
    request.citizenSession = issued.session
    request.citizen = { id: citizenId, forceId: who.forceId }
    reply.setCookie(CITIZEN_SESSION_COOKIE, issued.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.#secureCookie,
      signed: true,
      maxAge: this.#sessions.maxAgeSeconds,
    })
    return { citizenId }
  }

  /**
   * Forgets a provider's subject everywhere: every citizen session signed in with it ends and
   * its per-force ids go (an account deleted at the person's request, CP-33).
   */
  async forget(provider: string, subject: string): Promise<void> {
    await this.endSessions(provider, subject)
    await this.#db.asSystem((tx) =>
      tx.execute(sql`delete from citizen_identities where provider = ${provider} and subject = ${subject}`),
    )
  }

  /** Ends every citizen session signed in with a provider's subject (a new password, CP-24). */
  async endSessions(provider: string, subject: string): Promise<void> {
    await this.#db.asSystem((tx) =>
      tx.execute(sql`
        delete from sessions where subject_kind = 'citizen'
          and data->>'provider' = ${provider} and data->>'subject' = ${subject}`),
    )
  }

  /** Ends the browser's citizen session; a staff session in the same browser is untouched. */
  async signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.citizenSession) await this.#sessions.end(request.citizenSession.id)
    request.citizenSession = undefined
    request.citizen = undefined
    reply.clearCookie(CITIZEN_SESSION_COOKIE, { path: '/' })
  }
}
