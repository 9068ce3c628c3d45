// Every read of another force's record through a sharing agreement is audited in the owning
// force's trail, so the force that shared can see who looked at what (UJ-5, CP-5, CRM-5).
import type { FastifyRequest } from 'fastify'
import type { AuditService } from '../audit/audit-service.ts'
import { auditContext } from '../http/server.ts'

export interface Reader {
  /** The force the reader acts for; a region-wide reader (null) reads through no agreement. */
  forceId: string | null
  actor: { kind: 'staff' | 'client' | 'citizen' | 'system'; id: string | null; name: string | null }
  ip?: string | null
  correlationId?: string | null
}

export interface TenantRow {
  id: string
  forceId: string
}

/** The reader behind an HTTP request: staff, machine client or citizen. */
export function readerFrom(request: FastifyRequest): Reader {
  const forceId = request.staff?.forceId ?? request.client?.forceId ?? request.citizen?.forceId ?? null
  return { forceId, ...auditContext(request) }
}

/**
 * Records `record.read-shared` for each row owned by a force other than the reader's. Call it
 * after a query run with `db.withForce(reader's force)` returns rows. Returns how many were shared.
 */
export async function auditCrossForceReads(
  audit: Pick<AuditService, 'record'>,
  reader: Reader,
  recordType: string,
  rows: readonly TenantRow[],
): Promise<number> {
  if (!reader.forceId) return 0
  const shared = rows.filter((row) => row.forceId !== reader.forceId)
  for (const row of shared) {
    await audit.record({
      action: 'record.read-shared',
      forceId: row.forceId,
      actor: reader.actor,
      recordType,
      recordId: row.id,
      detail: { readerForceId: reader.forceId },
      ip: reader.ip ?? null,
      correlationId: reader.correlationId ?? null,
    })
  }
  return shared.length
}
