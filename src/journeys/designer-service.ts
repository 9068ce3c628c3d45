// The no-code journey designer (UJ-18): journeys built from forms, checked in plain English,
// previewed with a sample victim's case, test-sent to the designer, published with a summary of
// what changed, and dry-run over the force's recent cases. Definitions are saved and published
// through JourneyService, so the engine's own validation and versioning apply unchanged.
import { sampleCase } from './message-fields.ts'
import { randomUUID } from 'node:crypto'
import type { CaseService } from '../cases/service.ts'
import { isValidAddress } from '../messaging/addresses.ts'
import type { MessagingServices } from '../messaging/messaging-services.ts'
import type { SmsLength } from '../messaging/sms-length.ts'
import { MissingPersonalisationError, renderMessage } from '../messaging/template-rendering.ts'
import type { ApprovalService } from '../platform/approvals/approval-service.ts'
import type { ChangeRequest } from '../platform/approvals/change-request-repository.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import type { JourneyDefinition, Step } from './definition.ts'
import type { NewJourney } from './designer-forms.ts'
import {
  type DesignerProblem,
  describeChanges,
  journeyChangeFields,
  reviewDraft,
  type TemplateInfo,
} from './designer-review.ts'
import { dryRun, type DryRunResult } from './dry-run.ts'
import type { VersionRow } from './repository.ts'
import type { Actor, JourneyDetail, JourneyService } from './service.ts'
import type { CaseReader, CaseSnapshot } from './snapshot.ts'

export interface DesignerDependencies {
  db: Database
  journeys: JourneyService
  messaging: MessagingServices
  audit: AuditService
  clock: Clock
  cases: CaseReader
  /** Which cases began in the dry run's period: the case model's own listing. */
  caseListing: Pick<CaseService, 'casesBegunBetween' | 'crimeTypes'>
  publicUrl: string
  /** Second-person approval of changes, when the force has turned it on (issue 13 §7). */
  approvals: ApprovalService
  mappedCrimeTypes?: (forceId: string) => Promise<string[]>
}

/** Who publishes: approval requests carry the person's name. */
export type NamedActor = Actor & { id: string; name: string }

/** What publishing or rolling back did: published at once, or waiting for a second person. */
export type PublishOutcome = { published: VersionRow } | { requested: ChangeRequest }

export interface Preview {
  channel: 'sms' | 'email'
  subject: string | null
  text: string
  sms?: SmsLength
  problem?: string
}

/** The crime types a condition can pick from: those the force maps codes to, then those its crimes carry. */
export async function knownCrimeTypes(d: DesignerDependencies, forceId: string): Promise<string[]> {
  const [mapped, seen] = await Promise.all([
    d.mappedCrimeTypes?.(forceId) ?? Promise.resolve([]),
    d.caseListing.crimeTypes(forceId),
  ])
  return [...new Set([...mapped, ...seen])].sort((a, b) => a.localeCompare(b))
}

const dryRunDays = 30
const dryRunCaseLimit = 5000

export class DesignerService {
  readonly #d: DesignerDependencies

  constructor(dependencies: DesignerDependencies) {
    this.#d = dependencies
  }

  /** The force's journeys with whether the draft differs from the published version. */
  /** The force's crime types, for the designer's pick-lists and its unknown-value warnings. */
  crimeTypes(forceId: string): Promise<string[]> {
    return knownCrimeTypes(this.#d, forceId)
  }

  async list(forceId: string) {
    const journeys = await this.#d.journeys.list(forceId)
    const result = []
    for (const j of journeys) {
      const detail = await this.#d.journeys.detail(forceId, j.id)
      result.push({ ...j, hasUnpublishedChanges: detail.hasUnpublishedChanges })
    }
    return result
  }

  async create(forceId: string, input: NewJourney, actor: Actor) {
    const slug = input.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40)
    return this.#d.journeys.createJourney(
      forceId,
      {
        key: `${slug || 'journey'}-${randomUUID().slice(0, 8)}`,
        name: input.name,
        kind: input.kind,
        definition: input.definition,
      },
      actor,
    )
  }

  async draft(forceId: string, journeyId: string) {
    const detail = await this.#d.journeys.detail(forceId, journeyId)
    const templates = await this.templates(forceId)
    const definition = detail.journey.draft as JourneyDefinition
    return { detail, definition, templates, problems: reviewDraft(definition, templates) }
  }

  /** Applies one designer change to the draft and saves it (audited by JourneyService). */
  async change(
    forceId: string,
    journeyId: string,
    edit: (definition: JourneyDefinition) => JourneyDefinition,
    actor: Actor,
  ): Promise<void> {
    const detail = await this.#d.journeys.detail(forceId, journeyId)
    const next = edit(structuredClone(detail.journey.draft as JourneyDefinition))
    if (next.steps.length === 0)
      throw new ValidationError([{ field: 'steps', message: 'A journey needs at least one step' }])
    await this.#d.journeys.saveDraft(forceId, journeyId, next, actor)
  }

  /** The newest version of each template, per channel and language. Pass `tx` when inside one. */
  async templates(forceId: string, tx?: Tx): Promise<TemplateInfo[]> {
    const rows = tx
      ? await this.#d.messaging.templates.templates(tx, forceId)
      : await this.#d.db.withForce(forceId, (t) => this.#d.messaging.templates.templates(t, forceId))
    const latest = new Map<string, TemplateInfo>()
    for (const t of rows) {
      // Letters are made from a contact (CRM-21); a journey sends texts and emails.
      if (t.channel === 'letter') continue
      const key = `${t.key}/${t.channel}/${t.language}`
      if (!latest.has(key))
        latest.set(key, {
          key: t.key,
          channel: t.channel,
          language: t.language,
          subject: t.subject,
          body: t.body,
        })
    }
    return [...latest.values()]
  }

  /** The step's message as the sample victim would receive it, with SMS length and parts. */
  async preview(forceId: string, step: Extract<Step, { kind: 'send' }>): Promise<Preview[]> {
    const { db, messaging, publicUrl } = this.#d
    return db.withForce(forceId, async (tx) => {
      const branding = await messaging.settings.branding(tx, forceId)
      const all = await this.templates(forceId, tx)
      const channels: ('sms' | 'email')[] = step.channel === 'preferred' ? ['sms', 'email'] : [step.channel]
      return channels.map((channel) => {
        const template = all.find(
          (t) => t.key === step.template && t.channel === channel && t.language === 'en',
        )
        if (!template)
          return {
            channel,
            subject: null,
            text: '',
            problem: `There is no ${channel} version of this template`,
          }
        try {
          const rendered = renderMessage(template, sampleCase(branding.senderName, publicUrl), branding)
          return {
            channel,
            subject: rendered.subject,
            text: rendered.text,
            ...(channel === 'sms' ? { sms: messaging.templates.smsLength(rendered.text) } : {}),
          }
        } catch (error) {
          if (!(error instanceof MissingPersonalisationError)) throw error
          return { channel, subject: null, text: '', problem: error.message }
        }
      })
    })
  }

  /**
   * Sends one step's message to the designer (their own phone or email) through the force's
   * channel. It belongs to no person and no case, so nothing is written back to CAD or RMS.
   */
  async testSend(
    forceId: string,
    journeyId: string,
    stepNumber: number,
    to: { channel: 'sms' | 'email'; address: string },
    actor: Actor,
  ) {
    const { definition } = await this.draft(forceId, journeyId)
    const step = definition.steps[stepNumber - 1]
    if (step?.kind !== 'send') throw new NotFoundError('A step that sends a message')
    if (!isValidAddress(to.channel, to.address))
      throw new ValidationError([
        { field: 'phone', message: 'Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982' },
      ])
    const { db, messaging, audit, publicUrl } = this.#d
    return db.withForce(forceId, async (tx) => {
      const branding = await messaging.settings.branding(tx, forceId)
      const message = await messaging.scheduling.schedule(tx, {
        forceId,
        channel: to.channel,
        to: to.address,
        templateKey: step.template,
        personalisation: sampleCase(branding.senderName, publicUrl),
        urgent: true,
        // Flagged, so the Journeys reports and the Power BI feed never count it (UJ-13..UJ-16).
        test: true,
        actorId: actor.id,
      })
      await audit.record(
        {
          action: 'journey.test-sent',
          forceId,
          actor: { kind: 'staff', id: actor.id },
          recordType: 'journey',
          recordId: journeyId,
          detail: { step: stepNumber, channel: to.channel, messageId: message.id, test: true },
          ip: actor.ip ?? null,
        },
        tx,
      )
      return message
    })
  }

  /** What publishing would change, the problems that stop it, and whether a second person must approve. */
  async publishReview(forceId: string, journeyId: string) {
    const { detail, definition, problems } = await this.draft(forceId, journeyId)
    return {
      detail,
      changes: describeChanges(publishedOf(detail), definition),
      problems,
      approvalRequired: await this.#d.approvals.required(forceId),
    }
  }

  /**
   * Publishes the draft; when the force needs a second person's approval, asks for it instead
   * with the draft as it is now (later edits are not part of the request).
   */
  async publish(forceId: string, journeyId: string, actor: NamedActor): Promise<PublishOutcome> {
    const { detail, definition, problems } = await this.draft(forceId, journeyId)
    const errors = problems.filter((p) => p.level === 'error')
    if (errors.length > 0)
      throw new ValidationError(errors.map((p) => ({ field: 'steps', message: p.message })))
    if (!(await this.#d.approvals.required(forceId)))
      return { published: await this.#d.journeys.publish(forceId, journeyId, actor) }
    const next = (detail.journey.publishedVersion ?? 0) + 1
    return this.#request(forceId, detail, definition, `Publish version ${next}`, actor, {})
  }

  /**
   * Rolls back to an earlier version: a new version equal to it (issue 13 §7), or a request for
   * one when the force needs a second person's approval.
   */
  async rollback(
    forceId: string,
    journeyId: string,
    version: number,
    actor: NamedActor,
  ): Promise<PublishOutcome> {
    const detail = await this.#d.journeys.detail(forceId, journeyId)
    const old = detail.versions.find((v) => v.version === version)
    if (!old) throw new NotFoundError('That version')
    if (version === detail.journey.publishedVersion)
      throw new DomainError('rollback-to-current', 'That version is the one published now', { status: 409 })
    const definition = old.definition as JourneyDefinition
    if (await this.#d.approvals.required(forceId))
      return this.#request(forceId, detail, definition, `Roll back to version ${version}`, actor, {
        rollbackOf: version,
      })
    const published = await this.#d.db.withForce(forceId, (tx) =>
      this.#d.journeys.publishDefinition(tx, journeyId, definition, actor, { rollbackOf: version }),
    )
    return { published }
  }

  /** The journey's versions with who published each, and the change waiting for approval, if any. */
  async history(forceId: string, journeyId: string) {
    const { journey, versions } = await this.#d.journeys.history(forceId, journeyId)
    return { journey, versions, pending: await this.pendingChange(forceId, journeyId) }
  }

  pendingChange(forceId: string, journeyId: string) {
    return this.#d.db.withForce(forceId, (tx) =>
      this.#d.approvals.pendingFor(tx, forceId, 'journey', journeyId),
    )
  }

  /** Applies an approved request (the approvals service calls it in its transaction). */
  async applyApproved(tx: Tx, request: ChangeRequest, approver: Actor): Promise<string> {
    const proposal = request.proposal as {
      definition: unknown
      baseVersion: number | null
      rollbackOf?: number
    }
    const version = await this.#d.journeys.publishDefinition(
      tx,
      request.subjectId,
      proposal.definition,
      approver,
      {
        changeRequest: request.id,
        baseVersion: proposal.baseVersion,
        ...(proposal.rollbackOf === undefined ? {} : { rollbackOf: proposal.rollbackOf }),
      },
    )
    return `Version ${version.version}`
  }

  async #request(
    forceId: string,
    detail: JourneyDetail,
    definition: JourneyDefinition,
    summary: string,
    actor: NamedActor,
    extra: { rollbackOf?: number },
  ): Promise<PublishOutcome> {
    const requested = await this.#d.db.withForce(forceId, (tx) =>
      this.#d.approvals.request(
        tx,
        {
          forceId,
          kind: 'journey',
          subjectId: detail.journey.id,
          subjectName: detail.journey.name,
          summary,
          diff: journeyChangeFields(publishedOf(detail), definition),
          proposal: { definition, baseVersion: detail.journey.publishedVersion ?? null, ...extra },
        },
        { id: actor.id, name: actor.name, ip: actor.ip ?? null },
      ),
    )
    return { requested }
  }

  /** UJ-18: the draft over the last 30 days of the force's cases; reads only. */
  async dryRun(forceId: string, journeyId: string): Promise<DryRunResult & { from: Date; to: Date }> {
    const { db, journeys, cases, caseListing, clock } = this.#d
    const detail = await journeys.detail(forceId, journeyId)
    const to = clock.now()
    const from = new Date(to.getTime() - dryRunDays * 24 * 3600_000)
    const rules = await journeys.rules(forceId)
    const snapshots = await db.withForce(forceId, async (tx) => {
      const found: CaseSnapshot[] = []
      const listed = await caseListing.casesBegunBetween(forceId, { from, to }, dryRunCaseLimit, { tx })
      for (const { kind, id } of listed) {
        const key = kind === 'crime' ? { crimeId: id } : { incidentId: id }
        const snapshot = await cases.loadCase(tx, { forceId, ...key })
        if (snapshot) found.push(snapshot)
      }
      return found
    })
    return { ...dryRun(detail.journey.draft as JourneyDefinition, snapshots, rules, to), from, to }
  }
}

export function publishedOf(detail: JourneyDetail): JourneyDefinition | undefined {
  return detail.versions.find((v) => v.version === detail.journey.publishedVersion)?.definition as
    | JourneyDefinition
    | undefined
}

export type { DesignerProblem }
