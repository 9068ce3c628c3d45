// What the retention service is handed by the composition root, and who acts on its behalf.
import type { CaseService } from '../cases/service.ts'
import type { JourneyService } from '../journeys/service.ts'
import type { MessagingServices } from '../messaging/messaging-services.ts'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import type { SourceService } from '../sources/service.ts'
import type { WritebackService } from '../writeback/service.ts'
import type { RetentionRepository } from './repository.ts'

export interface Acting {
  actor: AuditEvent['actor']
  ip?: string | null
  correlationId?: string | null
}

export interface RetentionDependencies {
  db: Database
  repo: RetentionRepository
  clock: Clock
  audit: AuditService
  cases: CaseService
  messaging: MessagingServices
  journeys: JourneyService
  writeback: WritebackService
  sources: SourceService
}
