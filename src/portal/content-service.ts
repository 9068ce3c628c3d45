// The Portal's words per force and what people think of the Portal (decision 0035). A force
// administrator publishes a new version of a text (CP-186), or asks a second person to approve it
// when the force wants that; every version is kept and any may be published again. People read
// the words on the citizen pages (CP-122, CP-132, CP-143, CP-144) and follow the force's Single
// Online Home links (CP-22, CP-73, CP-75); they rate the service (CP-127), and the force reads its
// usage and satisfaction by week (CP-145, CP-146).
import type { ApprovalActor, ApprovalService } from '../platform/approvals/approval-service.ts'
import type { ChangeRequest } from '../platform/approvals/change-request-repository.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { HeldValues } from '../platform/cache.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { DateTime } from 'luxon'
import {
  type Block,
  type ContentKey,
  type ContentLanguage,
  checkContent,
  checkSohLinks,
  contentTitles,
  contentTitlesCy,
  defaultContent,
  type ForceFacts,
  hasWelsh,
  isContentKey,
  parseContent,
  parseSohLinks,
  type SohLinks,
  sohLinkFields,
} from './content.ts'
import type { ContentRepository, ContentVersion, UsageWeek } from './content-repository.ts'

export type ContentActor = ApprovalActor

export type PublishOutcome =
  | { kind: 'published'; version: number }
  | { kind: 'requested' }
  | { kind: 'unchanged' }

export interface CitizenContent {
  key: ContentKey
  /** The language of the words shown: Welsh for a person whose language is Welsh, when there are Welsh words. */
  language: ContentLanguage
  title: string
  blocks: Block[]
  links: SohLinks
  force: ForceFacts & { id: string }
}

export const FEEDBACK_COMMENT_MAX = 1200
export const ratingWords: Record<number, string> = {
  5: 'Very satisfied',
  4: 'Satisfied',
  3: 'Neither satisfied nor dissatisfied',
  2: 'Dissatisfied',
  1: 'Very dissatisfied',
}

/** How long a process reuses a force's words before reading them again (other processes' edits). */
export const CONTENT_CACHE_MS = 60_000

export class PortalContentService {
  readonly #db: Database
  /** Each force's current words, read at most once a minute per process (decision 0035). */
  readonly #cached = new Map<
    string,
    { at: number; bodies: Awaited<ReturnType<PortalContentService['bodies']>> }
  >()
  /** Visits this process has already recorded today: `day|force|account`. */
  readonly #visited = new Set<string>()
  /**
   * The language each person's record gives, held a minute: read for every citizen page of a
   * person who has chosen none (decision 0057), it would otherwise cost the page a transaction
   * in the force (decision 0059); a change on the record shows within the minute.
   */
  readonly #languages = new HeldValues<ContentLanguage>({ ttlMs: 60_000, maxEntries: 20_000 })
  #visitDay = ''
  readonly #repo: ContentRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #approvals: ApprovalService
  readonly #force: (forceId: string) => Promise<ForceFacts | undefined>

  constructor(deps: {
    db: Database
    repo: ContentRepository
    clock: Clock
    audit: AuditService
    approvals: ApprovalService
    /** The force's name and contact details, or undefined when it does not run the Portal. */
    force: (forceId: string) => Promise<ForceFacts | undefined>
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#approvals = deps.approvals
    this.#force = deps.force
  }

  /** The current words of each text, the force's own or Waypoint's default. */
  async bodies(
    tx: Tx,
    forceId: string,
  ): Promise<
    Record<
      ContentKey,
      {
        body: string
        version: ContentVersion | undefined
        /** The Welsh words, when the force has published them (decision 0046). */
        cy: ContentVersion | undefined
      }
    >
  > {
    const current = await this.#repo.current(tx, forceId)
    const of = (key: ContentKey) => {
      const version = current.find((v) => v.key === key && v.language === 'en')
      const cy = current.find((v) => v.key === key && v.language === 'cy')
      return { body: version?.body ?? defaultContent(key, forceId), version, cy }
    }
    return { rights: of('rights'), complaints: of('complaints'), help: of('help'), links: of('links') }
  }

  /**
   * The language a signed-in person reads the force's pages in: Welsh when the force's records
   * give Welsh as the language of the person their account is linked to in this force (the most
   * recent link), English otherwise, and for anyone not signed in (decision 0046).
   */
  async languageOf(
    forceId: string,
    links: readonly { forceId: string; personId: string; linkedAt: Date }[],
  ): Promise<ContentLanguage> {
    const link = links
      .filter((l) => l.forceId === forceId)
      .sort((a, b) => b.linkedAt.getTime() - a.linkedAt.getTime())[0]
    if (!link) return 'en'
    return this.#languages.fetch(`${forceId}:${link.personId}`, async () => {
      const language = await this.#db.withForce(forceId, (tx) =>
        this.#repo.languageOfPerson(tx, link.personId),
      )
      return language === 'cy' ? 'cy' : 'en'
    })
  }

  /** The current words for citizen pages, from this process's copy when it is fresh. */
  async #current(forceId: string) {
    const now = this.#clock.now().getTime()
    const cached = this.#cached.get(forceId)
    if (cached && now - cached.at < CONTENT_CACHE_MS) return cached.bodies
    const bodies = await this.#db.withForce(forceId, (tx) => this.bodies(tx, forceId))
    this.#cached.set(forceId, { at: now, bodies })
    return bodies
  }

  /** A citizen page's words for a force running the Portal; another force is not found. */
  async citizenPage(
    forceId: string,
    key: ContentKey,
    language: ContentLanguage = 'en',
  ): Promise<CitizenContent> {
    const force = await this.#force(forceId)
    if (!force) throw new NotFoundError('The page')
    const bodies = await this.#current(forceId)
    // Welsh words when the person reads Welsh and the force has them; otherwise English.
    const welsh = language === 'cy' && hasWelsh(key) ? bodies[key].cy : undefined
    return {
      key,
      language: welsh ? 'cy' : 'en',
      title: welsh ? contentTitlesCy[key] : contentTitles[key],
      blocks: key === 'links' ? [] : parseContent(welsh?.body ?? bodies[key].body, force),
      links: parseSohLinks(bodies.links.body, forceId),
      force: { ...force, id: forceId },
    }
  }

  /** The force's Single Online Home links, for the dashboard and case pages. */
  async sohLinks(forceId: string): Promise<SohLinks> {
    const bodies = await this.#current(forceId)
    return parseSohLinks(bodies.links.body, forceId)
  }

  /** The console's overview: each text, its version and who published it, and any waiting change. */
  async overview(forceId: string) {
    return this.#db.withForce(forceId, async (tx) => {
      const bodies = await this.bodies(tx, forceId)
      const out = []
      for (const key of ['rights', 'complaints', 'help', 'links'] as const)
        out.push({
          key,
          title: contentTitles[key],
          version: bodies[key].version,
          hasWelsh: hasWelsh(key),
          cy: bodies[key].cy,
          pending:
            (await this.#approvals.pendingFor(tx, forceId, 'portal-content', key)) ??
            (hasWelsh(key)
              ? await this.#approvals.pendingFor(tx, forceId, 'portal-content', subjectOf(key, 'cy'))
              : undefined),
        })
      return out
    })
  }

  /** One text for the editor: its words now, every version kept, and any waiting change. */
  async editor(forceId: string, key: string) {
    if (!isContentKey(key)) throw new NotFoundError('The page')
    // Read before the transaction: the force's settings may need the one connection PGlite has.
    const approvalRequired = await this.#approvals.required(forceId)
    return this.#db.withForce(forceId, async (tx) => {
      const bodies = await this.bodies(tx, forceId)
      return {
        key,
        title: contentTitles[key],
        body: bodies[key].body,
        links: key === 'links' ? parseSohLinks(bodies[key].body, forceId) : undefined,
        versions: await this.#repo.versions(tx, forceId, key),
        pending: await this.#approvals.pendingFor(tx, forceId, 'portal-content', key),
        // The Welsh words beside the English (decision 0046): none until the force writes them.
        welsh: hasWelsh(key)
          ? {
              title: contentTitlesCy[key],
              body: bodies[key].cy?.body ?? '',
              versions: await this.#repo.versions(tx, forceId, key, 'cy'),
              pending: await this.#approvals.pendingFor(tx, forceId, 'portal-content', subjectOf(key, 'cy')),
            }
          : undefined,
        approvalRequired,
      }
    })
  }

  /** Checks and publishes new words, or asks for approval of them (audited either way). */
  async publish(
    forceId: string,
    key: string,
    input: { body?: string; links?: Partial<Record<keyof SohLinks, string>>; language?: ContentLanguage },
    actor: ContentActor,
  ): Promise<PublishOutcome> {
    if (!isContentKey(key)) throw new NotFoundError('The page')
    const language = input.language ?? 'en'
    if (language === 'cy' && !hasWelsh(key)) throw new NotFoundError('The Welsh version of this page')
    let body: string
    if (key === 'links') {
      const { links, errors } = checkSohLinks(input.links ?? {})
      if (errors.length) throw new ValidationError(errors)
      body = JSON.stringify(links)
    } else {
      body = (input.body ?? '').replace(/\r\n?/g, '\n').trim()
      const field = language === 'cy' ? 'bodyCy' : 'body'
      const problems = checkContent(body)
      if (problems.length) throw new ValidationError(problems.map((message) => ({ field, message })))
    }
    return this.#change(forceId, key, language, body, actor, 'Change the words')
  }

  /** Publishes an earlier version's words again as the newest version (or asks approval for it). */
  async republish(
    forceId: string,
    key: string,
    version: number,
    actor: ContentActor,
    language: ContentLanguage = 'en',
  ): Promise<PublishOutcome> {
    if (!isContentKey(key)) throw new NotFoundError('The page')
    const earlier = await this.#db.withForce(forceId, async (tx) =>
      (await this.#repo.versions(tx, forceId, key, language)).find((v) => v.version === version),
    )
    if (!earlier) throw new NotFoundError('The version')
    return this.#change(forceId, key, language, earlier.body, actor, `Publish version ${version} again`)
  }

  async #change(
    forceId: string,
    key: ContentKey,
    language: ContentLanguage,
    body: string,
    actor: ContentActor,
    summary: string,
  ) {
    const required = await this.#approvals.required(forceId)
    return this.#db.withForce(forceId, async (tx): Promise<PublishOutcome> => {
      const current = (await this.bodies(tx, forceId))[key]
      const before = language === 'cy' ? (current.cy?.body ?? '') : current.body
      if (before === body) return { kind: 'unchanged' }
      const welsh = language === 'cy' ? ' (Welsh)' : ''
      if (required) {
        await this.#approvals.request(
          tx,
          {
            forceId,
            kind: 'portal-content',
            subjectId: subjectOf(key, language),
            subjectName: `Portal page: ${contentTitles[key]}${welsh}`,
            summary: `${summary}${welsh}`,
            diff: diffOf(key, forceId, before, body, welsh),
            proposal: { key, body, language },
          },
          actor,
        )
        return { kind: 'requested' }
      }
      const version = await this.#add(tx, forceId, key, language, body, actor.id, null, actor)
      return { kind: 'published', version }
    })
  }

  /** The approval pattern's `apply`: the author's words become the newest version. */
  async applyApproved(tx: Tx, request: ChangeRequest, approver: ApprovalActor): Promise<string> {
    const { key, body, language } = request.proposal as { key: string; body: string; language?: string }
    if (!isContentKey(key)) throw new NotFoundError('The page')
    const version = await this.#add(
      tx,
      request.forceId,
      key,
      language === 'cy' && hasWelsh(key) ? 'cy' : 'en',
      body,
      request.requestedBy,
      approver.id,
      approver,
    )
    return `Version ${version}`
  }

  async #add(
    tx: Tx,
    forceId: string,
    key: ContentKey,
    language: ContentLanguage,
    body: string,
    createdBy: string,
    approvedBy: string | null,
    actor: ApprovalActor,
  ): Promise<number> {
    const version = await this.#repo.add(tx, {
      forceId,
      key,
      language,
      body,
      createdBy,
      approvedBy,
      at: this.#clock.now(),
    })
    this.#cached.delete(forceId)
    await this.#audit.record(
      {
        action: 'portal.content-published',
        forceId,
        actor: { kind: 'staff', id: actor.id, name: actor.name },
        recordType: 'portal-content',
        recordId: key,
        detail: { key, language, version, ...(approvedBy ? { approvedBy } : {}) },
        ip: actor.ip,
      },
      tx,
    )
    return version
  }

  /**
   * CP-127: a person's rating of the service for a force running the Portal, kept without who
   * gave it. The audit trail records that feedback was given, not by whom nor what it said.
   */
  async giveFeedback(
    forceId: string,
    input: { rating?: string; foundWhatNeeded?: string; comment?: string },
  ): Promise<void> {
    if (!(await this.#force(forceId))) throw new NotFoundError('The page')
    const rating = Number(input.rating)
    const errors: { field: string; message: string }[] = []
    if (!Number.isInteger(rating) || rating < 1 || rating > 5)
      errors.push({ field: 'rating', message: 'Select how you feel about this service' })
    const found = input.foundWhatNeeded?.trim() || null
    if (found !== null && !['yes', 'partly', 'no'].includes(found))
      errors.push({ field: 'foundWhatNeeded', message: 'Select whether you could do what you needed to' })
    const comment = input.comment?.trim() || null
    if (comment && comment.length > FEEDBACK_COMMENT_MAX)
      errors.push({
        field: 'comment',
        message: `Your comments must be ${FEEDBACK_COMMENT_MAX} characters or fewer`,
      })
    if (errors.length) throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      const id = await this.#repo.addFeedback(tx, {
        forceId,
        rating,
        foundWhatNeeded: found,
        comment,
        at: this.#clock.now(),
      })
      await this.#audit.record(
        {
          action: 'portal.feedback-given',
          forceId,
          actor: { kind: 'system' },
          recordType: 'portal-feedback',
          recordId: id,
        },
        tx,
      )
    })
  }

  /** CP-145: the signed-in person opened their cases today, in each force with a case of theirs. */
  async recordVisit(accountId: string, forceIds: Iterable<string>): Promise<void> {
    const day = DateTime.fromJSDate(this.#clock.now(), { zone: 'Europe/London' }).toISODate()!
    if (day !== this.#visitDay) {
      this.#visited.clear()
      this.#visitDay = day
    }
    for (const forceId of new Set(forceIds)) {
      // Once a day per person and force is all the report counts: later views cost nothing.
      const seen = `${forceId}|${accountId}`
      if (this.#visited.has(seen)) continue
      await this.#db.withForce(forceId, (tx) => this.#repo.recordVisit(tx, forceId, day, accountId))
      this.#visited.add(seen)
    }
  }

  /** CP-145, CP-146: the force's usage and satisfaction for the weeks from `from` to `to`. */
  async usageReport(forceId: string, from: Date, to: Date) {
    return this.#db.withForce(forceId, async (tx) => {
      const weeks: UsageWeek[] = await this.#repo.usage(tx, forceId, from, to)
      const uptake = await this.#repo.uptake(tx, forceId)
      const comments = await this.#repo.comments(tx, forceId, from, to, 50)
      return { weeks, uptake, comments }
    })
  }
}

/** The approval page's words before and after, field by field. */
function diffOf(key: ContentKey, forceId: string, before: string, after: string, suffix = '') {
  if (key !== 'links') return [{ label: `${contentTitles[key]}${suffix}`, before, after }]
  const a = parseSohLinks(before, forceId)
  const b = parseSohLinks(after, forceId)
  return sohLinkFields
    .filter((f) => a[f.name] !== b[f.name])
    .map((f) => ({ label: f.label, before: a[f.name], after: b[f.name] }))
}

/** What a change request is about: the page, or its Welsh version (`rights:cy`). */
function subjectOf(key: ContentKey, language: ContentLanguage): string {
  return language === 'cy' ? `${key}:cy` : key
}
