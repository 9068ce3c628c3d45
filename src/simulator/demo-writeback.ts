// The demo's CAD and RMS: one local write-back receiver plays every force's STORM log and Athena
// record, so `npm start` shows entries being written back (UJ-9, UJ-10). Forces whose endpoints
// an administrator has already set keep them.
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { Database } from '../platform/db/database.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import type { ForceService } from '../platform/tenancy/force-service.ts'
import { WritebackEndpointSettings } from '../writeback/endpoint-settings.ts'
import { WritebackReceiver } from '../writeback/receiver.ts'
import { WritebackRepository } from '../writeback/repository.ts'

/** What the demo receiver needs of the running Waypoint (the `App` satisfies it). */
export interface DemoWritebackHost {
  db: Database
  clock: Clock
  outbound: OutboundPolicy
  services: { audit: AuditService; credentials: CredentialKeys; forces: ForceService }
}

export async function startDemoWriteback(app: DemoWritebackHost): Promise<WritebackReceiver> {
  const receiver = await WritebackReceiver.start()
  const settings = new WritebackEndpointSettings(new WritebackRepository(app.db), {
    db: app.db,
    audit: app.services.audit,
    clock: app.clock,
    cipher: app.services.credentials,
    allowHttp: true,
    outbound: app.outbound,
  })
  const acting = { actor: { kind: 'system' as const, id: null, name: 'Demo simulator' } }
  for (const force of await app.services.forces.list()) {
    for (const endpoint of await settings.list(force.id)) {
      if (endpoint.configured) continue
      await settings.save(
        force.id,
        endpoint.target,
        {
          url: receiver.url(endpoint.target, `/${force.id}/{reference}`),
          authKind: 'none',
          timeoutSeconds: '10',
          enabled: true,
        },
        acting,
      )
    }
  }
  return receiver
}
