import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Condition, describeCondition, evaluateCondition } from './conditions.ts'
import { VictimContactPolicy } from './contact-policy.ts'
import { defaultJourneys } from './default-journeys.ts'
import { checkDefinition, describeStep, describeTrigger, type JourneyDefinition } from './definition.ts'
import { decideEligibility, defaultEligibilityRules, parseEligibilityForm } from './eligibility.ts'
import { workingDayTime } from '../platform/calendar.ts'
import { advanceEnrolment } from './engine.ts'
import { aCase, aCrime, aPerson } from './test-builders.ts'

const now = new Date('2026-06-03T09:00:00Z') // Wednesday 10:00 in London

test('UJ-7: conditions over case data evaluate without code and read as plain English', () => {
  const condition: Condition = {
    op: 'all',
    of: [
      { op: 'equals', fact: 'crime.type', value: 'burglary' },
      { op: 'age-between', min: 18 },
    ],
  }
  assert.equal(describeCondition(condition), 'the crime type is burglary and the victim is 18 or over')
  const adult = aPerson({ dateOfBirth: '1990-01-01' })
  const child = aPerson({ dateOfBirth: '2012-01-01' })
  const snapshot = aCase({ crime: aCrime({ crimeType: 'Burglary' }), people: [adult, child] })
  assert.equal(evaluateCondition(condition, { snapshot, person: adult, now }), true)
  assert.equal(evaluateCondition(condition, { snapshot, person: child, now }), false)

  const markers: Condition = {
    op: 'any',
    of: [
      { op: 'equals', fact: 'person.markers', value: 'domestic_abuse' },
      { op: 'in', fact: 'case.postcodeDistrict', values: ['ME14', 'ME15'] },
    ],
  }
  assert.equal(
    describeCondition(markers),
    'the victim has a domestic abuse marker or the postcode district is one of ME14 or ME15',
  )
  assert.equal(evaluateCondition(markers, { snapshot, person: adult, now }), true)
  assert.equal(describeCondition({ op: 'not', of: { op: 'age-between', min: 18 } }), 'the victim is under 18')
  assert.equal(
    describeCondition({
      op: 'not',
      of: { op: 'in', fact: 'incident.grading', values: ['Immediate', 'Prompt'] },
    }),
    'the grading is not any of Immediate or Prompt',
  )
  assert.equal(
    evaluateCondition({ op: 'exists', fact: 'crime.vcopCategory' }, { snapshot, person: adult, now }),
    true,
  )
})

test('UJ-7: a victim under 18 is not eligible when the force excludes children, and the reason says so', () => {
  const rules = { ...defaultEligibilityRules, minimumAge: 18 }
  const child = aPerson({ dateOfBirth: '2011-09-01' })
  const decision = decideEligibility(rules, aCase({ people: [child] }), child, now)
  assert.equal(decision.eligible, false)
  assert.deepEqual(decision.reasons, ['the victim is under 18 (aged 14) and the force excludes children'])

  const adult = aPerson()
  const yes = decideEligibility(
    rules,
    aCase({ crime: aCrime({ crimeType: 'Burglary' }), people: [adult] }),
    adult,
    now,
  )
  assert.equal(yes.eligible, true)
  assert.ok(yes.reasons.includes('the crime type Burglary is not excluded'))
})

test('CP-61: witnesses, excluded crime types and excluded markers are not eligible for automated updates', () => {
  const rules = { ...defaultEligibilityRules, excludedMarkers: ['vulnerability' as const] }
  const witness = aPerson({ role: 'witness' })
  assert.deepEqual(decideEligibility(rules, aCase(), witness, now).reasons, [
    'the person is a witness and the force includes only victim',
  ])
  const fraud = aCase({ crime: aCrime({ crimeType: 'Fraud' }) })
  assert.deepEqual(decideEligibility(rules, fraud, aPerson(), now).reasons, [
    'the crime type Fraud is excluded by the force',
  ])
  const vulnerable = aPerson({ markers: ['vulnerability'] })
  assert.equal(decideEligibility(rules, aCase(), vulnerable, now).eligible, false)
})

test('UJ-7: the inclusion and exclusion form rejects bad ages and keeps the rest of the input', () => {
  const bad = parseEligibilityForm({ minimumAge: 'eighteen', maximumAge: '', includedRoles: 'victim' })
  assert.deepEqual(bad.errors, [
    { field: 'minimumAge', message: 'Minimum age must be a whole number of years between 0 and 120' },
  ])
  const none = parseEligibilityForm({ includedRoles: [] })
  assert.equal(none.errors[0]?.field, 'includedRoles')
  const good = parseEligibilityForm({
    excludedCrimeTypes: 'Fraud\nSudden death, Theft from vehicle',
    minimumAge: '18',
    includedRoles: ['victim', 'parent_guardian'],
    excludedMarkers: 'safeguarding',
  })
  assert.deepEqual(good.rules?.excludedCrimeTypes, ['Fraud', 'Sudden death', 'Theft from vehicle'])
  assert.deepEqual(good.rules?.includedRoles, ['victim', 'parent_guardian'])
  assert.equal(good.rules?.minimumAge, 18)
})

test('the safe-contact policy suppresses do-not-contact, deceased, shared suspect contact, unsafe domestic abuse channels and children without a guardian', () => {
  const policy = new VictimContactPolicy()
  const decide = (person: ReturnType<typeof aPerson>, others: ReturnType<typeof aPerson>[] = []) =>
    policy.decide(aCase({ people: [person, ...others] }), person, 'preferred', now)
  // A refusal names the contact detail the message would have gone to, when there is one.
  const doNotContact = aPerson({ markers: ['do_not_contact'] })
  assert.deepEqual(decide(doNotContact), {
    allowed: false,
    reason: 'the person has a do not contact marker',
    channel: 'sms',
    address: doNotContact.mobiles[0],
  })
  const deceased = aPerson({ markers: ['deceased'] })
  assert.deepEqual(decide(deceased), {
    allowed: false,
    reason: 'the person has a deceased marker',
    channel: 'sms',
    address: deceased.mobiles[0],
  })
  const victim = aPerson({ mobiles: ['+447700900111'] })
  const suspect = aPerson({ role: 'suspect', mobiles: ['+44 7700 900111'] })
  assert.deepEqual(decide(victim, [suspect]), {
    allowed: false,
    reason: 'a suspect on the case shares this phone number',
    channel: 'sms',
    address: '+447700900111',
  })
  const da = aPerson({ markers: ['domestic_abuse'] })
  assert.deepEqual(decide(da), {
    allowed: false,
    reason: 'domestic abuse: sms has not been confirmed as a safe channel',
    channel: 'sms',
    address: da.mobiles[0],
  })
  const daSafe = aPerson({ markers: ['domestic_abuse'], confirmedSafeChannels: ['sms'] })
  assert.equal(decide(daSafe).allowed, true)
  const child = aPerson({ dateOfBirth: '2015-01-01' })
  assert.deepEqual(decide(child), {
    allowed: false,
    reason: 'the victim is 11, a child, and no parent or guardian contact is known',
  })
  const guardian = aPerson({ role: 'parent_guardian', mobiles: ['+447700900222'] })
  const toGuardian = decide(child, [guardian])
  assert.ok(
    toGuardian.allowed && toGuardian.recipient.id === guardian.id && toGuardian.address === '+447700900222',
  )
  const emailFirst = aPerson({ preferredChannel: 'email' })
  const viaEmail = decide(emailFirst)
  assert.ok(viaEmail.allowed && viaEmail.channel === 'email')
})

test('UJ-8: the engine hands Messaging the step’s due time, and only a step marked urgent is urgent', () => {
  const definition: JourneyDefinition = {
    trigger: { events: ['incident.opened'], when: { op: 'all', of: [] } },
    precedence: 'standard',
    steps: [
      { kind: 'send', template: 'incident-reference', channel: 'sms' },
      { kind: 'send', template: 'officer-on-the-way', channel: 'sms', urgent: true },
    ],
  }
  const victim = aPerson()
  const lateEvening = new Date('2026-06-03T21:30:00Z') // 22:30 BST
  const result = advanceEnrolment(definition, 0, {
    snapshot: aCase({ people: [victim] }),
    person: victim,
    now: lateEvening,
    policy: new VictimContactPolicy(),
  })
  const [reference, urgent] = result.outcomes
  assert.ok(reference?.kind === 'send' && urgent?.kind === 'send')
  // Quiet hours are each channel's, held by Messaging: the engine says when the step is due.
  assert.equal(reference.dueAt.toISOString(), lateEvening.toISOString())
  assert.equal(reference.urgent, false)
  assert.equal(urgent.dueAt.toISOString(), lateEvening.toISOString())
  assert.equal(urgent.urgent, true)
  assert.deepEqual(result.position, { status: 'completed' })
})

test('UJ-4: a wait of 1 day from 20:30 on Saturday 27 March 2027 ends at 20:30 on Sunday, after the clocks go forward', () => {
  const definition: JourneyDefinition = {
    trigger: { events: ['incident.opened'], when: { op: 'all', of: [] } },
    precedence: 'standard',
    steps: [
      { kind: 'wait', for: { days: 1 } },
      { kind: 'wait', for: { hours: 24 } },
      { kind: 'send', template: 'victim-support', channel: 'sms' },
    ],
  }
  const victim = aPerson()
  const context = {
    snapshot: aCase({ people: [victim] }),
    person: victim,
    policy: new VictimContactPolicy(),
  }
  const saturdayEvening = new Date('2027-03-27T20:30:00Z') // 20:30 GMT
  const day = advanceEnrolment(definition, 0, { ...context, now: saturdayEvening })
  assert.ok(day.position.status === 'active')
  assert.equal(day.position.dueAt.toISOString(), '2027-03-28T19:30:00.000Z', '20:30 BST on Sunday')
  // Hours stay elapsed time: 24 hours from 20:30 GMT on Saturday is 21:30 BST on Sunday.
  const hours = advanceEnrolment(definition, 1, { ...context, now: saturdayEvening })
  assert.ok(hours.position.status === 'active')
  assert.equal(hours.position.dueAt.toISOString(), '2027-03-28T20:30:00.000Z', '21:30 BST: 24 elapsed hours')
})

test('journeys wait, branch and stop: a closed crime stops the journey before its next message', () => {
  const definition = defaultJourneys.find((j) => j.key === 'enhanced-burglary')!.definition
  const victim = aPerson()
  const open = aCase({ crime: aCrime({ crimeType: 'Burglary' }), people: [victim] })
  const context = {
    snapshot: open,
    person: victim,
    now,
    policy: new VictimContactPolicy(),
  }
  const first = advanceEnrolment(definition, 0, context)
  assert.deepEqual(
    first.outcomes.map((o) => o.kind),
    ['send', 'waiting'],
  )
  assert.ok(first.position.status === 'active')
  assert.equal(first.position.dueAt.toISOString(), '2026-06-03T11:00:00.000Z')
  const closed = aCase({ crime: aCrime({ crimeType: 'Burglary', status: 'closed' }), people: [victim] })
  const later = advanceEnrolment(definition, first.position.stepIndex, { ...context, snapshot: closed })
  assert.deepEqual(later.position, {
    status: 'stopped',
    reason: 'The crime is closed: the crime status is one of closed or no-further-action',
  })
  assert.equal(later.outcomes.length, 0)

  // Without a crime, the standard journey branches past the officer's details to the survey.
  const standard = defaultJourneys.find((j) => j.key === 'standard-prompt')!.definition
  const waitIndex = standard.steps.findIndex((s) => s.kind === 'wait' && s.forEvent)
  const noCrime = advanceEnrolment(standard, waitIndex + 1, {
    ...context,
    snapshot: aCase({ people: [victim] }),
  })
  assert.equal(noCrime.outcomes[0]?.kind, 'branched')
  assert.ok(noCrime.position.status === 'active')
  assert.equal(noCrime.position.dueAt.getTime() - now.getTime(), 14 * 24 * 3600_000)
})

test('a wait until a working day skips weekends and bank holidays', () => {
  // Friday 22 May 2026 at 15:00 BST; Monday 25 May is the spring bank holiday.
  assert.equal(
    workingDayTime(new Date('2026-05-22T14:00:00Z'), 1, '10:00').toISOString(),
    '2026-05-26T09:00:00.000Z',
  )
  assert.equal(
    workingDayTime(new Date('2026-05-22T08:00:00Z'), 0, '10:00').toISOString(),
    '2026-05-22T09:00:00.000Z',
  )
})

test('every seeded journey is a valid definition and reads in plain English', () => {
  assert.equal(defaultJourneys.filter((j) => j.kind === 'standard').length, 5)
  for (const journey of defaultJourneys) {
    assert.deepEqual(checkDefinition(journey.definition), [], journey.key)
    for (const step of journey.definition.steps) assert.ok(describeStep(step).length > 0)
  }
  assert.equal(
    describeTrigger(defaultJourneys[1]!.definition),
    'When incident opened or incident updated or case party added and the grading is Prompt',
  )
  const broken = {
    ...defaultJourneys[0]!.definition,
    steps: [{ kind: 'branch', when: { op: 'all', of: [] }, goto: 'nowhere' }],
  }
  assert.equal(checkDefinition(broken)[0]?.message, 'Step 1 goes to “nowhere”, which no step is labelled')
  assert.ok(checkDefinition({ trigger: {}, steps: [] }).length > 0)
})
