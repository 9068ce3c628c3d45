// A small but realistic console for page checks: Kent and Essex cases arrived from STORM and
// Athena (so there are crimes, incidents, people and source events), one event that was
// quarantined, and messages sent, failed and scheduled — everything through Waypoint's own
// services, never rows written by hand.
import assert from 'node:assert/strict'
import { aMessage, aTemplate, dispatchDue } from '../../src/reporting/test-builders.ts'
import { caseLife, Random } from '../../src/simulator/scenarios.ts'
import type { TestApp } from './test-app.ts'

export interface ConsoleData {
  kentCrimeId: string
  kentCrimeRef: string
  essexCrimeId: string
  /** A Kent STORM event quarantined because its XML is broken, with a long unbroken line. */
  quarantinedEventId: string
}

/** Two Kent cases and one Essex case, their messages and a quarantined Kent event. */
export async function seedConsoleData(t: TestApp): Promise<ConsoleData> {
  const random = new Random(20261205)
  const crimeRefs: Record<string, string> = {}
  const at = new Date(t.clock.now().getTime() - 2 * 86_400_000)
  for (const [forceId, serial] of [
    ['kent', 701],
    ['kent', 702],
    ['essex', 703],
  ] as const) {
    for (const event of caseLife(random, forceId, serial, at)) {
      const result = await t.app.services.sources.receive(
        event.forceId,
        event.source,
        event.payload,
        event.contentType,
      )
      assert.notEqual(result.status, 'quarantined', String(result.reason))
      const ref = /"crimeReference":"([^"]+)"/.exec(event.payload)?.[1]
      if (ref && !crimeRefs[forceId]) crimeRefs[forceId] = ref
    }
  }
  // A STORM log whose free text runs on without a break, as a pasted URL or address would.
  const unbroken = 'https://intranet.kent.police.example/storm/logs/'.concat('x'.repeat(400))
  const quarantined = await t.app.services.sources.receive(
    'kent',
    'storm',
    `<storm><event id="Q-1"><note>${unbroken}</note><broken></storm>`,
    'application/xml',
  )
  assert.equal(quarantined.status, 'quarantined')
  assert.ok(quarantined.id)

  const crimeIds: Record<string, string> = {}
  for (const [forceId, crimeRef] of Object.entries(crimeRefs)) {
    const crime = await t.app.services.cases.findCrimeByRef(forceId, crimeRef)
    assert.ok(crime, `${forceId} has crime ${crimeRef}`)
    crimeIds[forceId] = crime.crime.id
  }
  for (const forceId of ['kent', 'essex']) {
    await aTemplate(t, forceId, { key: 'page-check-update', title: 'Investigation update', channel: 'sms' })
    await aTemplate(t, forceId, { key: 'page-check-email', title: 'Investigation letter', channel: 'email' })
    const caseId = crimeIds[forceId]
    await aMessage(t, forceId, {
      caseId,
      templateKey: 'page-check-update',
      channel: 'sms',
      to: '07700900801',
    })
    await aMessage(t, forceId, {
      caseId,
      templateKey: 'page-check-update',
      channel: 'sms',
      to: 'not-a-number',
    })
    await aMessage(t, forceId, {
      caseId,
      templateKey: 'page-check-email',
      channel: 'email',
      to: `a.very.long.address.that.does.not.break.anywhere.${'z'.repeat(60)}@victim-mail.example.org`,
    })
  }
  await dispatchDue(t)
  return {
    kentCrimeId: crimeIds.kent,
    kentCrimeRef: crimeRefs.kent,
    essexCrimeId: crimeIds.essex,
    quarantinedEventId: quarantined.id,
  }
}
