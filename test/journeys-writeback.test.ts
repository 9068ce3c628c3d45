// End to end across capabilities: a STORM log opens a case, the victim's journey sends a message
// through Messaging, and the sent message is written back to the open CAD log (UJ-9); once the
// incident is crimed and the log closed, messages go to the crime record in the RMS (UJ-10).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { FixedClock } from '../src/platform/clock.ts'
import { WritebackEndpointSettings } from '../src/sources/writeback/endpoint-settings.ts'
import { WritebackReceiver } from '../src/sources/writeback/receiver.ts'
import { WritebackRepository } from '../src/sources/writeback/repository.ts'
import { anAthenaEvent, aStormEvent } from '../src/sources/test-support/events.ts'
import { createTestApp, type TestApp } from './support/test-app.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z') // a Wednesday, 10:00 in London
let t: TestApp
let receiver: WritebackReceiver

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('essex')
  receiver = await WritebackReceiver.start()
  const settings = new WritebackEndpointSettings(new WritebackRepository(t.app.db), {
    db: t.app.db,
    audit: t.app.services.audit,
    clock,
    cipher: t.app.services.writeback.cipher,
    allowHttp: true,
  })
  const acting = { actor: { kind: 'system' as const, id: null, name: 'test' } }
  for (const target of ['cad', 'rms'] as const) {
    await settings.save(
      'essex',
      target,
      { url: receiver.url(target, '/{reference}'), authKind: 'none', enabled: true },
      acting,
    )
  }
})
after(async () => {
  await receiver.refuseConnections()
  await t.close()
})

const victim = {
  nominalId: 'N-777',
  urn: 'P-777',
  name: 'Aisha Khan',
  dateOfBirth: '1990-02-02',
  role: 'VIC',
  phone: '07700 900777',
  preferredContact: 'SMS',
}

async function settle() {
  for (let i = 0; i < 5; i++) await t.app.jobs.drain()
}

test('UJ-9: a journey message sent while the CAD log is open is written into that log', async () => {
  const created = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'S-1',
      at: clock.now().toISOString(),
      ref: 'ESX-1',
      grading: 'PRI',
      log: { openedAt: clock.now().toISOString(), incidentType: 'Burglary - residential' },
      persons: [victim],
    }),
    'application/json',
  )
  assert.equal(created.status, 'applied', created.reason ?? '')
  await settle()
  const cad = receiver.entries('cad')
  assert.ok(cad.length >= 1, 'the sent message reached the CAD log')
  assert.match(cad[0].path, /ESX-1/)
  assert.match(String(cad[0].body.content), /ESX-1/)
  assert.equal(receiver.entries('rms').length, 0, 'nothing goes to the RMS before the incident is crimed')
})

test('UJ-10: once crimed and the log closed, a message to the victim is written to the RMS record', async () => {
  await t.app.services.sources.receive(
    'essex',
    'athena',
    anAthenaEvent({
      id: 'A-1',
      type: 'INVESTIGATION_CREATED',
      at: clock.now().toISOString(),
      crimeRef: '42/00001/26',
      investigation: {
        linkedLogs: ['ESX-1'],
        crimeType: 'Burglary - residential',
        status: 'OPEN',
        vcop: { category: 'STANDARD' },
      },
      persons: [victim],
    }),
    'application/json',
  )
  await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'S-2',
      type: 'LOG_CLOSED',
      at: clock.now().toISOString(),
      ref: 'ESX-1',
      log: { closedAt: clock.now().toISOString(), closingCode: 'CRIMED' },
    }),
    'application/json',
  )
  const crime = await t.app.services.cases.findCrimeByRef('essex', '42/00001/26')
  assert.ok(crime)
  const cadBefore = receiver.entries('cad').length
  await t.app.db.withForce('essex', (tx) =>
    t.app.services.messaging.schedule(tx, {
      forceId: 'essex',
      caseId: crime.crime.id,
      channel: 'sms',
      to: '07700 900777',
      templateKey: 'crime-reference',
      personalisation: { force_name: 'Essex Police', reference: '42/00001/26' },
    }),
  )
  await settle()
  const rms = receiver.entries('rms')
  assert.ok(
    rms.some((e) => e.path.includes(encodeURIComponent('42/00001/26')) || e.path.includes('42/00001/26')),
    JSON.stringify(rms.map((e) => e.path)),
  )
  assert.ok(rms.some((e) => String(e.body.content).includes('42/00001/26')))
  assert.equal(receiver.entries('cad').length, cadBefore, 'a closed log takes no more entries')
  assert.equal(receiver.duplicates, 0)
})
