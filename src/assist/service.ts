// Assist's chatbot settings and knowledge base (CRM-7): a force administrator switches the bot on
// or off for their force (off until they do) and edits its intents without code, starting from
// the set Waypoint ships. Every change is audited with what changed. The classifier is trained
// again from the knowledge base when it changes (a few milliseconds).
import { createHash } from 'node:crypto'
import type { ChatFirstResponder } from '../contact/chat.ts'
import type { Acting } from '../contact/queue.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError } from '../platform/errors.ts'
import { Chatbot, type IntentPicker } from './chatbot.ts'
import type { IntentClassifier } from './classifier.ts'
import { defaultIntents, type Intent, intentLimits, parseIntent, trainOn } from './knowledge.ts'
import type { ProviderService } from './provider-service.ts'
import type { AssistRepository } from './repository.ts'

export interface ChatbotSettings {
  enabled: boolean
  updatedAt: Date | null
}

export type IntentInput = Parameters<typeof parseIntent>[0]

/** Who changes the chatbot: a member of the force's staff, or Waypoint itself (no staff id). */
export type Changer = Omit<Acting, 'staffId' | 'name'> & { staffId: string | null }

export class AssistService {
  readonly #db: Database
  readonly #repo: AssistRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #defaults = defaultIntents()
  readonly #trained = new Map<string, { hash: string; classifier: IntentClassifier }>()
  readonly #provider: ProviderService | undefined

  constructor(deps: {
    db: Database
    repo: AssistRepository
    clock: Clock
    audit: AuditService
    /** The force's model provider (decision 0048), when the chatbot is to ask it first. */
    provider?: ProviderService
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#provider = deps.provider
  }

  async #record(tx: Tx, forceId: string, acting: Changer, action: string, recordId: string, detail = {}) {
    await this.#audit.record(
      {
        action,
        forceId,
        actor: acting.actor,
        ip: acting.ip ?? null,
        correlationId: acting.correlationId ?? null,
        recordType: 'assist-chatbot',
        recordId,
        detail,
      },
      tx,
    )
  }

  /** Whether the force's chatbot is on: off until its administrator switches it on. */
  chatbotSettings(forceId: string): Promise<ChatbotSettings> {
    return this.#db.withForce(forceId, async (tx) => {
      const row = await this.#repo.settings(tx)
      return { enabled: row?.chatbotEnabled ?? false, updatedAt: row?.updatedAt ?? null }
    })
  }

  async switchChatbot(forceId: string, enabled: boolean, acting: Changer): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const before = (await this.#repo.settings(tx))?.chatbotEnabled ?? false
      await this.#repo.saveSettings(tx, forceId, {
        chatbotEnabled: enabled,
        by: acting.staffId,
        at: this.#clock.now(),
      })
      await this.#record(tx, forceId, acting, 'assist.chatbot-switched', forceId, { enabled, before })
    })
  }

  /** The force's intents, or Waypoint's until the force changes one (`own` says which). */
  knowledgeBase(forceId: string): Promise<{ intents: Intent[]; own: boolean }> {
    return this.#db.withForce(forceId, (tx) => this.#knowledgeIn(tx))
  }

  async #knowledgeIn(tx: Tx): Promise<{ intents: Intent[]; own: boolean }> {
    const { intents } = await this.#repo.intents(tx)
    return intents.length ? { intents, own: true } : { intents: this.#defaults, own: false }
  }

  async intent(forceId: string, name: string): Promise<Intent> {
    const found = (await this.knowledgeBase(forceId)).intents.find((i) => i.name === name)
    if (!found) throw new NotFoundError('The intent')
    return found
  }

  /**
   * Adds an intent (`name` null) or changes one; refused with each field's error. The first change
   * makes the force's own copy of Waypoint's intents.
   */
  async saveIntent(
    forceId: string,
    name: string | null,
    input: IntentInput,
    acting: Acting,
  ): Promise<Intent> {
    return this.#db.withForce(forceId, async (tx) => {
      const { intents } = await this.#knowledgeIn(tx)
      const before = name === null ? undefined : intents.find((i) => i.name === name)
      if (name !== null && !before) throw new NotFoundError('The intent')
      if (!before && intents.length >= intentLimits.intents)
        throw new DomainError(
          'too-many-intents',
          `A knowledge base may have at most ${intentLimits.intents} intents`,
          {
            status: 409,
          },
        )
      const intent = parseIntent(
        input,
        intents.filter((i) => i !== before),
      )
      const next = before ? intents.map((i) => (i === before ? intent : i)) : [...intents, intent]
      await this.#repo.replaceIntents(tx, forceId, next, acting.staffId, this.#clock.now())
      await this.#record(
        tx,
        forceId,
        acting,
        before ? 'assist.intent-changed' : 'assist.intent-added',
        forceId,
        {
          intent: intent.name,
          ...(before
            ? {
                renamedFrom: before.name !== intent.name ? before.name : undefined,
                changed: (Object.keys(intent) as (keyof Intent)[]).filter(
                  (k) => JSON.stringify(intent[k]) !== JSON.stringify(before[k]),
                ),
              }
            : {}),
        },
      )
      return intent
    })
  }

  /** Removes an intent; the last one stays (the bot needs something to know). */
  async removeIntent(forceId: string, name: string, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const { intents } = await this.#knowledgeIn(tx)
      if (!intents.some((i) => i.name === name)) throw new NotFoundError('The intent')
      if (intents.length === 1)
        throw new DomainError('last-intent', 'The knowledge base must keep at least one intent', {
          status: 409,
        })
      await this.#repo.replaceIntents(
        tx,
        forceId,
        intents.filter((i) => i.name !== name),
        acting.staffId,
        this.#clock.now(),
      )
      await this.#record(tx, forceId, acting, 'assist.intent-removed', forceId, { intent: name })
    })
  }

  /** The force's chatbot for the web chat when it is switched on; none otherwise. */
  async responderFor(forceId: string): Promise<ChatFirstResponder | undefined> {
    if (!(await this.chatbotSettings(forceId)).enabled) return undefined
    return new Chatbot(
      async () => {
        const { intents } = await this.knowledgeBase(forceId)
        return { intents, classifier: this.#classifierFor(forceId, intents) }
      },
      this.#provider && (await this.#provider.uses(forceId, 'chatbot'))
        ? this.#picker(forceId, this.#provider)
        : undefined,
    )
  }

  /**
   * The provider's reading of a message: one of the knowledge base's intents by name, or 'none'.
   * Any other answer is a failure, audited, and the embedded classifier answers instead.
   */
  #picker(forceId: string, provider: ProviderService): IntentPicker {
    return async ({ chatId, text, intents }) => {
      const answer = await provider.ask(
        forceId,
        'chatbot',
        {
          system: [
            'You sort a message sent to a police force’s non-emergency web chat into one intent.',
            'Reply with the name of one intent from this list and nothing else, or with none if no intent fits:',
            ...intents.map((i) => `${i.name}: ${i.title}`),
          ].join('\n'),
          user: text,
          maxTokens: 20,
        },
        chatId || forceId,
      )
      if (!answer) return undefined
      if (!answer.ok) return { provider: answer.provider, failure: answer.failure }
      const name = answer.text
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, ' ')
        .trim()
        .split(/\s+/)[0]
      if (name === 'none') return { provider: answer.provider, intent: 'none', ms: answer.ms }
      if (name && intents.some((i) => i.name === name))
        return { provider: answer.provider, intent: name, ms: answer.ms }
      await provider.fellBack(
        forceId,
        'chatbot',
        answer.provider,
        { kind: 'unreadable', detail: 'The provider named no intent in the knowledge base', ms: answer.ms },
        chatId || forceId,
      )
      return { provider: answer.provider, failure: 'unreadable' }
    }
  }

  /**
   * The force's knowledge base and the classifier trained on it (the same the chatbot uses), for
   * the voice IVR's spoken reasons (CRM-6).
   */
  async knowledge(forceId: string): Promise<{ intents: Intent[]; classifier: IntentClassifier }> {
    const { intents } = await this.knowledgeBase(forceId)
    return { intents, classifier: this.#classifierFor(forceId, intents) }
  }

  #classifierFor(forceId: string, intents: Intent[]): IntentClassifier {
    const hash = createHash('sha256').update(JSON.stringify(intents)).digest('hex')
    const cached = this.#trained.get(forceId)
    if (cached?.hash === hash) return cached.classifier
    const classifier = trainOn(intents)
    this.#trained.set(forceId, { hash, classifier })
    return classifier
  }
}
