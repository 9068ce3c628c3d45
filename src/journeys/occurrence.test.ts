// One enrolment per person, journey and occurrence: a CAD log and the crime raised from it are one
// occurrence, however and whenever the sources say so. Each victim gets each step once.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { CaseEvent } from '../cases/events.ts'
import type { CaseChange, PersonFacts } from '../cases/model.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

let t: TestApp
let sequence = 0
const clock = new FixedClock('2026-06-03T09:00:00Z') // Wednesday 10:00 in London

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
})
after(() => t.close())

/** One victim as STORM and Athena each describe them: their own ids, the same name and birth date. */
function aVictim() {
  sequence += 1
  const common = {
    name: `Victim ${sequence} ${process.pid}`,
    dateOfBirth: '1979-02-03',
    role: 'victim' as const,
    phones: [{ value: `+4477009${String(sequence).padStart(5, '0')}`, mobile: true }],
    emails: [],
    markers: [],
  }
  return {
    storm: { stormNominal: `N-${process.pid}-${sequence}`, ...common } satisfies PersonFacts,
    athena: { athenaUrn: `P-${process.pid}-${sequence}`, ...common } satisfies PersonFacts,
  }
}

function refs() {
  sequence += 1
  return { cadRef: `KNT-${process.pid}-${sequence}`, crimeRef: `46/${process.pid}/${sequence}` }
}

function incident(
  cadRef: string,
  victim: PersonFacts,
  more: Partial<CaseChange['incident']> = {},
): CaseChange {
  return {
    kind: 'incident.opened',
    incident: { cadRef, grading: 'Immediate', incidentType: 'Theft', openedAt: clock.now(), ...more },
    people: [victim],
  }
}

function crime(
  crimeRef: string,
  victim: PersonFacts,
  more: Partial<NonNullable<CaseChange['crime']>> = {},
): CaseChange {
  return {
    kind: 'crime.recorded',
    crime: {
      crimeRef,
      crimeType: 'Theft from the person',
      status: 'open',
      vcopCategory: 'standard',
      recordedAt: clock.now(),
      ...more,
    },
    people: [victim],
  }
}

async function ingest(changes: CaseChange[], delivery: 'now' | 'later' = 'now') {
  return t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChanges(
      tx,
      'kent',
      changes.map((change) => ({
        change,
        provenance: { sourceSystem: change.incident ? 'storm' : 'athena', occurredAt: clock.now() },
      })),
      { delivery },
    ),
  )
}

async function query<T>(text: ReturnType<typeof sql>): Promise<T[]> {
  return t.app.db.withForce('kent', (tx) => rows<T>(tx, text))
}

/** The people on an incident and a crime (the case model's matching decides who is who). */
async function peopleOn(incidentId: string, crimeId: string): Promise<string[]> {
  const found = await query<{ personId: string }>(
    sql`select distinct person_id as "personId" from case_parties
        where incident_id = ${incidentId}::uuid or crime_id = ${crimeId}::uuid`,
  )
  return found.map((r) => r.personId)
}

async function enrolmentsOf(personId: string) {
  return query<{ journey: string; status: string; mergedInto: string | null; vcopDueAt: Date | null }>(
    sql`select j.name as journey, e.status, e.merged_into as "mergedInto", e.vcop_due_at as "vcopDueAt"
        from enrolments e join journeys j on j.id = e.journey_id
        where e.person_id = ${personId}::uuid order by e.enrolled_at, j.name`,
  )
}

/** Messages to the person that went or are to go (not those cancelled or held back). */
async function messagesTo(personId: string) {
  return query<{ template: string; body: string }>(
    sql`select template_key as template, body from messages
        where person_id = ${personId} and status not in ('cancelled', 'suppressed')
        order by created_at, template_key`,
  )
}

function repeated(messages: { template: string }[]): string[] {
  const seen = new Set<string>()
  return messages.map((m) => m.template).filter((key) => seen.has(key) || !seen.add(key))
}

async function assertOnceEach(incidentId: string, crimeId: string) {
  const people = await peopleOn(incidentId, crimeId)
  assert.equal(people.length, 1, 'STORM’s and Athena’s victim are one person')
  const personId = people[0]!
  const live = (await enrolmentsOf(personId)).filter((e) => !e.mergedInto)
  assert.deepEqual(
    live.map((e) => e.journey),
    ['Immediate response'],
  )
  const messages = await messagesTo(personId)
  assert.deepEqual(
    messages.map((m) => m.template),
    ['incident-reference', 'officer-on-the-way'],
  )
  assert.deepEqual(repeated(messages), [])
  return { personId, enrolment: live[0]! }
}

test('UJ-4: incident first, then the crime raised from it: the victim is enrolled once and gets each message once', async () => {
  clock.set('2026-06-03T09:00:00Z')
  const victim = aVictim()
  const { cadRef, crimeRef } = refs()
  const [opened] = await ingest([incident(cadRef, victim.storm)])
  clock.set('2026-06-03T09:30:00Z')
  const [recorded] = await ingest([crime(crimeRef, victim.athena, { linkedCadRefs: [cadRef] })])
  await t.app.jobs.drain()
  const { enrolment } = await assertOnceEach(opened!.incidentId!, recorded!.crimeId!)
  // The crime gives the enrolment its Victims' Code deadline: 5 working days after Wednesday.
  assert.equal(new Date(enrolment.vcopDueAt!).toISOString(), '2026-06-10T22:59:00.000Z')
})

test('UJ-4: the crime first (naming its CAD log), then the log: the victim is enrolled once and gets each message once', async () => {
  clock.set('2026-06-03T10:00:00Z')
  const victim = aVictim()
  const { cadRef, crimeRef } = refs()
  const [recorded] = await ingest([crime(crimeRef, victim.athena, { linkedCadRefs: [cadRef] })])
  clock.set('2026-06-03T10:05:00Z')
  const [opened] = await ingest([incident(cadRef, victim.storm)])
  await t.app.jobs.drain()
  await assertOnceEach(opened!.incidentId!, recorded!.crimeId!)
})

test('UJ-4: the incident and its crime in one batch: the victim is enrolled once and gets each message once', async () => {
  clock.set('2026-06-03T11:00:00Z')
  const victim = aVictim()
  const { cadRef, crimeRef } = refs()
  const [opened, recorded] = await ingest([
    incident(cadRef, victim.storm),
    crime(crimeRef, victim.athena, { linkedCadRefs: [cadRef] }),
  ])
  await t.app.jobs.drain()
  await assertOnceEach(opened!.incidentId!, recorded!.crimeId!)
})

test('UJ-4: the incident and its crime delivered in two transactions at once: the database enrols the victim once', async () => {
  clock.set('2026-06-03T12:00:00Z')
  const victim = aVictim()
  const { cadRef, crimeRef } = refs()
  // Both changes applied, their case events left waiting, then handed to Journeys side by side.
  const [opened] = await ingest([incident(cadRef, victim.storm)], 'later')
  const [recorded] = await ingest([crime(crimeRef, victim.athena, { linkedCadRefs: [cadRef] })], 'later')
  const [personId] = await peopleOn(opened!.incidentId!, recorded!.crimeId!)
  const base = { forceId: 'kent', occurredAt: clock.now(), changes: {} }
  const added = { role: { from: null, to: 'victim' } }
  const onIncident: CaseEvent[] = [
    { ...base, type: 'incident.opened', incidentId: opened!.incidentId!, sourceSystem: 'storm' },
    {
      ...base,
      type: 'case.party-added',
      incidentId: opened!.incidentId!,
      personId: personId!,
      changes: added,
      sourceSystem: 'storm',
    },
  ]
  const onCrime: CaseEvent[] = [
    { ...base, type: 'crime.recorded', crimeId: recorded!.crimeId!, sourceSystem: 'athena' },
    {
      ...base,
      type: 'case.party-added',
      crimeId: recorded!.crimeId!,
      personId: personId!,
      changes: added,
      sourceSystem: 'athena',
    },
  ]
  const enrolments = t.app.services.enrolments
  // On PostgreSQL the first transaction stays open until the second has begun, so both decide
  // before either commits; PGlite has one connection and runs them one after the other.
  let secondBegun: () => void = () => {}
  const begun = new Promise<void>((resolve) => {
    secondBegun = resolve
  })
  const concurrent = t.app.db.kind === 'postgres'
  await Promise.all([
    t.app.db.withForce('kent', async (tx) => {
      await enrolments.onCaseEvents(tx, onIncident)
      if (concurrent) {
        await begun
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }),
    t.app.db.withForce('kent', async (tx) => {
      secondBegun()
      await enrolments.onCaseEvents(tx, onCrime)
    }),
  ])
  if (!concurrent) secondBegun()
  // The events are delivered again by the outbox: still once.
  await t.app.services.cases.deliverPending('kent')
  await t.app.jobs.drain()
  await assertOnceEach(opened!.incidentId!, recorded!.crimeId!)
})

test('UJ-4: a crime linked to its CAD log only later: the enhanced journey replaces the standard one, and a message already sent is not sent again', async () => {
  clock.set('2026-06-08T08:00:00Z') // Monday 09:00
  const victim = aVictim()
  const { cadRef, crimeRef } = refs()
  const [opened] = await ingest([incident(cadRef, victim.storm, { incidentType: 'Burglary' })])
  clock.set('2026-06-08T08:10:00Z')
  // Athena records the burglary without naming the log: two occurrences, as far as anyone knows.
  const [recorded] = await ingest([crime(crimeRef, victim.athena, { crimeType: 'Burglary' })])
  await t.app.jobs.drain()
  const [personId] = await peopleOn(opened!.incidentId!, recorded!.crimeId!)
  assert.deepEqual(
    (await enrolmentsOf(personId!)).map((e) => `${e.journey}: ${e.status}`),
    ['Immediate response: active', 'Burglary: active'],
  )
  // The standard journey's Victim Support message goes after 24 hours.
  clock.set('2026-06-09T08:05:00Z')
  await t.app.services.enrolments.runDueEnrolments()
  await t.app.jobs.drain()
  // Then Athena names the log: one occurrence. The burglary journey replaces the standard one.
  clock.set('2026-06-09T08:30:00Z')
  await ingest([
    {
      kind: 'crime.updated',
      crime: { crimeRef, linkedCadRefs: [cadRef] },
      people: [],
    },
  ])
  await t.app.jobs.drain()
  assert.deepEqual(
    (await enrolmentsOf(personId!)).map((e) => `${e.journey}: ${e.status}`),
    ['Immediate response: cancelled', 'Burglary: active'],
  )
  // The burglary journey's own Victim Support step comes due (its advice went at Tuesday's run,
  // 24 hours before): already sent, so not repeated.
  clock.set('2026-06-10T08:30:00Z')
  await t.app.services.enrolments.runDueEnrolments()
  await t.app.jobs.drain()
  const messages = await messagesTo(personId!)
  assert.deepEqual(repeated(messages), [])
  assert.deepEqual(
    messages.map((m) => m.template),
    [
      'incident-reference',
      'officer-on-the-way',
      'crime-reference',
      'burglary-prevention-advice',
      'victim-support',
    ],
  )
  const skipped = await query<{ detail: string }>(
    sql`select s.detail from enrolment_steps s join enrolments e on e.id = s.enrolment_id
        where e.person_id = ${personId!}::uuid and s.outcome = 'skipped'`,
  )
  assert.deepEqual(
    skipped.map((s) => s.detail),
    ['“victim-support” was already sent to this person about this incident or crime'],
  )
})

test('UJ-4: a CAD log that names its crime only later joins them; the same journey on both is merged and runs once', async () => {
  clock.set('2026-06-10T08:00:00Z')
  // A journey of this force that starts on the log and on the crime alike.
  const actor = { id: null }
  const journey = await t.app.services.journeys.createJourney(
    'kent',
    {
      key: `everyone-${process.pid}`,
      name: 'Every victim',
      kind: 'enhanced',
      definition: {
        trigger: {
          events: ['case.party-added'],
          when: { op: 'equals', fact: 'person.role', value: 'victim' },
        },
        precedence: 'add',
        steps: [
          { kind: 'send', template: 'victim-support', channel: 'sms' },
          { kind: 'wait', for: { days: 2 } },
          { kind: 'send', template: 'survey', channel: 'sms' },
        ],
      },
    },
    actor,
  )
  await t.app.services.journeys.publish('kent', journey.id, actor)
  try {
    const victim = aVictim()
    const { cadRef, crimeRef } = refs()
    const [opened] = await ingest([incident(cadRef, victim.storm, { grading: 'No Response' })])
    clock.set('2026-06-10T09:00:00Z')
    const [recorded] = await ingest([crime(crimeRef, victim.athena)])
    await t.app.jobs.drain()
    const [personId] = await peopleOn(opened!.incidentId!, recorded!.crimeId!)
    const every = async () => (await enrolmentsOf(personId!)).filter((e) => e.journey === 'Every victim')
    assert.equal((await every()).length, 2, 'two occurrences as far as anyone knew')
    // STORM's update names the crime: one occurrence. The later enrolment is merged into the first.
    clock.set('2026-06-10T10:00:00Z')
    await ingest([
      { kind: 'incident.updated', incident: { cadRef, linkedCrimeRefs: [crimeRef] }, people: [] },
    ])
    await t.app.jobs.drain()
    const [first, second] = await every()
    assert.equal(first?.mergedInto, null)
    assert.equal(first?.status, 'active')
    assert.ok(second?.mergedInto, 'the later enrolment is merged into the first')
    assert.equal(second?.status, 'cancelled')
    // Two days on, the survey goes once.
    clock.set('2026-06-12T11:00:00Z')
    await t.app.services.enrolments.runDueEnrolments()
    await t.app.jobs.drain()
    const sent = (await messagesTo(personId!)).map((m) => m.template)
    assert.equal(sent.filter((key) => key === 'survey').length, 1)
  } finally {
    await t.app.db.withForce('kent', (tx) =>
      tx.execute(sql`update journeys set archived_at = ${clock.now()} where id = ${journey.id}::uuid`),
    )
  }
})

test('UJ-4: a STORM log naming its crime, posted after the Athena crime that did not name it, joins them into one occurrence and the victim is enrolled once', async () => {
  clock.set('2026-06-15T08:00:00Z') // Monday 09:00 in London
  const post = async (system: 'storm' | 'athena', payload: string, contentType: string) => {
    // A token for each post: the clock moves on by more than a token lasts.
    const token = await issueClientToken(t, { forceId: 'kent', scopes: ['sources:write'] })
    const response = await t.app.http.inject({
      method: 'POST',
      url: `/api/v1/sources/kent/${system}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      payload,
    })
    assert.equal(response.statusCode, 202, response.body)
    const body = response.json() as { status: string; reason?: string }
    assert.equal(body.status, 'applied', body.reason)
  }
  const victim = aVictim()
  const { cadRef, crimeRef } = refs()
  const person = `<person><nominalId>${victim.storm.stormNominal}</nominalId><name>${victim.storm.name}</name>
    <dateOfBirth>${victim.storm.dateOfBirth}</dateOfBirth><role>VIC</role><phone>${victim.storm.phones[0]!.value}</phone></person>`
  // Kent's SMARTStorm build: XML, its own event names, gradings G1–G5, UK local times.
  const storm = (step: number, type: string, time: string, log: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><StormEvent><eventId>STORM-${cadRef}-${step}</eventId>
     <eventType>${type}</eventType><timestamp>${time}</timestamp><log><reference>${cadRef}</reference>${log}</log></StormEvent>`
  await post(
    'storm',
    storm(
      1,
      'CREATE',
      '15/06/2026 09:00:00',
      `<grading>G1</grading><incidentType>Burglary</incidentType><persons>${person}</persons>`,
    ),
    'application/xml',
  )
  clock.set('2026-06-15T08:20:00Z')
  // Athena records the burglary without naming the log: two occurrences, as far as anyone knows.
  await post(
    'athena',
    JSON.stringify({
      messageId: `ATH-${crimeRef}-1`,
      messageType: 'INVESTIGATION_CREATED',
      eventTime: clock.now().toISOString(),
      investigation: {
        crimeReference: crimeRef,
        crimeType: 'Burglary',
        status: 'OPEN',
        vcop: { category: 'STANDARD' },
      },
      persons: [
        {
          urn: victim.athena.athenaUrn,
          name: victim.athena.name,
          dateOfBirth: victim.athena.dateOfBirth,
          role: 'VIC',
          phone: victim.athena.phones[0]!.value,
        },
      ],
    }),
    'application/json',
  )
  await t.app.jobs.drain()
  const opened = await t.app.services.cases.findIncidentByRef('kent', cadRef)
  const recorded = await t.app.services.cases.findCrimeByRef('kent', crimeRef)
  assert.deepEqual(recorded?.incidents, [], 'the crime did not name the log')
  const people = await peopleOn(opened!.incident.id, recorded!.crime.id)
  assert.equal(people.length, 1, 'STORM’s and Athena’s victim are one person')
  // The force's default journeys (another test's journey of every victim is left out).
  const defaults = async () =>
    (await enrolmentsOf(people[0]!))
      .filter((e) => e.journey !== 'Every victim')
      .map((e) => `${e.journey}: ${e.status}`)
  assert.deepEqual(await defaults(), ['Immediate response: active', 'Burglary: active'])
  // STORM closes the log as crimed, naming the crime reference (through the default profile).
  clock.set('2026-06-15T09:00:00Z')
  await post(
    'storm',
    storm(
      2,
      'CLOSE',
      '15/06/2026 10:00:00',
      `<closingCode>CRIMED</closingCode><crimeReferences><crimeReference>${crimeRef}</crimeReference></crimeReferences>`,
    ),
    'application/xml',
  )
  await t.app.jobs.drain()
  const linked = await t.app.services.cases.findCrimeByRef('kent', crimeRef)
  assert.deepEqual(
    linked?.incidents.map((i) => i.cadRef),
    [cadRef],
  )
  // One occurrence: the burglary journey replaces the standard one; one enrolment goes on.
  assert.deepEqual(await defaults(), ['Immediate response: cancelled', 'Burglary: active'])
})
