// Builds conversations for the composition root: the service, the inbound email listener (started
// by the `all` and `web` roles when configured), the console routes, and the person page's
// messages in both directions.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AuditService } from '../../platform/audit/audit-service.ts'
import type { Clock } from '../../platform/clock.ts'
import type { Config } from '../../platform/config.ts'
import type { Database, Tx } from '../../platform/db/database.ts'
import type { JobQueue } from '../../platform/jobs.ts'
import type { Logger } from '../../platform/logger.ts'
import type { OutboundPolicy } from '../../platform/outbound.ts'
import type { PushService } from '../../platform/push/push-service.ts'
import type { SmtpChannel } from '../channels.ts'
import type { DirectMessageService } from '../direct-message-service.ts'
import type { OptOutService } from '../opt-out-service.ts'
import { type AttachmentScanner, BuiltInScanner, ClamdScanner, ScannerChain } from './attachment-scanner.ts'
import { AttachmentService, scanAttachmentsJob } from './attachment-service.ts'
import { InboundEmailListener } from './inbound-email.ts'
import { ConversationRepository } from './repository.ts'
import { conversationReaders, registerConversationRoutes } from './routes.ts'
import {
  attachmentLimits,
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
  /** A STOP text opts its number out (UJ-6). */
  optOuts: OptOutService
  forceIds: () => Promise<string[]>
  /** Live push: the topics are declared here, with who may follow them (within their force). */
  push?: PushService
  /** The scan job is queued in the transaction that stores attachments. */
  jobs?: JobQueue
  /** Where clamd may be reached (OUTBOUND_SCANNER_HOSTS). */
  outbound?: OutboundPolicy
}) {
  deps.push?.defineTopic({ name: conversationTopic, staff: conversationReaders })
  deps.push?.defineTopic({ name: personMessagesTopic, staff: conversationReaders })
  const repo = new ConversationRepository()
  const clamd = deps.config.attachments.clamd
  const scanners: AttachmentScanner[] = [new BuiltInScanner(attachmentLimits)]
  if (clamd.host && deps.outbound)
    scanners.push(
      new ClamdScanner({ host: clamd.host, port: clamd.port, timeoutMs: clamd.timeoutMs }, deps.outbound),
    )
  const attachments = new AttachmentService({
    db: deps.db,
    repo,
    scanner: new ScannerChain(scanners),
    clock: deps.clock,
    audit: deps.audit,
    log: deps.log.child({ component: 'attachment-scan' }),
    ...(deps.push ? { push: deps.push } : {}),
  })
  const scanJob = scanAttachmentsJob(attachments)
  const jobs = deps.jobs
  const service = new ConversationService({
    db: deps.db,
    repo,
    clock: deps.clock,
    audit: deps.audit,
    direct: deps.direct,
    optOuts: deps.optOuts,
    ...(deps.push ? { push: deps.push } : {}),
    ...(jobs ? { onAttachments: (tx: Tx) => jobs.send(scanJob, {}, { tx }) } : {}),
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
    attachments,
    jobs: [scanJob],
    inboundEmail,
    registerRoutes: (http: FastifyInstance) =>
      registerConversationRoutes(http, { conversations: service, attachments, audit: deps.audit }),
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
