// Scripts and tagging (CRM-18, CRM-19, CRM-28). Supervisors and force administrators build a
// script from questions in the console, without code: each question has guidance for the handler
// and is answered by choosing an answer (which may branch to another question, end the script,
// and tag the contact) or in the handler's words. A draft is changed freely; publishing it makes
// the version the one handlers follow, and a published version never changes. A handler follows
// the published script on a contact they have; the run keeps the version it started on, every
// answer, and the tags those answers put on the contact. Every change is audited.
import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { type FieldError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { type Acting, auditActing } from './queue.ts'

export const SCRIPT_LIMITS = {
  title: 120,
  question: 300,
  guidance: 1000,
  option: 120,
  tag: 40,
  answer: 1000,
  options: 6,
  questions: 40,
} as const

export interface ScriptOption {
  label: string
  tags: string[]
  /** The question to go to; null: the next in order; 'end': the script ends. */
  next: string | null
}

export interface ScriptQuestion {
  id: string
  text: string
  guidance: string
  kind: 'choice' | 'text'
  options: ScriptOption[]
  /** For a question answered in words: where to go after it (as an option's `next`). */
  next: string | null
}

export interface ScriptVersion {
  id: string
  scriptId: string
  version: number
  status: 'draft' | 'published' | 'retired'
  questions: ScriptQuestion[]
  publishedAt: Date | null
}

export interface ScriptSummary {
  id: string
  title: string
  published: number | null
  draft: number | null
}

export interface ScriptRun {
  id: string
  itemId: string
  versionId: string
  version: number
  title: string
  questions: ScriptQuestion[]
  answers: { questionId: string; question: string; answer: string; at: string }[]
  nextQuestion: ScriptQuestion | null
  completedAt: Date | null
  tags: string[]
}

/** A tag as people type it, kept in one form: lower case words joined by hyphens. */
export function normaliseTag(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

/** Where a script goes after `question` answered with option `index` (or in words). */
export function nextAfter(
  questions: ScriptQuestion[],
  question: ScriptQuestion,
  index?: number,
): string | null {
  const target = index === undefined ? question.next : (question.options[index]?.next ?? null)
  if (target === 'end') return null
  if (target && questions.some((q) => q.id === target)) return target
  const at = questions.findIndex((q) => q.id === question.id)
  return questions[at + 1]?.id ?? null
}

export class ScriptService {
  readonly #db: Database
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: { db: Database; clock: Clock; audit: AuditService }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  async #record(
    tx: Tx,
    forceId: string,
    acting: Acting,
    action: string,
    type: string,
    id: string,
    detail = {},
  ) {
    await auditActing(this.#audit, tx, forceId, acting, { action, recordType: type, recordId: id, detail })
  }

  list(forceId: string): Promise<ScriptSummary[]> {
    return this.#db.withForce(forceId, (tx) =>
      rows<ScriptSummary>(
        tx,
        sql`select s.id, s.title,
              (select v.version from contact_script_versions v where v.script_id = s.id and v.status = 'published') as published,
              (select v.version from contact_script_versions v where v.script_id = s.id and v.status = 'draft') as draft
            from contact_scripts s order by s.title, s.id`,
      ),
    )
  }

  /** A new script, with an empty draft version 1. */
  async create(forceId: string, input: { title?: string }, acting: Acting): Promise<string> {
    const title = (input.title ?? '').trim()
    if (!title) throw new ValidationError([{ field: 'title', message: 'Enter a title for the script' }])
    if (title.length > SCRIPT_LIMITS.title)
      throw new ValidationError([
        { field: 'title', message: `Title must be ${SCRIPT_LIMITS.title} characters or fewer` },
      ])
    return this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      const [script] = await rows<{ id: string }>(
        tx,
        sql`insert into contact_scripts (force_id, title, created_by, created_at)
            values (${forceId}, ${title}, ${acting.staffId}, ${now}) returning id`,
      )
      await tx.execute(
        sql`insert into contact_script_versions (force_id, script_id, version, status, created_by, created_at)
            values (${forceId}, ${script!.id}, 1, 'draft', ${acting.staffId}, ${now})`,
      )
      await this.#record(tx, forceId, acting, 'contact-script.created', 'contact-script', script!.id, {
        title,
      })
      return script!.id
    })
  }

  /** A script with its versions, newest first. */
  async script(
    forceId: string,
    scriptId: string,
  ): Promise<{ id: string; title: string; versions: ScriptVersion[] }> {
    return this.#db.withForce(forceId, async (tx) => {
      const [script] = await rows<{ id: string; title: string }>(
        tx,
        sql`select id, title from contact_scripts where id = ${scriptId}`,
      )
      if (!script) throw new NotFoundError('The script')
      const versions = await rows<ScriptVersion>(
        tx,
        sql`select id, script_id as "scriptId", version, status, questions, published_at as "publishedAt"
            from contact_script_versions where script_id = ${scriptId} order by version desc`,
      )
      return { ...script, versions }
    })
  }

  async #draft(tx: Tx, scriptId: string): Promise<ScriptVersion> {
    const [draft] = await rows<ScriptVersion>(
      tx,
      sql`select id, script_id as "scriptId", version, status, questions, published_at as "publishedAt"
          from contact_script_versions where script_id = ${scriptId} and status = 'draft' for update`,
    )
    if (!draft)
      throw new ValidationError([{ field: 'draft', message: 'Start a new draft before changing the script' }])
    return draft
  }

  /**
   * Adds a question to the draft. `options` are the answers to choose from (none: answered in
   * words); each may tag the contact and go to another question or end the script.
   */
  async addQuestion(
    forceId: string,
    scriptId: string,
    input: {
      text?: string
      guidance?: string
      options: { label?: string; tags?: string; next?: string }[]
      next?: string
    },
    acting: Acting,
  ): Promise<string> {
    const text = (input.text ?? '').trim()
    const guidance = (input.guidance ?? '').trim()
    const errors: FieldError[] = []
    if (!text) errors.push({ field: 'text', message: 'Enter the question the handler asks' })
    else if (text.length > SCRIPT_LIMITS.question)
      errors.push({
        field: 'text',
        message: `Question must be ${SCRIPT_LIMITS.question} characters or fewer`,
      })
    if (guidance.length > SCRIPT_LIMITS.guidance)
      errors.push({
        field: 'guidance',
        message: `Guidance must be ${SCRIPT_LIMITS.guidance} characters or fewer`,
      })
    const options: ScriptOption[] = []
    input.options.slice(0, SCRIPT_LIMITS.options).forEach((o, i) => {
      const label = (o.label ?? '').trim()
      const tags = (o.tags ?? '').split(',').map(normaliseTag).filter(Boolean)
      if (!label) {
        if (tags.length)
          errors.push({ field: `option${i + 1}Label`, message: `Enter answer ${i + 1}, or remove its tags` })
        return
      }
      if (label.length > SCRIPT_LIMITS.option)
        errors.push({
          field: `option${i + 1}Label`,
          message: `Answer ${i + 1} must be ${SCRIPT_LIMITS.option} characters or fewer`,
        })
      if (tags.some((t) => t.length > SCRIPT_LIMITS.tag))
        errors.push({
          field: `option${i + 1}Tags`,
          message: `Each tag of answer ${i + 1} must be ${SCRIPT_LIMITS.tag} characters or fewer`,
        })
      options.push({ label, tags: [...new Set(tags)], next: o.next || null })
    })
    if (options.length === 1)
      errors.push({
        field: 'option2Label',
        message: 'Give at least two answers, or none for a question answered in words',
      })
    if (errors.length) throw new ValidationError(errors)
    return this.#db.withForce(forceId, async (tx) => {
      const draft = await this.#draft(tx, scriptId)
      if (draft.questions.length >= SCRIPT_LIMITS.questions)
        throw new ValidationError([
          { field: 'text', message: `A script has at most ${SCRIPT_LIMITS.questions} questions` },
        ])
      const known = new Set([...draft.questions.map((q) => q.id), 'end'])
      const target = (next: string | null | undefined, field: string) => {
        if (next && !known.has(next)) errors.push({ field, message: 'Choose a question of this script' })
        return next || null
      }
      options.forEach((o, i) => {
        o.next = target(o.next, `option${i + 1}Next`)
      })
      const question: ScriptQuestion = {
        id: `q${randomUUID().slice(0, 8)}`,
        text,
        guidance,
        kind: options.length ? 'choice' : 'text',
        options,
        next: options.length ? null : target(input.next, 'next'),
      }
      if (errors.length) throw new ValidationError(errors)
      await tx.execute(
        sql`update contact_script_versions set questions = questions || ${JSON.stringify([question])}::jsonb
            where id = ${draft.id}`,
      )
      await this.#record(tx, forceId, acting, 'contact-script.question-added', 'contact-script', scriptId, {
        version: draft.version,
        question: question.id,
      })
      return question.id
    })
  }

  /** Where each answer of a draft question goes: any question of the draft, the next, or the end. */
  async setRoutes(
    forceId: string,
    scriptId: string,
    questionId: string,
    input: { options: (string | undefined)[]; next?: string },
    acting: Acting,
  ): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const draft = await this.#draft(tx, scriptId)
      const question = draft.questions.find((q) => q.id === questionId)
      if (!question) throw new NotFoundError('The question')
      const known = new Set([...draft.questions.map((q) => q.id), 'end'])
      const errors: FieldError[] = []
      const target = (next: string | undefined, field: string) => {
        if (next && (!known.has(next) || next === questionId))
          errors.push({ field, message: 'Choose another question of this script, or the end' })
        return next || null
      }
      const options = question.options.map((o, i) => ({
        ...o,
        next: target(input.options[i], `option${i + 1}Next`),
      }))
      const next = question.kind === 'text' ? target(input.next, 'next') : null
      if (errors.length) throw new ValidationError(errors)
      const questions = draft.questions.map((q) => (q.id === questionId ? { ...q, options, next } : q))
      await tx.execute(
        sql`update contact_script_versions set questions = ${JSON.stringify(questions)}::jsonb where id = ${draft.id}`,
      )
      await this.#record(tx, forceId, acting, 'contact-script.routes-changed', 'contact-script', scriptId, {
        version: draft.version,
        question: questionId,
      })
    })
  }

  /** Takes a question out of the draft; answers that went to it go to the next in order. */
  async removeQuestion(forceId: string, scriptId: string, questionId: string, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const draft = await this.#draft(tx, scriptId)
      if (!draft.questions.some((q) => q.id === questionId)) throw new NotFoundError('The question')
      const unlink = (next: string | null) => (next === questionId ? null : next)
      const questions = draft.questions
        .filter((q) => q.id !== questionId)
        .map((q) => ({
          ...q,
          next: unlink(q.next),
          options: q.options.map((o) => ({ ...o, next: unlink(o.next) })),
        }))
      await tx.execute(
        sql`update contact_script_versions set questions = ${JSON.stringify(questions)}::jsonb where id = ${draft.id}`,
      )
      await this.#record(tx, forceId, acting, 'contact-script.question-removed', 'contact-script', scriptId, {
        version: draft.version,
        question: questionId,
      })
    })
  }

  /** The draft becomes the published version; the one published before is retired. */
  async publish(forceId: string, scriptId: string, acting: Acting): Promise<number> {
    return this.#db.withForce(forceId, async (tx) => {
      const draft = await this.#draft(tx, scriptId)
      if (draft.questions.length === 0)
        throw new ValidationError([
          { field: 'publish', message: 'Add at least one question before publishing' },
        ])
      const now = this.#clock.now()
      await tx.execute(
        sql`update contact_script_versions set status = 'retired' where script_id = ${scriptId} and status = 'published'`,
      )
      await tx.execute(
        sql`update contact_script_versions set status = 'published', published_by = ${acting.staffId},
              published_at = ${now} where id = ${draft.id}`,
      )
      await this.#record(tx, forceId, acting, 'contact-script.published', 'contact-script', scriptId, {
        version: draft.version,
      })
      return draft.version
    })
  }

  /** A new draft, a copy of the latest version. */
  async newDraft(forceId: string, scriptId: string, acting: Acting): Promise<number> {
    return this.#db.withForce(forceId, async (tx) => {
      const [latest] = await rows<{ version: number; status: string; questions: ScriptQuestion[] }>(
        tx,
        sql`select version, status, questions from contact_script_versions where script_id = ${scriptId}
            order by version desc limit 1 for update`,
      )
      if (!latest) throw new NotFoundError('The script')
      if (latest.status === 'draft')
        throw new ValidationError([{ field: 'draft', message: 'This script already has a draft' }])
      const version = latest.version + 1
      await tx.execute(
        sql`insert into contact_script_versions (force_id, script_id, version, status, questions, created_by, created_at)
            values (${forceId}, ${scriptId}, ${version}, 'draft', ${JSON.stringify(latest.questions)}::jsonb,
              ${acting.staffId}, ${this.#clock.now()})`,
      )
      await this.#record(tx, forceId, acting, 'contact-script.draft-started', 'contact-script', scriptId, {
        version,
      })
      return version
    })
  }

  /** The published scripts a handler may follow. */
  published(forceId: string): Promise<{ scriptId: string; title: string; version: number }[]> {
    return this.#db.withForce(forceId, (tx) =>
      rows(
        tx,
        sql`select s.id as "scriptId", s.title, v.version from contact_scripts s
            join contact_script_versions v on v.script_id = s.id and v.status = 'published' order by s.title`,
      ),
    )
  }

  async #run(tx: Tx, itemId: string): Promise<ScriptRun | undefined> {
    const [run] = await rows<{
      id: string
      itemId: string
      versionId: string
      version: number
      title: string
      questions: ScriptQuestion[]
      answers: ScriptRun['answers']
      nextQuestionId: string | null
      completedAt: Date | null
    }>(
      tx,
      sql`select r.id, r.item_id as "itemId", r.version_id as "versionId", v.version, s.title, v.questions, r.answers,
            r.next_question as "nextQuestionId", r.completed_at as "completedAt"
          from contact_script_runs r join contact_script_versions v on v.id = r.version_id
          join contact_scripts s on s.id = v.script_id
          where r.item_id = ${itemId} order by r.started_at desc limit 1`,
    )
    if (!run) return undefined
    const tags = await this.tagsIn(tx, itemId)
    const { nextQuestionId, ...rest } = run
    return { ...rest, nextQuestion: run.questions.find((q) => q.id === nextQuestionId) ?? null, tags }
  }

  async tagsIn(tx: Tx, itemId: string): Promise<string[]> {
    return (
      await rows<{ tag: string }>(
        tx,
        sql`select tag from contact_item_tags where item_id = ${itemId} order by tag`,
      )
    ).map((r) => r.tag)
  }

  /** The script being followed on a contact, if any, and whether the handler may answer it. */
  async runOf(
    forceId: string,
    itemId: string,
    audit: (tx: Tx, item: { personId: string | null; assignedTo: string | null }) => Promise<unknown>,
  ): Promise<{ run: ScriptRun | undefined; item: { status: string; assignedTo: string | null } }> {
    return this.#db.withForce(forceId, async (tx) => {
      const item = await this.#item(tx, itemId)
      await audit(tx, item)
      return { run: await this.#run(tx, itemId), item }
    })
  }

  async #item(tx: Tx, itemId: string) {
    const [item] = await rows<{
      id: string
      status: string
      assignedTo: string | null
      personId: string | null
    }>(
      tx,
      sql`select id, status, assigned_to as "assignedTo", person_id as "personId" from contact_items where id = ${itemId}`,
    )
    if (!item) throw new NotFoundError('The contact')
    return item
  }

  #mustHave(item: { status: string; assignedTo: string | null }, acting: Acting, field: string) {
    if (!['assigned', 'wrap_up'].includes(item.status) || item.assignedTo !== acting.staffId)
      throw new ValidationError([
        { field, message: 'Only the handler who has this contact may follow a script on it' },
      ])
  }

  /** Starts the published version of a script on a contact the handler has. */
  async start(forceId: string, itemId: string, input: { script?: string }, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const item = await this.#item(tx, itemId)
      this.#mustHave(item, acting, 'script')
      const chosen = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(
        input.script ?? '',
      )
        ? input.script!
        : null
      const [version] = chosen
        ? await rows<{ id: string; version: number; questions: ScriptQuestion[] }>(
            tx,
            sql`select id, version, questions from contact_script_versions
                where script_id = ${chosen} and status = 'published'`,
          )
        : []
      if (!version) throw new ValidationError([{ field: 'script', message: 'Choose a script' }])
      const [run] = await rows<{ id: string }>(
        tx,
        sql`insert into contact_script_runs (force_id, item_id, version_id, next_question, started_by, started_at)
            values (${forceId}, ${itemId}, ${version.id}, ${version.questions[0]?.id ?? null}, ${acting.staffId},
              ${this.#clock.now()}) returning id`,
      )
      await this.#record(tx, forceId, acting, 'contact-script.started', 'contact', itemId, {
        run: run!.id,
        script: input.script,
        version: version.version,
      })
    })
  }

  /**
   * Answers the question the script is at: a choice (its index) or words. The answer's tags go on
   * the contact; the script moves to the question the answer leads to, or ends.
   */
  async answer(
    forceId: string,
    itemId: string,
    input: { question?: string; choice?: string; answer?: string },
    acting: Acting,
  ): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const item = await this.#item(tx, itemId)
      this.#mustHave(item, acting, 'answer')
      const run = await this.#run(tx, itemId)
      const question = run?.nextQuestion
      if (!run || !question || question.id !== input.question)
        throw new ValidationError([{ field: 'answer', message: 'This question has already been answered' }])
      let answer: string
      let next: string | null
      let tags: string[] = []
      if (question.kind === 'choice') {
        const index = Number(input.choice)
        const option = Number.isInteger(index) ? question.options[index] : undefined
        if (!option) throw new ValidationError([{ field: 'choice', message: 'Choose an answer' }])
        answer = option.label
        tags = option.tags
        next = nextAfter(run.questions, question, index)
      } else {
        answer = (input.answer ?? '').trim()
        if (!answer) throw new ValidationError([{ field: 'answer', message: 'Enter the answer' }])
        if (answer.length > SCRIPT_LIMITS.answer)
          throw new ValidationError([
            { field: 'answer', message: `Answer must be ${SCRIPT_LIMITS.answer} characters or fewer` },
          ])
        next = nextAfter(run.questions, question)
      }
      const now = this.#clock.now()
      const entry = { questionId: question.id, question: question.text, answer, at: now.toISOString() }
      await tx.execute(
        sql`update contact_script_runs set answers = answers || ${JSON.stringify([entry])}::jsonb,
              next_question = ${next}, completed_at = ${next ? null : now} where id = ${run.id}`,
      )
      for (const tag of tags)
        await tx.execute(
          sql`insert into contact_item_tags (force_id, item_id, tag, run_id, tagged_at)
              values (${forceId}, ${itemId}, ${tag}, ${run.id}, ${now}) on conflict (item_id, tag) do nothing`,
        )
      await this.#record(tx, forceId, acting, 'contact-script.answered', 'contact', itemId, {
        run: run.id,
        question: question.id,
        tags,
        completed: !next,
      })
    })
  }
}

/**
 * Each published script version (still in use, or retired by a later one), who published it and
 * when, and how many contacts followed it: for Power BI (the OData set `ScriptVersions`, decision
 * 0047). Drafts are left out: they were never followed.
 */
export function scriptVersionFacts() {
  return sql`
    select v.id::text as "Id", v.force_id as "Force", v.script_id::text as "ScriptId", s.title as "Script",
      v.version::int as "Version", v.status as "Status", jsonb_array_length(v.questions)::int as "Questions",
      v.published_by::text as "PublishedById", u.display_name as "PublishedBy", v.published_at as "PublishedAt",
      to_char(v.published_at at time zone 'Europe/London', 'YYYY-MM-DD') as "PublishedDate",
      (select count(*) from contact_script_runs r where r.version_id = v.id)::int as "Contacts"
    from contact_script_versions v
    join contact_scripts s on s.id = v.script_id
    left join staff_users u on u.id = v.published_by
    where v.status <> 'draft'`
}
