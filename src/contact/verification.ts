// Verifying who a caller is (CRM-15). The caller is matched to a known person by the number they
// call from (the conversation's own matching, as for a text's sender, and the records merged into
// that person's single view); if the number is on several people's records, the handler chooses.
// Then either a one-time code goes to the contact detail on record (a text to the mobile number,
// through messaging's channels, as a sensitive message: staff, the outbox and the write-back see
// "[code hidden]", migration 1020) and the caller reads it back, or the handler asks questions
// from what the sources hold (date of birth, postcode, crime reference) and types the answers.
// The method, outcome and who ran it are kept on the contact and audited. A contact allows three
// verifications and a code three tries; a code lasts ten minutes.
import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { addressKey } from '../messaging/addresses.ts'
import type { SchedulingService } from '../messaging/scheduling-service.ts'
import type { TemplateService } from '../messaging/template-service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import type { Acting } from './queue.ts'
import type { ItemRow, QueueRepository } from './queue-repository.ts'
import type { ContactRepository } from './repository.ts'
import type { TelephonyRepository, VerificationRow } from './telephony-repository.ts'

export const MAX_VERIFICATIONS = 3
export const MAX_CODE_TRIES = 3
export const CODE_MINUTES = 10

export const questionNames = {
  dateOfBirth: 'Date of birth',
  postcode: 'Postcode',
  crimeReference: 'Crime reference',
} as const
export type Question = keyof typeof questionNames

export const verificationTemplate = {
  key: 'contact-verification-code',
  title: 'Contact: caller verification code',
  subject: 'Your security code',
  body: 'Your security code for your call with ((force_name)) is ((code)). Read it to the person you are speaking to. It expires in 10 minutes.',
} as const

export interface VerificationState {
  /** People the caller may be, by their number; the contact's person first. */
  candidates: { personId: string; name: string | null; phone: string | null; why: string }[]
  attempts: VerificationRow[]
  pending: VerificationRow | undefined
  verified: VerificationRow | undefined
  remaining: number
  /** For each candidate, which questions the sources can answer. */
  questions: Record<string, Question[]>
}

const postcodePattern = /\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b/i
const normalisePostcode = (text: string) => {
  const m = postcodePattern.exec(text.toUpperCase())
  return m ? `${m[1]} ${m[2]}` : null
}
const normaliseReference = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]/g, '')

/** A typed date of birth as YYYY-MM-DD: 3/11/1979, 03-11-1979, 1979-11-03. */
export function normaliseDate(text: string): string | null {
  const t = text.trim()
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t)
  const uk = /^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$/.exec(t)
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : uk ? [uk[3], uk[2], uk[1]] : []
  if (!y || !m || !d) return null
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
}

function describeMobile(number: string): string {
  return `mobile number ending ${number.replace(/\D/g, '').slice(-3)}`
}

export class VerificationService {
  readonly #db: Database
  readonly #repo: TelephonyRepository
  readonly #queueRepo: QueueRepository
  readonly #people: ContactRepository
  readonly #scheduling: SchedulingService
  readonly #templates: TemplateService
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #secret: string

  constructor(deps: {
    db: Database
    repo: TelephonyRepository
    queueRepo: QueueRepository
    people: ContactRepository
    scheduling: SchedulingService
    templates: TemplateService
    clock: Clock
    audit: AuditService
    /** Keys the codes' hashes, so a database reader cannot try the million codes. */
    secret: string
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#queueRepo = deps.queueRepo
    this.#people = deps.people
    this.#scheduling = deps.scheduling
    this.#templates = deps.templates
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#secret = deps.secret
  }

  #hash(verificationId: string, code: string): string {
    return createHmac('sha256', this.#secret).update(`${verificationId}:${code}`).digest('hex')
  }

  /** The people the caller may be: the contact's person (and records merged into their view), or those holding the number. */
  async #candidates(tx: Tx, item: ItemRow): Promise<VerificationState['candidates']> {
    const found: VerificationState['candidates'] = []
    const number = item.channel === 'phone' || item.channel === 'sms' ? item.citizenAddress : null
    if (item.personId) {
      const phones = await this.#repo.phonesOf(tx, item.personId)
      found.push({
        personId: item.personId,
        name: item.personName,
        phone: phones.find((p) => p.mobile)?.value ?? phones[0]?.value ?? null,
        why: 'Matched by the number they contacted us from',
      })
      for (const link of await this.#people.activeLinks(tx, item.personId)) {
        const linked = await this.#repo.phonesOf(tx, link.mergedPersonId)
        found.push({
          personId: link.mergedPersonId,
          name: link.mergedName ?? null,
          phone: linked[0]?.value ?? null,
          why: `Merged into their single view (${link.confidence}% confidence)`,
        })
      }
    } else if (number) {
      for (const p of await this.#peopleWithNumber(tx, number))
        found.push({ ...p, why: 'Holds the number they contacted us from' })
    }
    return found
  }

  async #peopleWithNumber(tx: Tx, key: string) {
    const candidates = await rows<{ personId: string; name: string | null; value: string }>(
      tx,
      sql`select cp.person_id as "personId", p.display_name as name, cp.value from contact_points cp
          join people p on p.id = cp.person_id
          where cp.kind = 'phone' and right(regexp_replace(cp.value, '[^0-9]', '', 'g'), 10) = ${key.replace(/\D/g, '').slice(-10)}
          limit 20`,
    )
    return candidates
      .filter((c) => addressKey('sms', c.value) === key)
      .map((c) => ({ personId: c.personId, name: c.name, phone: c.value }))
  }

  async #questions(tx: Tx, personId: string): Promise<Question[]> {
    const known = await this.#repo.knowledgeOf(tx, personId)
    const asked: Question[] = []
    if (known.dateOfBirth) asked.push('dateOfBirth')
    if (known.addresses.some((a) => normalisePostcode(a))) asked.push('postcode')
    if (known.crimeRefs.length > 0) asked.push('crimeReference')
    return asked
  }

  async state(tx: Tx, item: ItemRow): Promise<VerificationState> {
    const attempts = await this.#repo.verifications(tx, item.id)
    const candidates = await this.#candidates(tx, item)
    const questions: Record<string, Question[]> = {}
    for (const c of candidates) questions[c.personId] = await this.#questions(tx, c.personId)
    return {
      candidates,
      attempts,
      pending: attempts.find((a) => a.status === 'pending' && a.method === 'code'),
      verified: attempts.find((a) => a.status === 'verified'),
      remaining: Math.max(0, MAX_VERIFICATIONS - attempts.length),
      questions,
    }
  }

  async #mine(tx: Tx, itemId: string, acting: Acting, field: string) {
    const item = await this.#queueRepo.item(tx, itemId)
    if (!item) throw new NotFoundError('The contact')
    if (item.assignedTo !== acting.staffId || item.status !== 'assigned')
      throw new ValidationError([
        { field, message: 'Only the handler who has this contact may verify the caller' },
      ])
    const state = await this.state(tx, item)
    if (state.verified) throw new ValidationError([{ field, message: 'The caller is already verified' }])
    return { item, state }
  }

  #record(
    tx: Tx,
    forceId: string,
    acting: Acting,
    action: string,
    itemId: string,
    detail: Record<string, unknown>,
  ) {
    return this.#audit.record(
      {
        action,
        forceId,
        actor: acting.actor,
        ip: acting.ip ?? null,
        correlationId: acting.correlationId ?? null,
        recordType: 'contact',
        recordId: itemId,
        detail,
      },
      tx,
    )
  }

  /** Sends a one-time code by text to the mobile number on the chosen person's record. */
  async sendCode(forceId: string, itemId: string, input: { person?: string }, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const { state } = await this.#mine(tx, itemId, acting, 'person')
      const person = state.candidates.find((c) => c.personId === input.person)
      if (!person)
        throw new ValidationError([{ field: 'person', message: 'Choose who the caller says they are' }])
      if (state.pending)
        throw new ValidationError([
          { field: 'code', message: 'A code was sent: enter the code the caller reads out' },
        ])
      if (state.remaining === 0)
        throw new ValidationError([
          {
            field: 'person',
            message: `The caller cannot be verified on this contact: ${MAX_VERIFICATIONS} attempts were made`,
          },
        ])
      const mobile = (await this.#repo.phonesOf(tx, person.personId)).find(
        (p) => p.mobile || /^(\+?44|0)7/.test(p.value.replace(/\s/g, '')),
      )
      if (!mobile)
        throw new ValidationError([
          {
            field: 'person',
            message: 'No mobile number is on record for them: ask the security questions instead',
          },
        ])
      const now = this.#clock.now()
      await this.#ensureTemplate(tx, forceId)
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
      const id = randomUUID()
      await this.#repo.insertVerification(tx, {
        id,
        forceId,
        itemId,
        personId: person.personId,
        method: 'code',
        status: 'pending',
        sentTo: describeMobile(mobile.value),
        codeHash: this.#hash(id, code),
        codeExpiresAt: new Date(now.getTime() + CODE_MINUTES * 60_000),
        by: acting.staffId,
        at: now,
      })
      const message = await this.#scheduling.schedule(tx, {
        forceId,
        personId: person.personId,
        channel: 'sms',
        to: mobile.value,
        templateKey: verificationTemplate.key,
        personalisation: { code, force_name: await this.#forceName(tx, forceId) },
        dueAt: now,
        // The caller is on the line now, at any hour.
        urgent: true,
        // Only the caller may read it (migration 1020).
        credentials: { code: 'code' },
        actorId: acting.staffId,
      })
      if (message.status === 'suppressed')
        throw new ValidationError([
          {
            field: 'person',
            message: 'The code could not be sent to their number: ask the security questions instead',
          },
        ])
      await this.#record(tx, forceId, acting, 'contact.verification-code-sent', itemId, {
        person: person.personId,
        verification: id,
      })
    })
  }

  /** Checks the code the caller reads out. */
  async checkCode(
    forceId: string,
    itemId: string,
    input: { code?: string },
    acting: Acting,
  ): Promise<'verified' | 'pending' | 'failed'> {
    const code = (input.code ?? '').replace(/\s/g, '')
    if (!/^\d{6}$/.test(code))
      throw new ValidationError([{ field: 'code', message: 'Enter the 6-digit code the caller reads out' }])
    return this.#db.withForce(forceId, async (tx) => {
      const { state } = await this.#mine(tx, itemId, acting, 'code')
      const pending = state.pending
      if (!pending?.codeHash) throw new ValidationError([{ field: 'code', message: 'Send a code first' }])
      const now = this.#clock.now()
      const expired = !pending.codeExpiresAt || pending.codeExpiresAt.getTime() < now.getTime()
      const expected = Buffer.from(pending.codeHash, 'hex')
      const given = Buffer.from(this.#hash(pending.id, code), 'hex')
      const right = !expired && expected.length === given.length && timingSafeEqual(expected, given)
      const outcome = right
        ? 'verified'
        : expired || pending.codeTries + 1 >= MAX_CODE_TRIES
          ? 'failed'
          : 'pending'
      await this.#repo.codeTried(tx, pending.id, { status: outcome, at: now })
      await this.#record(
        tx,
        forceId,
        acting,
        right ? 'contact.caller-verified' : 'contact.verification-code-wrong',
        itemId,
        {
          method: 'code',
          person: pending.personId,
          outcome,
          ...(expired ? { expired: true } : {}),
        },
      )
      return outcome
    })
  }

  /** Checks the answers the caller gave to the questions the sources can answer: all must be right, at least two. */
  async checkAnswers(
    forceId: string,
    itemId: string,
    input: { person?: string; dateOfBirth?: string; postcode?: string; crimeReference?: string },
    acting: Acting,
  ): Promise<'verified' | 'failed'> {
    return this.#db.withForce(forceId, async (tx) => {
      const { state } = await this.#mine(tx, itemId, acting, 'person')
      const person = state.candidates.find((c) => c.personId === input.person)
      if (!person)
        throw new ValidationError([{ field: 'person', message: 'Choose who the caller says they are' }])
      if (state.remaining === 0)
        throw new ValidationError([
          {
            field: 'person',
            message: `The caller cannot be verified on this contact: ${MAX_VERIFICATIONS} attempts were made`,
          },
        ])
      const asked = state.questions[person.personId] ?? []
      if (asked.length < 2)
        throw new ValidationError([
          {
            field: 'person',
            message: 'The records hold too little to ask security questions: send a code instead',
          },
        ])
      const errors = asked
        .filter((q) => !(input[q] ?? '').trim())
        .map((q) => ({ field: q, message: `Enter the caller’s answer: ${questionNames[q].toLowerCase()}` }))
      if (errors.length) throw new ValidationError(errors)
      const known = await this.#repo.knowledgeOf(tx, person.personId)
      const matched = asked.filter((q) => {
        const answer = input[q] ?? ''
        if (q === 'dateOfBirth') return normaliseDate(answer) === known.dateOfBirth
        if (q === 'postcode') {
          const given = normalisePostcode(answer)
          return given !== null && known.addresses.some((a) => normalisePostcode(a) === given)
        }
        return known.crimeRefs.some((r) => normaliseReference(r) === normaliseReference(answer))
      })
      const outcome = matched.length === asked.length ? 'verified' : 'failed'
      const now = this.#clock.now()
      await this.#repo.insertVerification(tx, {
        forceId,
        itemId,
        personId: person.personId,
        method: 'knowledge',
        status: outcome,
        questions: asked,
        matched,
        by: acting.staffId,
        at: now,
        decidedAt: now,
      })
      await this.#record(
        tx,
        forceId,
        acting,
        outcome === 'verified' ? 'contact.caller-verified' : 'contact.caller-not-verified',
        itemId,
        {
          method: 'knowledge',
          person: person.personId,
          asked,
          matched,
        },
      )
      return outcome
    })
  }

  async #forceName(tx: Tx, forceId: string): Promise<string> {
    const [force] = await rows<{ name: string }>(tx, sql`select name from forces where id = ${forceId}`)
    return force?.name ?? forceId
  }

  /** The code's template, added for the force the first time it is needed; a force's own version is kept. */
  async #ensureTemplate(tx: Tx, forceId: string): Promise<void> {
    const existing = await this.#templates.templates(tx, forceId)
    if (existing.some((t) => t.key === verificationTemplate.key && t.channel === 'sms')) return
    await this.#templates.addTemplateVersion(tx, {
      forceId,
      key: verificationTemplate.key,
      title: verificationTemplate.title,
      channel: 'sms',
      language: 'en',
      body: verificationTemplate.body,
    })
  }
}
