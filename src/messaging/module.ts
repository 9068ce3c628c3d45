// Builds the messaging capability for the composition root: repository, service, channels,
// dispatcher, jobs and the wake-up that ties scheduling to dispatch.
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Database } from '../platform/db/database.ts'
import type { JobQueue } from '../platform/jobs.ts'
import type { Logger } from '../platform/logger.ts'
import { NotifyChannel, OutboxChannel, SmtpChannel } from './channels.ts'
import { MessageDispatcher, type SentMessageListener } from './dispatch.ts'
import { messagingJobs, wakeDispatchAt } from './jobs.ts'
import { NotifyKeys } from './notify-keys.ts'
import { MessagingRepository } from './repository.ts'
import { OutboxService } from './outbox-service.ts'
import { MessagingService, type OptOutListener } from './service.ts'
import { UnsubscribeLinks } from './unsubscribe-links.ts'

export function createMessaging(deps: {
  config: Config
  db: Database
  clock: Clock
  log: Logger
  jobs: JobQueue
  /** Write-back of each sent message to CAD or the RMS (UJ-9, UJ-10), wired by the app. */
  onSent?: SentMessageListener
  /** Write-back of each new opt-out to CAD or the RMS (UJ-6, UJ-9, UJ-10), wired by the app. */
  onOptedOut?: OptOutListener
}) {
  const { config, db, clock, jobs } = deps
  const repository = new MessagingRepository(db)
  const service = new MessagingService(repository, clock, config.messaging, {
    ...(deps.onOptedOut ? { onOptedOut: deps.onOptedOut } : {}),
  })
  const notifyKeys = new NotifyKeys({
    db,
    repo: repository,
    secret: config.writeback.credentialKey,
    configured: config.messaging.notify.apiKeys,
    notify: config.messaging.notify,
  })
  service.useNotifyKeys(notifyKeys)
  const links = new UnsubscribeLinks(config.messaging.linkSecret, config.http.publicUrl)
  service.useUnsubscribeLinks(links)
  const smtp = new SmtpChannel(config.messaging.smtp)
  const notify = new NotifyChannel(config.messaging.notify, (forceId) => notifyKeys.accountFor(forceId))
  const dispatcher = new MessageDispatcher({
    db,
    repo: repository,
    channels: [new OutboxChannel(), notify, smtp],
    clock,
    config: config.messaging,
    links,
    log: deps.log,
    onSent: deps.onSent,
    wake: (tx, at) => service.wakeDispatch(tx, at),
  })
  const definitions = messagingJobs(dispatcher, jobs, clock)
  jobs.register(definitions.dispatchDueMessages, definitions.dispatchNow, definitions.pollMessageReceipts)
  wakeDispatchAt(service, db, jobs, definitions, clock, deps.log)
  const outbox = new OutboxService(service, clock, config.messaging)
  return { service, outbox, dispatcher, links, notify, smtp, jobs: definitions, close: () => smtp.close() }
}
