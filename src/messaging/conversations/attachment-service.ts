// Attachments of conversation messages: the scan job's work (each pending file scanned, the verdict
// recorded and audited in the file's force, and the pages showing it told), and a file for staff
// to download, only once a scan has found it clean, with the type its bytes showed.
import { Type } from '@sinclair/typebox'
import type { AuditService } from '../../platform/audit/audit-service.ts'
import type { Clock } from '../../platform/clock.ts'
import type { Database, Tx } from '../../platform/db/database.ts'
import { DomainError, NotFoundError } from '../../platform/errors.ts'
import { defineJob } from '../../platform/jobs.ts'
import type { Logger } from '../../platform/logger.ts'
import type { PushService } from '../../platform/push/push-service.ts'
import type { AttachmentScanner } from './attachment-scanner.ts'
import type { AttachmentRow, ConversationRepository } from './repository.ts'
import { conversationTopic, personMessagesTopic } from './service.ts'

export interface ScanRun {
  scanned: number
  clean: number
  infected: number
  failed: number
  /** Files the scanner could not give a verdict on: left pending for the next run. */
  deferred: number
}

export class AttachmentService {
  readonly #db: Database
  readonly #repo: ConversationRepository
  readonly #scanner: AttachmentScanner
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #push: PushService | undefined
  readonly #log: Logger

  constructor(deps: {
    db: Database
    repo: ConversationRepository
    scanner: AttachmentScanner
    clock: Clock
    audit: AuditService
    push?: PushService
    log: Logger
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#scanner = deps.scanner
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#push = deps.push
    this.#log = deps.log
  }

  /**
   * Scans up to `limit` pending attachments, one at a time (each may be 10 MB), outside any
   * transaction; each verdict is recorded in its own. A scanner that cannot tell (clamd down)
   * leaves the file pending for the next run: nothing is served meanwhile.
   */
  async scanPending(limit = 20): Promise<ScanRun> {
    const run: ScanRun = { scanned: 0, clean: 0, infected: 0, failed: 0, deferred: 0 }
    const pending = await this.#db.asSystem((tx) => this.#repo.pendingAttachments(tx, limit))
    for (const attachment of pending) {
      let verdict: Awaited<ReturnType<AttachmentScanner['scan']>>
      try {
        verdict = await this.#scanner.scan({
          filename: attachment.filename,
          declaredType: attachment.contentType,
          content: attachment.content,
        })
      } catch (error) {
        // Expected while a scanner is unreachable: the file stays pending and is tried again.
        this.#log.warn({ err: error, attachmentId: attachment.id }, 'an attachment could not be scanned yet')
        run.deferred += 1
        continue
      }
      await this.#db.withForce(attachment.forceId, async (tx) => {
        const recorded = await this.#repo.recordScan(tx, attachment.id, {
          ...verdict,
          scannedBy: this.#scanner.name,
          at: this.#clock.now(),
        })
        if (!recorded) return
        await this.#audit.record(
          {
            action: 'conversation-attachment.scanned',
            forceId: attachment.forceId,
            actor: { kind: 'system', name: `Attachment scanner (${this.#scanner.name})` },
            recordType: 'conversation-attachment',
            recordId: attachment.id,
            detail: { status: verdict.status, detectedType: verdict.detectedType, reason: verdict.detail },
          },
          tx,
        )
        await this.#publish(tx, recorded, attachment.id)
      })
      run.scanned += 1
      run[verdict.status] += 1
    }
    return run
  }

  async #publish(
    tx: Tx,
    where: { forceId: string; conversationId: string; personId: string | null; messageId: string },
    attachmentId: string,
  ): Promise<void> {
    if (!this.#push) return
    const ids = { message: where.messageId, attachment: attachmentId }
    await this.#push.publish(
      { forceId: where.forceId, topic: conversationTopic, key: where.conversationId, ids },
      tx,
    )
    if (where.personId)
      await this.#push.publish(
        { forceId: where.forceId, topic: personMessagesTopic, key: where.personId, ids },
        tx,
      )
  }

  /**
   * A file for a member of staff to download, with the view audited in the same transaction. Not
   * found in another force; refused (409) until a scan has found it clean.
   */
  async download(
    forceId: string,
    conversationId: string,
    attachmentId: string,
    audit: (tx: Tx, attachment: AttachmentRow) => Promise<unknown>,
  ): Promise<AttachmentRow & { content: Buffer }> {
    return this.#db.withForce(forceId, async (tx) => {
      const found = await this.#repo.attachmentContent(tx, conversationId, attachmentId)
      if (!found) throw new NotFoundError('The attachment')
      if (found.scanStatus !== 'clean')
        throw new DomainError(
          'attachment-not-clean',
          found.scanStatus === 'pending'
            ? 'This file has not been scanned for viruses yet, so it cannot be downloaded. Try again in a few minutes.'
            : `This file cannot be downloaded: the scan found it ${found.scanStatus === 'infected' ? 'infected' : 'not acceptable'}${found.scanDetail ? ` (${found.scanDetail})` : ''}.`,
          { status: 409 },
        )
      await audit(tx, found)
      return found
    })
  }
}

/** The scan job: each minute, on start, and as soon as a message with attachments is stored. */
export function scanAttachmentsJob(attachments: AttachmentService) {
  return defineJob({
    name: 'conversations.scan-attachments',
    payload: Type.Object({}),
    cron: '* * * * *',
    runOnStart: true,
    // At most one waiting: a run scans everything pending, oldest first.
    policy: 'short',
    expireInSeconds: 600,
    retryLimit: 3,
    retryDelaySeconds: 30,
    async handle() {
      // Each run takes a batch; more waiting means another run at once.
      for (let i = 0; i < 10; i++) {
        const run = await attachments.scanPending(20)
        if (run.scanned + run.deferred < 20 || run.scanned === 0) return
      }
    },
  })
}
