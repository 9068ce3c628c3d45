// Builders for reporting tests: real crimes and incidents through the case model, templates and
// messages through Messaging, dispatched by the real job — never rows written by hand.
import type { TestApp } from '../../test/support/test-app.ts'

let sequence = 0

/** A crime recorded through the case model, with no people (so no journey enrols). */
export async function aCrime(t: TestApp, forceId: string, crimeType: string): Promise<string> {
  sequence += 1
  const result = await t.app.db.withForce(forceId, (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      forceId,
      {
        kind: 'crime.recorded',
        crime: {
          crimeRef: `RPT/${sequence}/${process.pid}`,
          crimeType,
          status: 'open',
          recordedAt: t.clock.now(),
        },
        people: [],
      },
      { sourceSystem: 'athena', occurredAt: t.clock.now() },
    ),
  )
  return result.crimeId!
}

/** An incident opened through the case model, with no people. */
export async function anIncident(t: TestApp, forceId: string, incidentType: string): Promise<string> {
  sequence += 1
  const result = await t.app.db.withForce(forceId, (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      forceId,
      {
        kind: 'incident.opened',
        incident: {
          cadRef: `CAD-RPT-${sequence}-${process.pid}`,
          grading: 'Scheduled',
          incidentType,
          openedAt: t.clock.now(),
        },
        people: [],
      },
      { sourceSystem: 'storm', occurredAt: t.clock.now() },
    ),
  )
  return result.incidentId!
}

export async function aTemplate(
  t: TestApp,
  forceId: string,
  template: { key: string; title: string; channel: 'sms' | 'email' },
): Promise<void> {
  await t.app.db.withForce(forceId, (tx) =>
    t.app.services.messaging.templates.addTemplateVersion(tx, {
      forceId,
      ...template,
      ...(template.channel === 'email' ? { subject: 'An update from the police' } : {}),
      body: 'Your reference is ((ref)).',
    }),
  )
}

/** Schedules a message now about a case; `to` picks the fake Notify outcome for SMS. */
export async function aMessage(
  t: TestApp,
  forceId: string,
  m: { caseId: string; templateKey: string; channel: 'sms' | 'email'; to: string },
) {
  return t.app.db.withForce(forceId, (tx) =>
    t.app.services.messaging.scheduling.schedule(tx, {
      forceId,
      caseId: m.caseId,
      personId: `person-${m.caseId}`,
      channel: m.channel,
      to: m.to,
      templateKey: m.templateKey,
      personalisation: { ref: 'RPT-1' },
    }),
  )
}

/** Runs the dispatch job through pg-boss, as a worker would. */
export async function dispatchDue(t: TestApp): Promise<void> {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
}
