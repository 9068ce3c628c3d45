// Server-side sessions with idle and absolute timeouts (CP-44..47). The cookie holds a random
// token; the table key is its SHA-256, so a copy of the table cannot be replayed as a cookie.
// A new session is issued at every sign-in (no session fixation).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import type { SessionRepository, SessionRow } from './session-repository.ts'

export type Session = SessionRow

export interface SessionMeta {
  ip?: string
  userAgent?: string
}

export class SessionService {
  readonly #repo: SessionRepository
  readonly #config: Config['session']
  readonly #secret: string
  readonly #previousSecret: string | undefined
  readonly #clock: Clock

  /** `previousSecret` (SESSION_SECRET_PREVIOUS): form tokens it made still verify (decision 0049). */
  constructor(
    repo: SessionRepository,
    config: Config['session'],
    secret: string,
    clock: Clock,
    previousSecret?: string,
  ) {
    this.#repo = repo
    this.#config = config
    this.#secret = secret
    this.#previousSecret = previousSecret && previousSecret !== secret ? previousSecret : undefined
    this.#clock = clock
  }

  /**
   * The live session for a cookie token, or undefined when unknown, idle too long or too old.
   * `find` reads the row by its id (default: the session alone); a caller that needs more with
   * it (the Portal reads the citizen's account and links in the same query) passes its own.
   */
  async resolve(
    token: string | undefined,
    find: (id: string) => Promise<Session | undefined> = (id) => this.#repo.find(id),
  ): Promise<Session | undefined> {
    if (!token || token.length > 200) return undefined
    const id = hashToken(token)
    const session = await find(id)
    if (!session) return undefined
    const now = this.#clock.now()
    const idleLimit = session.lastSeenAt.getTime() + this.#config.idleMinutes * 60_000
    if (now.getTime() > idleLimit || now >= session.absoluteExpiresAt) {
      await this.#repo.delete(id)
      return undefined
    }
    // Touch at most once a minute to keep request cost low.
    if (now.getTime() - session.lastSeenAt.getTime() > 60_000) await this.#repo.touch(id, now)
    return session
  }

  async start(
    subject: Pick<Session, 'subjectKind' | 'subjectId' | 'forceId'>,
    data: Record<string, unknown>,
    meta: SessionMeta,
    previousId?: string,
  ): Promise<{ token: string; session: Session }> {
    if (previousId) await this.#repo.delete(previousId)
    const token = randomBytes(32).toString('base64url')
    const now = this.#clock.now()
    const session: Session = {
      id: hashToken(token),
      subjectKind: subject.subjectKind,
      subjectId: subject.subjectId ?? null,
      forceId: subject.forceId ?? null,
      data,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      createdAt: now,
      lastSeenAt: now,
      absoluteExpiresAt: new Date(now.getTime() + this.#config.absoluteHours * 3_600_000),
    }
    await this.#repo.insert(session)
    return { token, session }
  }

  async saveData(session: Session, data: Record<string, unknown>): Promise<void> {
    session.data = data
    await this.#repo.touch(session.id, this.#clock.now(), data)
  }

  end(sessionId: string): Promise<void> {
    return this.#repo.delete(sessionId)
  }

  endAllFor(kind: Session['subjectKind'], subjectId: string): Promise<void> {
    return this.#repo.deleteForSubject(kind, subjectId)
  }

  /** CSRF token bound to the session (synchroniser token derived with HMAC). */
  csrfToken(sessionId: string, secret = this.#secret): string {
    return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url')
  }

  isValidCsrfToken(sessionId: string, token: unknown): boolean {
    if (typeof token !== 'string') return false
    const given = Buffer.from(token)
    const secrets = this.#previousSecret ? [this.#secret, this.#previousSecret] : [this.#secret]
    return secrets.some((secret) => {
      const expected = Buffer.from(this.csrfToken(sessionId, secret))
      return expected.length === given.length && timingSafeEqual(expected, given)
    })
  }

  get maxAgeSeconds(): number {
    return this.#config.absoluteHours * 3600
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
