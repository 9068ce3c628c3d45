// The demo's CAD and RMS: one local write-back receiver plays every force's STORM log and Athena
// record, so `npm start` shows entries being written back (UJ-9, UJ-10). Forces whose endpoints
// an administrator has already set keep them.
import type { App } from '../app.ts'
import { WritebackEndpointSettings } from '../sources/writeback/endpoint-settings.ts'
import { WritebackReceiver } from '../sources/writeback/receiver.ts'
import { WritebackRepository } from '../sources/writeback/repository.ts'

export async function startDemoWriteback(app: App): Promise<WritebackReceiver> {
  const receiver = await WritebackReceiver.start()
  const settings = new WritebackEndpointSettings(new WritebackRepository(app.db), {
    db: app.db,
    audit: app.services.audit,
    clock: app.clock,
    cipher: app.services.writeback.cipher,
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
