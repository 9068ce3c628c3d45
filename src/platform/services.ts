// The platform's own services, as the composition root hands them to platform routes and to
// capability modules. Platform code names only these; the capabilities' services are added by
// the composition root (`src/services.ts`), so nothing here depends on a capability.
import type { ApiClientService } from './api/client-service.ts'
import type { IdempotencyRepository } from './api/idempotency-repository.ts'
import type { ApprovalService } from './approvals/approval-service.ts'
import type { AuditService } from './audit/audit-service.ts'
import type { StaffMail } from './auth/staff-mail.ts'
import type { StaffService } from './auth/staff-service.ts'
import type { CredentialKeys } from './credential-keys.ts'
import type { CitizenSessions } from './http/citizen-sessions.ts'
import type { SessionService } from './http/session-service.ts'
import type { ServiceIncidentService } from './service-status/service-incident-service.ts'
import type { PushService } from './push/push-service.ts'
import type { ForceService } from './tenancy/force-service.ts'

export interface PlatformServices {
  /** Second-person approval of journey and template changes (issue 13 §7). */
  approvals: ApprovalService
  apiClients: ApiClientService
  /** Answers kept for repeated integration API POSTs with the same Idempotency-Key. */
  apiIdempotency: IdempotencyRepository
  audit: AuditService
  /**
   * The installation's credential keys (WRITEBACK_CREDENTIAL_KEY and its previous value): every
   * capability seals and opens the credentials it keeps with these, never a cipher of its own.
   */
  credentials: CredentialKeys
  forces: ForceService
  serviceIncidents: ServiceIncidentService
  staff: StaffService
  sessions: SessionService
  /** Where identity providers sign citizens in (their own sessions and cookie). */
  citizenSessions: CitizenSessions
  /** Live events to pages, across every web process (PostgreSQL NOTIFY). */
  push: PushService
  /** Email to members of staff (set-up links); in development and tests, a mailbox in memory. */
  staffMail: StaffMail
}
