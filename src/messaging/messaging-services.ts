// The services messaging offers the rest of Waypoint, each with the repositories it owns:
// templates, settings, scheduling (and the messages dispatch sends) and opt-outs. Conversations,
// the two-way side, are built beside them (conversations/module.ts).
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Database } from '../platform/db/database.ts'
import type { OutboxChannel } from './channels.ts'
import { DirectMessageService } from './direct-message-service.ts'
import { MessageRepository } from './message-repository.ts'
import { OptOutRepository } from './opt-out-repository.ts'
import { type OptOutListener, OptOutService } from './opt-out-service.ts'
import { RateBucketRepository } from './rate-bucket-repository.ts'
import { SchedulingService } from './scheduling-service.ts'
import { MessagingSettingsRepository } from './settings-repository.ts'
import { MessagingSettingsService } from './settings-service.ts'
import { TemplateRepository } from './template-repository.ts'
import { TemplateService } from './template-service.ts'
import type { UnsubscribeLinks } from './unsubscribe-links.ts'

/** Messaging's repositories: the only code that touches its tables. */
export interface MessagingRepositories {
  templates: TemplateRepository
  settings: MessagingSettingsRepository
  messages: MessageRepository
  optOuts: OptOutRepository
  buckets: RateBucketRepository
}

export interface MessagingServices {
  templates: TemplateService
  settings: MessagingSettingsService
  scheduling: SchedulingService
  optOuts: OptOutService
  /** Messages staff write to one person (replies in conversations). */
  direct: DirectMessageService
  /** The dev outbox channel: the demo's simulated phones listen to it and reply through it. */
  devOutbox?: OutboxChannel
}

export function messagingRepositories(db: Database): MessagingRepositories {
  return {
    templates: new TemplateRepository(db),
    settings: new MessagingSettingsRepository(db),
    messages: new MessageRepository(db),
    optOuts: new OptOutRepository(),
    buckets: new RateBucketRepository(),
  }
}

export function createMessagingServices(deps: {
  repositories: MessagingRepositories
  clock: Clock
  config: Config['messaging']
  links?: UnsubscribeLinks
  /** Write-back of each new opt-out to CAD or the RMS (UJ-6, UJ-9, UJ-10). */
  onOptedOut?: OptOutListener | undefined
}): MessagingServices {
  const repos = deps.repositories
  const links = deps.links ? { links: deps.links } : {}
  const settings = new MessagingSettingsService({
    repo: repos.settings,
    buckets: repos.buckets,
    clock: deps.clock,
  })
  const scheduling = new SchedulingService({
    messages: repos.messages,
    templates: repos.templates,
    settings: repos.settings,
    optOuts: repos.optOuts,
    clock: deps.clock,
    config: deps.config,
    ...links,
  })
  return {
    templates: new TemplateService({ repo: repos.templates, settings, ...links }),
    settings,
    scheduling,
    optOuts: new OptOutService({
      repo: repos.optOuts,
      messages: repos.messages,
      scheduling,
      clock: deps.clock,
      onOptedOut: deps.onOptedOut,
    }),
    direct: new DirectMessageService({
      messages: repos.messages,
      settings: repos.settings,
      optOuts: repos.optOuts,
      scheduling,
      clock: deps.clock,
      config: deps.config,
      ...links,
    }),
  }
}
