// End to end across capabilities: a STORM log opens a case, the victim's journey sends a message
// through Messaging, and the sent message is written back to the open CAD log (UJ-9); once the
// incident is crimed and the log closed, messages go to the crime record in the RMS (UJ-10).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { UnsubscribeLinks } from '../src/messaging/unsubscribe-links.ts'
import { FixedClock } from '../src/platform/clock.ts'
import { WritebackEndpointSettings } from '../src/writeback/endpoint-settings.ts'
import { WritebackReceiver } from '../src/writeback/receiver.ts'
import { WritebackRepository } from '../src/writeback/repository.ts'
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
    outbound: t.app.outbound,
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
  // As in UJ-10 below: on a loaded machine the entry can take more than five drains.
  const deadline = Date.now() + 60_000
  do {
    await settle()
    if (receiver.entries('cad').length > 0) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  } while (Date.now() < deadline)
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
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'essex',
      caseId: crime.crime.id,
      channel: 'sms',
      to: '07700 900777',
      templateKey: 'crime-reference',
      personalisation: { force_name: 'Essex Police', reference: '42/00001/26' },
    }),
  )
  // Until the record has it, at most a minute: on a loaded machine a delivery that timed out is
  // tried again a little later (once CI's run at a load of 10 found none after five drains).
  const written = () =>
    receiver
      .entries('rms')
      .some((e) => e.path.includes(encodeURIComponent('42/00001/26')) || e.path.includes('42/00001/26'))
  const deadline = Date.now() + 60_000
  do {
    await settle()
    if (written()) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  } while (Date.now() < deadline)
  const rms = receiver.entries('rms')
  assert.ok(written(), JSON.stringify(rms.map((e) => e.path)))
  assert.ok(rms.some((e) => String(e.body.content).includes('42/00001/26')))
  assert.equal(receiver.entries('cad').length, cadBefore, 'a closed log takes no more entries')
  assert.equal(receiver.duplicates, 0)
})

async function replyToText(from: string, message: string) {
  return t.app.http.inject({
    method: 'POST',
    url: '/callbacks/notify/essex/inbound-sms',
    headers: { authorization: `Bearer ${t.app.config.messaging.notify.callbackToken}` },
    payload: { source_number: from, message, id: `inbound-${message}-${from}` },
  })
}

test('UJ-6, UJ-10: a STOP reply once crimed is written back to the crime record as an opt-out, once', async () => {
  const rmsBefore = receiver.entries('rms').length
  const cadBefore = receiver.entries('cad').length
  const stop = await replyToText('+447700900777', 'Stop please')
  assert.equal(stop.statusCode, 200, stop.body)
  await settle()
  const optOuts = receiver.entries('rms').slice(rmsBefore)
  assert.equal(optOuts.length, 1, JSON.stringify(optOuts))
  const [entry] = optOuts
  assert.match(entry!.path, /42%2F00001%2F26|42\/00001\/26/)
  assert.equal(entry!.body.kind, 'opt-out')
  assert.equal(entry!.body.channel, 'sms')
  assert.equal(entry!.body.notifyVictim, false, 'the RMS must not message the victim about it')
  assert.match(
    String(entry!.body.content),
    /replied STOP: Waypoint will send them no more automated text messages/,
  )
  assert.equal(receiver.entries('cad').length, cadBefore, 'the closed log takes no entry')

  // The same reply again changes nothing: the opt-out stands, and the record already has it.
  assert.equal((await replyToText('07700 900777', 'STOP')).statusCode, 200)
  await settle()
  assert.equal(receiver.entries('rms').length, rmsBefore + 1)
  assert.equal(receiver.duplicates, 0)
})

test('UJ-6, UJ-9: a request made to staff while the CAD log is open is written into that log with the note', async () => {
  const caller = { ...victim, nominalId: 'N-778', urn: 'P-778', name: 'Ben Ode', phone: '07700 900778' }
  const created = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'S-3',
      at: clock.now().toISOString(),
      ref: 'ESX-2',
      grading: 'PRI',
      log: { openedAt: clock.now().toISOString(), incidentType: 'Burglary - residential' },
      persons: [caller],
    }),
    'application/json',
  )
  assert.equal(created.status, 'applied', created.reason ?? '')
  await settle()
  const cadBefore = receiver.entries('cad').length
  assert.ok(
    receiver.entries('cad').some((e) => e.path.includes('ESX-2')),
    'the first message reached the log',
  )

  const handler = await t.signInAs(['contact_handler'], 'essex')
  const saved = await handler.post('/console/opt-outs', {
    channel: 'all',
    address: '07700 900778',
    note: 'Called the contact centre; wants no texts',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  await settle()
  const added = receiver.entries('cad').slice(cadBefore)
  assert.equal(added.length, 1, JSON.stringify(added))
  assert.match(added[0]!.path, /ESX-2/)
  assert.equal(added[0]!.body.kind, 'opt-out')
  assert.equal(added[0]!.body.channel, 'all')
  assert.match(
    String(added[0]!.body.content),
    /asked staff to stop automated messages: .*Note: Called the contact centre; wants no texts/,
  )
  const entries = await t.app.services.writeback.entriesFor('essex', 'cad', 'ESX-2')
  const optOut = entries.find((e) => e.kind === 'opt-out')
  assert.equal(optOut?.status, 'delivered')
  assert.equal(optOut?.createdBy, handler.userId, 'the entry names the member of staff who recorded it')

  // An address Waypoint never messaged about a case is recorded, with nothing to write back.
  const before = receiver.entries('cad').length + receiver.entries('rms').length
  assert.equal(
    (await handler.post('/console/opt-outs', { channel: 'sms', address: '07700 900999' })).statusCode,
    303,
  )
  await settle()
  assert.equal(receiver.entries('cad').length + receiver.entries('rms').length, before)
})

test('UJ-6, UJ-10: unsubscribing by an email’s one-click link is written back to the crime record', async () => {
  const crime = await t.app.services.cases.findCrimeByRef('essex', '42/00001/26')
  assert.ok(crime)
  await t.app.db.withForce('essex', (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId: 'essex',
      caseId: crime.crime.id,
      channel: 'email',
      to: 'Aisha.Khan@example.org',
      templateKey: 'crime-reference',
      personalisation: { force_name: 'Essex Police', reference: '42/00001/26' },
    }),
  )
  await settle()
  const rmsBefore = receiver.entries('rms').length
  const links = new UnsubscribeLinks(t.app.config.messaging.linkSecret, t.app.config.http.publicUrl)
  const unsubscribed = await t.app.http.inject({
    method: 'POST',
    url: `/unsubscribe/${links.tokenFor('essex', 'email', 'aisha.khan@example.org')}`,
  })
  assert.equal(unsubscribed.statusCode, 200)
  assert.match(unsubscribed.body, /You have unsubscribed/)
  await settle()
  const added = receiver.entries('rms').slice(rmsBefore)
  assert.equal(added.length, 1, JSON.stringify(added))
  assert.equal(added[0]!.body.kind, 'opt-out')
  assert.equal(added[0]!.body.channel, 'email')
  assert.match(
    String(added[0]!.body.content),
    /unsubscribed by the link in an email: .* no more automated emails/,
  )
})
