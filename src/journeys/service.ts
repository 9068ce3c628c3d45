// JourneyService: journey definitions and their versions (UJ-4, UJ-18), each force's inclusion
// and exclusion rules (UJ-7, CP-61), explanations of enrolment decisions for the case page and
// Victims' Code timescale compliance (CP-65). Enrolment itself is EnrolmentService.
import { sql } from 'drizzle-orm'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { type ContactPolicySettings, defaultContactPolicy } from './contact-policy.ts'
import { defaultJourneys } from './default-journeys.ts'
import { JourneyDeletionRepository } from './deletion-repository.ts'
import { checkDefinition, describeStep, describeTrigger, type JourneyDefinition } from './definition.ts'
import { defaultEligibilityRules, type EligibilityRules } from './eligibility.ts'
import type {
  DecisionRow,
  EnrolmentRow,
  JourneyRepository,
  JourneyRow,
  StepRow,
  VersionRow,
} from './repository.ts'

export interface Actor {
  id: string | null
  ip?: string | null
}

export interface ForceJourneyRules {
  eligibility: EligibilityRules
  contactPolicy: ContactPolicySettings
  updatedAt?: Date
}

export interface JourneyListItem {
  id: string
  name: string
  kind: 'standard' | 'enhanced'
  trigger: string
  publishedVersion: number | null
  activeEnrolments: number
}

export interface JourneyDetail {
  journey: JourneyRow
  trigger: string
  steps: { number: number; label?: string; text: string }[]
  versions: VersionRow[]
  hasUnpublishedChanges: boolean
}

export interface CaseExplanation {
  decisions: (DecisionRow & { journeyName: string })[]
  enrolments: (EnrolmentRow & { journeyName: string; steps: StepRow[] })[]
}

export class JourneyService {
  readonly #deletion = new JourneyDeletionRepository()
  readonly #db: Database
  readonly #repo: JourneyRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #installTemplates: (tx: Tx, forceId: string) => Promise<number>

  constructor(
    db: Database,
    repo: JourneyRepository,
    clock: Clock,
    audit: AuditService,
    installTemplates: (tx: Tx, forceId: string) => Promise<number>,
  ) {
    this.#db = db
    this.#repo = repo
    this.#clock = clock
    this.#audit = audit
    this.#installTemplates = installTemplates
  }

  /**
   * Installs the default journeys (facts §4) and their message templates; idempotent. Processes
   * starting together on a new database (web and worker) install them one after the other: the
   * second finds them there.
   */
  async installDefaults(forceId: string): Promise<number> {
    return this.#db.withForce(forceId, async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('journeys-defaults'), hashtext(${forceId}))`)
      let installed = 0
      for (const seed of defaultJourneys) {
        if (await this.#repo.journeyByKey(tx, forceId, seed.key)) continue
        const journey = await this.#repo.insertJourney(tx, {
          forceId,
          key: seed.key,
          name: seed.name,
          kind: seed.kind,
          description: seed.description,
          draft: seed.definition,
        })
        await this.#publishIn(tx, journey, { id: null })
        installed += 1
      }
      await this.#installTemplates(tx, forceId)
      return installed
    })
  }

  async createJourney(
    forceId: string,
    input: {
      key: string
      name: string
      kind: 'standard' | 'enhanced'
      description?: string
      definition: unknown
    },
    actor: Actor,
  ): Promise<JourneyRow> {
    const definition = input.definition
    assertValid(definition)
    return this.#db.withForce(forceId, async (tx) => {
      const journey = await this.#repo.insertJourney(tx, {
        forceId,
        key: input.key,
        name: input.name,
        kind: input.kind,
        description: input.description ?? '',
        draft: definition,
        createdBy: actor.id,
      })
      await this.#record(tx, forceId, 'journey.created', journey.id, actor, { key: input.key })
      return journey
    })
  }

  /** Saves the draft; running enrolments are untouched until it is published. */
  async saveDraft(forceId: string, journeyId: string, definition: unknown, actor: Actor): Promise<void> {
    assertValid(definition)
    await this.#db.withForce(forceId, async (tx) => {
      await this.#journey(tx, journeyId)
      await this.#repo.updateDraft(tx, journeyId, { draft: definition, updatedAt: this.#clock.now() })
      await this.#record(tx, forceId, 'journey.draft-saved', journeyId, actor)
    })
  }

  /** UJ-18: publishing freezes the draft as a new immutable version; new enrolments use it. */
  async publish(forceId: string, journeyId: string, actor: Actor): Promise<VersionRow> {
    return this.#db.withForce(forceId, async (tx) => {
      const journey = await this.#journey(tx, journeyId)
      assertValid(journey.draft)
      return this.#publishIn(tx, journey, actor)
    })
  }

  async list(forceId: string): Promise<JourneyListItem[]> {
    const found = await this.#db.withForce(forceId, (tx) => this.#repo.journeysWithCounts(tx, forceId))
    return found.map((j) => ({
      id: j.id,
      name: j.name,
      kind: j.kind,
      trigger: describeTrigger(j.draft),
      publishedVersion: j.publishedVersion,
      activeEnrolments: j.activeEnrolments,
    }))
  }

  async detail(forceId: string, journeyId: string): Promise<JourneyDetail> {
    return this.#db.withForce(forceId, async (tx) => {
      const journey = await this.#journey(tx, journeyId)
      const versions = await this.#repo.versions(tx, journeyId)
      const published = versions.find((v) => v.version === journey.publishedVersion)
      const shown: JourneyDefinition = published?.definition ?? journey.draft
      return {
        journey,
        trigger: describeTrigger(shown),
        steps: shown.steps.map((s, i) => ({
          number: i + 1,
          ...(s.label ? { label: s.label } : {}),
          text: describeStep(s),
        })),
        versions,
        hasUnpublishedChanges:
          !published || JSON.stringify(published.definition) !== JSON.stringify(journey.draft),
      }
    })
  }

  async rules(forceId: string, tx?: Tx): Promise<ForceJourneyRules> {
    const read = async (t: Tx) => {
      const row = await this.#repo.rules(t, forceId)
      return row
        ? { eligibility: row.eligibility, contactPolicy: row.contactPolicy, updatedAt: row.updatedAt }
        : { eligibility: defaultEligibilityRules, contactPolicy: defaultContactPolicy }
    }
    return tx ? read(tx) : this.#db.withForce(forceId, read)
  }

  /** UJ-7: a force admin updates the eligibility list; later decisions use it at once. */
  async saveEligibility(forceId: string, eligibility: EligibilityRules, actor: Actor): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const current = await this.rules(forceId, tx)
      await this.#repo.saveRules(tx, {
        forceId,
        eligibility,
        contactPolicy: current.contactPolicy,
        updatedBy: actor.id,
        updatedAt: this.#clock.now(),
      })
      await this.#record(tx, forceId, 'journey-rules.updated', forceId, actor, {
        from: current.eligibility,
        to: eligibility,
      })
    })
  }

  /** A force admin changes which safe-contact checks run before every send; later sends use it. */
  async saveContactPolicy(
    forceId: string,
    contactPolicy: ContactPolicySettings,
    actor: Actor,
  ): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const current = await this.rules(forceId, tx)
      await this.#repo.saveRules(tx, {
        forceId,
        eligibility: current.eligibility,
        contactPolicy,
        updatedBy: actor.id,
        updatedAt: this.#clock.now(),
      })
      await this.#record(tx, forceId, 'journey-contact-policy.updated', forceId, actor, {
        from: current.contactPolicy,
        to: contactPolicy,
      })
    })
  }

  /** Why each person on a case was or was not enrolled, and what their journeys did (CP-61). */
  async explain(forceId: string, caseId: string, actor: Actor): Promise<CaseExplanation> {
    return this.#db.withForce(forceId, async (tx) => {
      const key = { incidentIds: [caseId], crimeId: caseId }
      const names = new Map((await this.#repo.journeysWithCounts(tx, forceId)).map((j) => [j.id, j.name]))
      const decisions = await this.#repo.decisions(tx, key)
      const enrolled = await this.#repo.enrolmentsOnCase(tx, key)
      const steps = await this.#repo.steps(
        tx,
        enrolled.map((e) => e.id),
      )
      await this.#record(tx, forceId, 'case.journeys-viewed', caseId, actor)
      return {
        decisions: decisions.map((d) => ({
          ...d,
          journeyName: names.get(d.journeyId) ?? 'A removed journey',
        })),
        enrolments: enrolled.map((e) => ({
          ...e,
          journeyName: names.get(e.journeyId) ?? 'A removed journey',
          steps: steps.filter((s) => s.enrolmentId === e.id),
        })),
      }
    })
  }

  /** A victim (or their officer) confirmed a channel is safe to use (domestic abuse policy). */
  async confirmSafeChannel(
    forceId: string,
    personId: string,
    channel: 'sms' | 'email',
    actor: Actor,
  ): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      await this.#repo.confirmSafeChannel(tx, {
        forceId,
        personId,
        channel,
        confirmedBy: actor.id,
        confirmedAt: this.#clock.now(),
      })
      await this.#record(tx, forceId, 'person.safe-channel-confirmed', personId, actor, { channel }, 'person')
    })
  }

  async #publishIn(
    tx: Tx,
    journey: JourneyRow,
    actor: Actor,
    definition: JourneyDefinition = journey.draft as JourneyDefinition,
    detail: Record<string, unknown> = {},
  ): Promise<VersionRow> {
    const version = (journey.publishedVersion ?? 0) + 1
    const row = await this.#repo.insertVersion(tx, {
      forceId: journey.forceId,
      journeyId: journey.id,
      version,
      definition,
      publishedBy: actor.id,
      publishedAt: this.#clock.now(),
    })
    await this.#repo.updateDraft(tx, journey.id, { publishedVersion: version, updatedAt: this.#clock.now() })
    await this.#record(tx, journey.forceId, 'journey.published', journey.id, actor, { version, ...detail })
    return row
  }

  /**
   * Publishes a definition that is not the draft, in the caller's transaction: an approved change
   * (the draft as it was when approval was asked for) or a rollback to an earlier version (issue
   * 13 §7). A rollback's definition becomes the draft too, so the designer goes on from it.
   */
  async publishDefinition(
    tx: Tx,
    journeyId: string,
    definition: unknown,
    actor: Actor,
    detail: { changeRequest?: string; rollbackOf?: number; baseVersion?: number | null },
  ): Promise<VersionRow> {
    assertValid(definition)
    const { baseVersion, ...recorded } = detail
    const journey = await this.#journey(tx, journeyId)
    // An approved change was reviewed against the version published then; if another has been
    // published since, what was approved is not what would change.
    if (baseVersion !== undefined && (journey.publishedVersion ?? null) !== baseVersion)
      throw new DomainError(
        'change-out-of-date',
        'Another version of this journey was published after this change was asked for. Reject it and ask for the change again.',
        { status: 409 },
      )
    if (detail.rollbackOf !== undefined)
      await this.#repo.updateDraft(tx, journey.id, { draft: definition, updatedAt: this.#clock.now() })
    return this.#publishIn(tx, journey, actor, definition, recorded)
  }

  /** Every published version of a journey, newest first, with who published it (version history). */
  async history(
    forceId: string,
    journeyId: string,
  ): Promise<{ journey: JourneyRow; versions: (VersionRow & { publishedByName: string | null })[] }> {
    return this.#db.withForce(forceId, async (tx) => {
      const journey = await this.#journey(tx, journeyId)
      return { journey, versions: await this.#repo.versionsWithAuthors(tx, journeyId) }
    })
  }

  async #journey(tx: Tx, id: string): Promise<JourneyRow> {
    const journey = /^[0-9a-f-]{36}$/i.test(id) ? await this.#repo.journey(tx, id) : undefined
    if (!journey) throw new NotFoundError('The journey')
    return journey
  }

  async #record(
    tx: Tx,
    forceId: string,
    action: string,
    recordId: string,
    actor: Actor,
    detail?: Record<string, unknown>,
    recordType = 'journey',
  ): Promise<void> {
    await this.#audit.record(
      {
        action,
        forceId,
        actor: { kind: actor.id ? 'staff' : 'system', id: actor.id },
        recordType,
        recordId,
        ...(detail ? { detail } : {}),
        ip: actor.ip ?? null,
      },
      tx,
    )
  }

  /** PIRM deletion (UJ-3, CP-4, CRM-4): a case's or person's enrolments, steps and decisions, in `tx`. */
  deleteFor(tx: Tx, target: { caseId?: string; personId?: string }): Promise<Record<string, number>> {
    return this.#deletion.deleteFor(tx, target)
  }
}

function assertValid(definition: unknown): asserts definition is JourneyDefinition {
  const problems = checkDefinition(definition)
  if (problems.length > 0) {
    throw new ValidationError(
      problems.map((p) => ({ field: 'definition', message: `${p.path}: ${p.message}` })),
    )
  }
}
