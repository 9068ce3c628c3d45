// Designated individuals on a case (CP-35..38, CP-50; decision 0037), through HTTP and a real
// database: the roles and the parent or guardian's relationship as Athena sends them, the
// invitation going to the guardian instead of the child and to a witness only when the force
// invites witnesses, the link made when the invitation is taken up, what each role sees of the
// case and may do, who is refused, and what the officer's case page shows.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { invitationTokenSentTo, listenToPhones } from '../../test/support/portal-cases.ts'
import {
  type CitizenBrowser,
  aSignedInCitizen,
  aVictimCase,
  codeIn,
  registerFromInvitation,
} from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  listenToPhones(t)
})
after(() => t?.close())

const crimeRef = '46/91001/26'
const people = {
  guardian: {
    urn: 'P-DI-GUARDIAN',
    name: 'Grace Guardian',
    phone: '07700900511',
    email: 'grace@example.org',
  },
  child: { urn: 'P-DI-CHILD', name: 'Charlie Child', phone: '07700900512', email: 'charlie@example.org' },
  witness: { urn: 'P-DI-WITNESS', name: 'Wendy Witness', phone: '07700900513', email: 'wendy@example.org' },
}
let crimeId = ''
const ids = { guardian: '', child: '', witness: '' }

/** A burglary whose child victim's mother acts for her, and a witness: the guardian listed first. */
async function theCase() {
  if (crimeId) return
  const result = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: 'ATH-DI-1',
      type: 'INVESTIGATION_CREATED',
      at: clock.now().toISOString(),
      crimeRef,
      investigation: {
        crimeType: 'Burglary',
        status: 'OPEN',
        officer: { collarNumber: '4521', name: 'DC Priya Shah' },
      },
      persons: [
        { ...people.guardian, role: 'PG', actsFor: people.child.urn, dateOfBirth: '1985-02-01' },
        { ...people.child, role: 'VIC', dateOfBirth: '2015-05-05' },
        { ...people.witness, role: 'WIT', dateOfBirth: '1970-07-07' },
      ],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const crime = await t.app.services.cases.findCrimeByRef('kent', crimeRef)
  assert.ok(crime)
  crimeId = crime.crime.id
  const idOf = (role: string) => crime.parties.find((p) => p.role === role)!.personId
  ids.guardian = idOf('parent_guardian')
  ids.child = idOf('victim')
  ids.witness = idOf('witness')
}

const invitations = (personId: string) =>
  t.app.db.withForce('kent', (tx) =>
    rows<{ id: string; role: string; acts_for_person_id: string | null; accepted_at: Date | null }>(
      tx,
      sql`select id, role, acts_for_person_id, accepted_at from portal_invitations where person_id = ${personId}
          order by created_at desc`,
    ),
  )

const inviteByOfficer = async (personId: string, caseId = crimeId) => {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  return officer.post(`/console/people/${personId}/portal-invitation`, { caseKind: 'crime', caseId })
}

const setInvitedRoles = async (roles: string[]) => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  await admin.get('/console/portal/invitations')
  const saved = await admin.post('/console/portal/invitations', {
    roles,
    linkValidDays: '14',
    remindAfterDays: '7',
    maxReminders: '2',
  })
  assert.equal(saved.statusCode, 303, saved.body)
}

test('CP-37: the roles on a case and whom a parent or guardian acts for are mapped from the source event', async () => {
  await theCase()
  const crime = await t.app.services.cases.getCrime('kent', crimeId)
  const byRole = Object.fromEntries(crime.parties.map((p) => [p.role, p]))
  assert.deepEqual(Object.keys(byRole).sort(), ['parent_guardian', 'victim', 'witness'])
  // Listed before the child, the guardian still resolves to the child the event names.
  assert.equal(byRole.parent_guardian!.actsForPersonId, ids.child)
  assert.equal(byRole.victim!.actsForPersonId, null)
  assert.equal(byRole.witness!.actsForPersonId, null)
  const added = crime.timeline.find((e) => e.eventType === 'case.party-added' && e.personId === ids.guardian)
  assert.deepEqual(added?.changes.actsFor, { from: null, to: ids.child })
  // A witness naming someone does not act for them: the relationship is kept for proxy roles only.
  await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: 'ATH-DI-2',
      type: 'CRIMED',
      at: clock.now().toISOString(),
      crimeRef,
      persons: [{ urn: 'P-DI-WITNESS-2', name: 'Walter Witness', role: 'WIT', actsFor: people.child.urn }],
    }),
    'application/json',
  )
  const again = await t.app.services.cases.getCrime('kent', crimeId)
  const second = again.parties.find((p) => p.displayName === 'Walter Witness')
  assert.equal(second?.actsForPersonId, null)
})

test('CP-37: a Kent SMARTStorm log in XML names whom an attorney acts for by their nominal, and a witness acts for nobody', async () => {
  const result = await t.app.services.sources.receive(
    'kent',
    'storm',
    `<?xml version="1.0" encoding="UTF-8"?>
<StormEvent>
  <eventId>STORM-KNT-DI-1</eventId>
  <eventType>CREATE</eventType>
  <timestamp>10/06/2026 09:15:00</timestamp>
  <log>
    <reference>KNT-20260610-0091</reference>
    <grading>G2</grading>
    <persons>
      <person><nominalId>KN-DI-1</nominalId><name>Robin Minor</name><dateOfBirth>2014-04-04</dateOfBirth><role>VIC</role></person>
      <person><nominalId>KN-DI-2</nominalId><name>Alex Attorney</name><role>ATT</role><actsFor>KN-DI-1</actsFor></person>
      <person><nominalId>KN-DI-3</nominalId><name>Sol Seen</name><role>WIT</role></person>
    </persons>
  </log>
</StormEvent>`,
    'application/xml',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const incident = await t.app.services.cases.findIncidentByRef('kent', 'KNT-20260610-0091')
  const byName = Object.fromEntries(incident!.parties.map((p) => [p.displayName, p]))
  assert.equal(byName['Alex Attorney']?.role, 'attorney')
  assert.equal(byName['Alex Attorney']?.actsForPersonId, byName['Robin Minor']?.personId)
  assert.equal(byName['Sol Seen']?.role, 'witness')
  assert.equal(byName['Sol Seen']?.actsForPersonId, null)
})

test('CP-38: inviting a child victim sends the invitation to their parent or guardian instead, and a witness is invited only when the force allows', async () => {
  await theCase()
  const child = await inviteByOfficer(ids.child)
  assert.equal(child.statusCode, 303, child.body)
  assert.equal(
    child.headers.location,
    `/console/people/${ids.guardian}#portal`,
    'staff land on whom it went to',
  )
  assert.equal((await invitations(ids.child)).length, 0, 'the child is not invited')
  const [guardian] = await invitations(ids.guardian)
  assert.equal(guardian?.role, 'parent_guardian')
  assert.equal(guardian?.acts_for_person_id, ids.child)
  const token = await invitationTokenSentTo(t, 'kent', ids.guardian)
  assert.ok(token, 'the guardian’s phone received the link')

  // The force does not invite witnesses: refused, with the force's rule in words.
  await setInvitedRoles(['victim', 'parent_guardian', 'attorney'])
  const refused = await inviteByOfficer(ids.witness)
  assert.equal(refused.statusCode, 409)
  assert.match(refused.body, /the force invites only victim, parent guardian, attorney/)
  assert.equal((await invitations(ids.witness)).length, 0)
  // Once it does, the witness is invited as a witness, acting for nobody.
  await setInvitedRoles(['victim', 'witness', 'parent_guardian', 'attorney'])
  assert.equal((await inviteByOfficer(ids.witness)).statusCode, 303)
  const [witness] = await invitations(ids.witness)
  assert.equal(witness?.role, 'witness')
  assert.equal(witness?.acts_for_person_id, null)
})

/** Registers through the invitation link's pages with an emailed code and a text second factor. */
async function register(token: string, email: string, mobile: string) {
  const lastCode = async () => {
    await t.app.jobs.boss.send('messaging.dispatch-due', {})
    await t.app.jobs.drain(['messaging.dispatch-due'])
    const [row] = await t.app.db.withForce('kent', (tx) =>
      rows<{ id: string }>(
        tx,
        sql`select id from messages where template_key = 'portal-code' order by created_at desc, id desc limit 1`,
      ),
    )
    return codeIn(listenToPhones(t).findLast((m) => m.id === row!.id)!.body)!
  }
  return registerFromInvitation(t.app, `/portal/register?invitation=${token}`, { email, mobile }, lastCode)
}

let guardianBrowser: CitizenBrowser | undefined
let witnessAccount = ''

test('CP-35: taking up the invitation links the account to the case as the parent or guardian of the child', async () => {
  await theCase()
  if (!(await invitations(ids.guardian)).length)
    assert.equal((await inviteByOfficer(ids.child)).statusCode, 303)
  const token = await invitationTokenSentTo(t, 'kent', ids.guardian)
  guardianBrowser = await register(token, people.guardian.email, people.guardian.phone)
  const links = await t.app.db.withForce('kent', (tx) =>
    rows<{ account_id: string; person_id: string; role: string; acts_for_person_id: string }>(
      tx,
      sql`select account_id, person_id, role, acts_for_person_id from portal_links where case_id = ${crimeId}`,
    ),
  )
  assert.equal(links.length, 1)
  assert.equal(links[0]!.person_id, ids.guardian)
  assert.equal(links[0]!.role, 'parent_guardian')
  assert.equal(links[0]!.acts_for_person_id, ids.child)
  const [audited] = await t.app.db.asSystem((tx) =>
    rows<{ detail: Record<string, unknown> }>(
      tx,
      sql`select detail from audit_events where action = 'portal.registered' and record_id = ${ids.guardian}`,
    ),
  )
  assert.equal(audited?.detail.role, 'parent_guardian')
  assert.equal(audited?.detail.actsForPersonId, ids.child)
  // The dashboard says in which role, and for whom.
  const dashboard = await guardianBrowser.get('/portal')
  assert.match(dashboard.body, /Parent or guardian of Charlie Child/)

  // The witness takes up theirs too (made without the registration pages): linked as a witness.
  const [witnessInvitation] = await invitations(ids.witness)
  if (witnessInvitation && !witnessInvitation.accepted_at) {
    const account = await t.app.services.portal.accounts.ensureAccount({
      email: people.witness.email,
      password: 'correct horse battery staple',
      totpSecret: 'JBSWY3DPEHPK3PXP',
      invitationId: witnessInvitation.id,
      forceId: 'kent',
    })
    witnessAccount = account.id
  }
})

test('CP-36: the guardian sees the child’s case and messages the officer for them; a witness sees the case’s progress only; another citizen is refused', async () => {
  assert.ok(guardianBrowser && witnessAccount, 'the accounts of the tests before')
  const page = await guardianBrowser.get(`/portal/cases/${crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /You act for/)
  assert.match(page.body, /Charlie Child/)
  assert.match(page.body, /The report was recorded as a crime/)
  assert.match(page.body, /Messages with your investigating officer about Charlie Child/)
  await guardianBrowser.get(`/portal/cases/${crimeId}/messages`)
  const sent = await guardianBrowser.post(`/portal/cases/${crimeId}/messages`, {
    message: 'Charlie remembered the van was white.',
  })
  assert.equal(sent.statusCode, 303, sent.body)
  const [stored] = await t.app.db.withForce('kent', (tx) =>
    rows<{ person_id: string }>(
      tx,
      sql`select c.person_id from conversation_messages m join conversations c on c.id = m.conversation_id
          where m.body = 'Charlie remembered the van was white.'`,
    ),
  )
  assert.equal(stored?.person_id, ids.guardian, 'the guardian’s own conversation about the case')
  const [logged] = await t.app.db.withForce('kent', (tx) =>
    rows<{ author: string }>(
      tx,
      sql`select body->>'author' as author from writeback_entries
          where kind = 'message-received' and body->>'content' = 'Charlie remembered the van was white.'`,
    ),
  )
  assert.match(logged?.author ?? '', /^The parent or guardian, on behalf of the person they act for/)
  const [viewed] = await t.app.db.asSystem((tx) =>
    rows<{ detail: Record<string, unknown> }>(
      tx,
      sql`select detail from audit_events where action = 'crime.viewed' and record_id = ${crimeId}
          and detail->>'role' = 'parent_guardian'`,
    ),
  )
  assert.equal(viewed?.detail.actsForPersonId, ids.child, 'the view is audited with the role and for whom')

  // The witness: the investigation's progress, nobody else on the case, and no messages.
  const witness = await aSignedInCitizen(t.app, witnessAccount)
  const seen = await witness.get(`/portal/cases/${crimeId}`)
  assert.equal(seen.statusCode, 200)
  assert.match(seen.body, /Witness/)
  assert.doesNotMatch(seen.body, /Charlie|Grace|recorded as a crime|You act for|Messages with your/)
  await witness.get(`/portal/cases/${crimeId}/messages`)
  const refused = await witness.post(`/portal/cases/${crimeId}/messages`, { message: 'I saw a white van.' })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /As a witness you cannot send messages here/)

  // Another citizen, the victim of another crime, cannot reach this case.
  const other = await aVictimCase(t.app, clock.now(), {
    crimeRef: '46/91002/26',
    eventId: 'ATH-DI-OTHER',
    urn: 'P-DI-OTHER',
    name: 'Olive Other',
    phone: '07700900514',
    email: 'olive@example.org',
    dateOfBirth: '1980-01-01',
  })
  const [otherInvitation] = await t.app.db.withForce('kent', async (tx) => {
    await t.app.services.portal.invitations.invite(tx, {
      forceId: 'kent',
      personId: other.personId,
      caseKind: 'crime',
      caseId: other.crimeId,
      actor: { kind: 'system', name: 'test' },
    })
    return rows<{ id: string }>(
      tx,
      sql`select id from portal_invitations where person_id = ${other.personId}`,
    )
  })
  const otherAccount = await t.app.services.portal.accounts.ensureAccount({
    email: 'olive@example.org',
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: otherInvitation!.id,
    forceId: 'kent',
  })
  const stranger = await aSignedInCitizen(t.app, otherAccount.id)
  assert.equal((await stranger.get(`/portal/cases/${crimeId}`)).statusCode, 404)
  assert.equal(
    (await stranger.post(`/portal/cases/${crimeId}/messages`, { message: 'Let me in.' })).statusCode,
    404,
  )
})

test('CP-50: the officer’s case page shows who on the case holds a portal account, and in which role', async () => {
  assert.ok(witnessAccount, 'the accounts of the tests before')
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const page = await officer.get(`/console/cases/crimes/${crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    new RegExp(
      `Parent guardian of <a class="govuk-link" href="/console/people/${ids.child}">Charlie Child</a>`,
    ),
  )
  const guardianPage = await officer.get(`/console/people/${ids.guardian}`)
  assert.match(
    guardianPage.body,
    new RegExp(`acting for <a class="govuk-link" href="/console/people/${ids.child}">`),
  )
  const section = page.body.slice(page.body.indexOf('id="portal"'))
  assert.match(
    section,
    /Grace Guardian<\/a> \(parent or guardian of Charlie Child\):\s*has an account, following this case as parent or guardian of Charlie Child/,
  )
  assert.match(section, /Wendy Witness<\/a> \(witness\):\s*has an account, following this case as witness/)
  assert.match(section, /Charlie Child<\/a> \(victim\):\s*not invited/)
  // Another force's officer does not see the case at all.
  const essex = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await essex.get(`/console/cases/crimes/${crimeId}`)).statusCode, 404)
})

test('CP-36: a parent or guardian the source names without whom they act for follows the case, seeing nobody’s details', async () => {
  const result = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: 'ATH-DI-3',
      type: 'INVESTIGATION_CREATED',
      at: clock.now().toISOString(),
      crimeRef: '46/91003/26',
      investigation: {
        crimeType: 'Theft',
        status: 'OPEN',
        officer: { collarNumber: '4521', name: 'DC Priya Shah' },
      },
      persons: [
        {
          urn: 'P-DI-PG-2',
          name: 'Pat Parent',
          role: 'PG',
          dateOfBirth: '1980-01-01',
          email: 'pat@example.org',
        },
        { urn: 'P-DI-VIC-2', name: 'Vic Young', role: 'VIC', dateOfBirth: '2016-01-01' },
      ],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const crime = (await t.app.services.cases.findCrimeByRef('kent', '46/91003/26'))!
  const parent = crime.parties.find((p) => p.role === 'parent_guardian')!
  assert.equal(parent.actsForPersonId, null)
  assert.equal((await inviteByOfficer(parent.personId, crime.crime.id)).statusCode, 303)
  const [invitation] = await invitations(parent.personId)
  const account = await t.app.services.portal.accounts.ensureAccount({
    email: 'pat@example.org',
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: invitation!.id,
    forceId: 'kent',
  })
  const browser = await aSignedInCitizen(t.app, account.id)
  const page = await browser.get(`/portal/cases/${crime.crime.id}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Parent or guardian/)
  assert.doesNotMatch(page.body, /Vic Young|You act for/)
  // The first case is not theirs.
  await theCase()
  assert.equal((await browser.get(`/portal/cases/${crimeId}`)).statusCode, 404)
})

test('CP-37, CP-38: whom a parent or guardian already on the case acts for, sent in a later event, is recorded on them, and invitations and access follow it', async () => {
  const ref = '46/91004/26'
  const receive = async (id: string, persons: Record<string, unknown>[], type = 'CRIMED') => {
    const result = await t.app.services.sources.receive(
      'kent',
      'athena',
      anAthenaEvent({
        id,
        type,
        at: clock.now().toISOString(),
        crimeRef: ref,
        ...(type === 'INVESTIGATION_CREATED'
          ? {
              investigation: {
                crimeType: 'Assault',
                status: 'OPEN',
                officer: { collarNumber: '4521', name: 'DC Priya Shah' },
              },
            }
          : {}),
        persons,
      }),
      'application/json',
    )
    assert.equal(result.status, 'applied', String(result.reason))
    return (await t.app.services.cases.findCrimeByRef('kent', ref))!
  }
  const guardian = {
    urn: 'P-DI-PG-4',
    name: 'Morgan Mother',
    role: 'PG',
    dateOfBirth: '1982-03-03',
    phone: '07700900541',
    email: 'morgan@example.org',
  }
  const child = { urn: 'P-DI-VIC-4', name: 'Robin Young', role: 'VIC', dateOfBirth: '2017-04-04' }
  const first = await receive('ATH-DI-4', [guardian, child], 'INVESTIGATION_CREATED')
  const partyOf = (crime: typeof first, role: string) => crime.parties.find((p) => p.role === role)!
  const parent = partyOf(first, 'parent_guardian')
  const childId = partyOf(first, 'victim').personId
  assert.equal(parent.actsForPersonId, null, 'the first event names nobody')
  // With nobody acting for the child, the child is not invited and nobody is in their place.
  const refused = await inviteByOfficer(childId, first.crime.id)
  assert.equal(refused.statusCode, 409)
  assert.equal((await invitations(parent.personId)).length, 0)

  // A later event lists only the guardian, now saying whom she acts for.
  const later = await receive('ATH-DI-5', [
    { urn: guardian.urn, name: guardian.name, role: 'PG', actsFor: child.urn },
  ])
  assert.equal(partyOf(later, 'parent_guardian').actsForPersonId, childId, 'recorded on the existing party')
  assert.equal(later.parties.filter((p) => p.role === 'parent_guardian').length, 1, 'not added twice')
  const changed = later.timeline.filter((e) => e.eventType === 'case.party-changed')
  assert.equal(changed.length, 1)
  assert.deepEqual(changed[0]!.changes.actsFor, { from: null, to: childId })
  assert.equal(changed[0]!.personId, parent.personId)
  // The same again changes nothing, and an event naming nobody keeps the relationship.
  await receive('ATH-DI-6', [{ urn: guardian.urn, name: guardian.name, role: 'PG', actsFor: child.urn }])
  const same = await receive('ATH-DI-7', [{ urn: guardian.urn, name: guardian.name, role: 'PG' }])
  assert.equal(same.timeline.filter((e) => e.eventType === 'case.party-changed').length, 1)
  assert.equal(partyOf(same, 'parent_guardian').actsForPersonId, childId)

  // Decision 0037's rules now apply: the child's invitation goes to the guardian, for the child.
  const invited = await inviteByOfficer(childId, first.crime.id)
  assert.equal(invited.statusCode, 303, invited.body)
  assert.equal(invited.headers.location, `/console/people/${parent.personId}#portal`)
  const [invitation] = await invitations(parent.personId)
  assert.equal(invitation?.role, 'parent_guardian')
  assert.equal(invitation?.acts_for_person_id, childId)
  const account = await t.app.services.portal.accounts.ensureAccount({
    email: guardian.email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: invitation!.id,
    forceId: 'kent',
  })
  const browser = await aSignedInCitizen(t.app, account.id)
  const page = await browser.get(`/portal/cases/${first.crime.id}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Robin Young/)

  // The source then says she acts for someone else on the case: recorded, and the link that
  // names the child no longer opens the case (decision 0037: checked on every read).
  const other = await receive('ATH-DI-8', [
    { urn: 'P-DI-VIC-4B', name: 'Sam Young', role: 'VIC', dateOfBirth: '2018-05-05' },
    { urn: guardian.urn, name: guardian.name, role: 'PG', actsFor: 'P-DI-VIC-4B' },
  ])
  const samId = other.parties.find((p) => p.displayName === 'Sam Young')!.personId
  assert.equal(partyOf(other, 'parent_guardian').actsForPersonId, samId)
  const moved = other.timeline
    .filter((e) => e.eventType === 'case.party-changed')
    .map((e) => e.changes.actsFor)
  assert.equal(moved.length, 2)
  assert.ok(moved.some((c) => c?.from === childId && c.to === samId))
  assert.equal((await browser.get(`/portal/cases/${first.crime.id}`)).statusCode, 404)
})

test('CP-35, CP-37: a guardian’s account and waiting invitation that named nobody name the child once a later event says whom they act for, audited', async () => {
  const ref = '46/91005/26'
  const mum = {
    urn: 'P-DI-PG-5',
    name: 'Alex Mum',
    role: 'PG',
    dateOfBirth: '1984-01-01',
    email: 'alex@example.org',
  }
  const dad = {
    urn: 'P-DI-PG-5B',
    name: 'Jo Dad',
    role: 'PG',
    dateOfBirth: '1983-01-01',
    email: 'jo@example.org',
  }
  const child = { urn: 'P-DI-VIC-5', name: 'Kit Small', role: 'VIC', dateOfBirth: '2016-06-06' }
  const receive = async (id: string, type: string, persons: Record<string, unknown>[]) => {
    const result = await t.app.services.sources.receive(
      'kent',
      'athena',
      anAthenaEvent({
        id,
        type,
        at: clock.now().toISOString(),
        crimeRef: ref,
        investigation: {
          crimeType: 'Theft',
          status: 'OPEN',
          officer: { collarNumber: '4521', name: 'DC Priya Shah' },
        },
        persons,
      }),
      'application/json',
    )
    assert.equal(result.status, 'applied', String(result.reason))
    return (await t.app.services.cases.findCrimeByRef('kent', ref))!
  }
  const crime = await receive('ATH-DI-9', 'INVESTIGATION_CREATED', [mum, dad, child])
  const idOf = (name: string) => crime.parties.find((p) => p.displayName === name)!.personId
  const [mumId, dadId, childId] = [idOf('Alex Mum'), idOf('Jo Dad'), idOf('Kit Small')]
  // Both parents are invited acting for nobody; the mother takes hers up, the father's waits.
  for (const id of [mumId, dadId]) assert.equal((await inviteByOfficer(id, crime.crime.id)).statusCode, 303)
  const [mumInvitation] = await invitations(mumId)
  assert.equal(mumInvitation?.acts_for_person_id, null)
  const account = await t.app.services.portal.accounts.ensureAccount({
    email: mum.email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: mumInvitation!.id,
    forceId: 'kent',
  })
  const browser = await aSignedInCitizen(t.app, account.id)
  const before = await browser.get(`/portal/cases/${crime.crime.id}`)
  assert.equal(before.statusCode, 200)
  assert.doesNotMatch(before.body, /Kit Small|You act for/)

  await receive('ATH-DI-10', 'CRIMED', [
    { urn: mum.urn, name: mum.name, role: 'PG', actsFor: child.urn },
    { urn: dad.urn, name: dad.name, role: 'PG', actsFor: child.urn },
  ])
  const links = await t.app.db.withForce('kent', (tx) =>
    rows<{ acts_for_person_id: string | null }>(
      tx,
      sql`select acts_for_person_id from portal_links where person_id = ${mumId} and case_id = ${crime.crime.id}`,
    ),
  )
  assert.deepEqual(links, [{ acts_for_person_id: childId }], 'the mother’s link names the child')
  const [dadInvitation] = await invitations(dadId)
  assert.equal(dadInvitation?.acts_for_person_id, childId, 'the father’s waiting invitation names the child')
  const after = await browser.get(`/portal/cases/${crime.crime.id}`)
  assert.equal(after.statusCode, 200)
  assert.match(after.body, /Kit Small/)
  const audited = await t.app.db.withForce('kent', (tx) =>
    rows<{ record_id: string; detail: { actsForPersonId: string; links: string[]; invitations: string[] } }>(
      tx,
      sql`select record_id, detail from audit_events where action = 'portal.acts-for-recorded'
          and detail->>'caseId' = ${crime.crime.id} order by record_id`,
    ),
  )
  assert.deepEqual(audited.map((a) => a.record_id).sort(), [mumId, dadId].sort())
  for (const a of audited) assert.equal(a.detail.actsForPersonId, childId)
})
