// Builds conversations for the composition root: the service, the inbound email listener (started
// by the `all` and `web` roles when configured), the console routes, and the person page's
// messages in both directions.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AuditService } from '../../platform/audit/audit-service.ts'
import type { Clock } from '../../platform/clock.ts'
import type { Config } from '../../platform/config.ts'
import type { Database } from '../../platform/db/database.ts'
import type { Logger } from '../../platform/logger.ts'
import type { PushService } from '../../platform/push/push-service.ts'
import type { SmtpChannel } from '../channels.ts'
import type { DirectMessageService } from '../direct-message-service.ts'
import { InboundEmailListener } from './inbound-email.ts'
import { ConversationRepository } from './repository.ts'
import { conversationReaders, registerConversationRoutes } from './routes.ts'
import {
  ConversationService,
  conversationTopic,
  type PersonMessageEntry,
  personMessagesTopic,
} from './service.ts'

export function createConversations(deps: {
  config: Config
  db: Database
  clock: Clock
  audit: AuditService
  log: Logger
  smtp: SmtpChannel
  /** Sends replies by text and email through messaging's dispatch. */
  direct: DirectMessageService
  forceIds: () => Promise<string[]>
  /** Live push: the topics are declared here, with who may follow them (within their force). */
  push?: PushService
}) {
  deps.push?.defineTopic({ name: conversationTopic, staff: conversationReaders })
  deps.push?.defineTopic({ name: personMessagesTopic, staff: conversationReaders })
  const service = new ConversationService({
    db: deps.db,
    repo: new ConversationRepository(),
    clock: deps.clock,
    audit: deps.audit,
    direct: deps.direct,
    ...(deps.push ? { push: deps.push } : {}),
  })
  const inboundEmail = new InboundEmailListener({
    config: deps.config.inboundEmail,
    db: deps.db,
    channel: deps.smtp,
    conversations: service,
    audit: deps.audit,
    forceIds: deps.forceIds,
    log: deps.log.child({ component: 'inbound-email' }),
  })
  return {
    service,
    inboundEmail,
    registerRoutes: (http: FastifyInstance) =>
      registerConversationRoutes(http, { conversations: service, audit: deps.audit }),
    /** Each conversation shown on a person page is audited as viewed (CP-153). */
    personMessages: (
      request: FastifyRequest,
      forceId: string,
      personId: string,
    ): Promise<PersonMessageEntry[]> =>
      service.personMessages(forceId, personId, (tx, conversationId) =>
        deps.audit.recordView(
          request,
          { forceId, recordType: 'conversation', recordId: conversationId, detail: { on: 'person page' } },
          tx,
        ),
      ),
  }
}
