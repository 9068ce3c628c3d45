// Assist's help for the investigating officer on portal messages, end to end through HTTP: the
// force's switch (off by default, audited), suggested replies for the person's latest message
// filled with the case's fields and pre-filled into the reply form by "Use this reply", what
// became of each (used as it was, edited, ignored) in the table and the audit trail, urgent
// actions for words of danger, questions answered from the case's records with their sources or
// refused, and the wrong role, force or switch refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { aSignedInCitizen, aVictimCase, anInvitation } from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'
import { answerQuestion } from './case-questions.ts'
import { similarity, suggest } from './officer-help.ts'

const clock = new FixedClock('2026-06-10T09:00:00Z')
let t: TestApp
let officer: SignedIn
let admin: SignedIn
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  const profile = await officer.post('/console/officers/profile', { collar: '4521', team: 'Maidstone CID' })
  assert.equal(profile.statusCode, 303, profile.body)
  admin = await t.signInAs(['force_admin'], 'kent')
})
after(async () => {
  await t?.close()
})

let seq = 0
/** A burglary with a victim in the Portal who writes `message`; the conversation's id. */
async function aVictimWhoWrites(message: string) {
  seq += 1
  const crimeRef = `46/${90000 + seq}/26`
  const email = `help.victim${seq}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef,
    eventId: `ATH-HELP-${seq}`,
    urn: `P-HELP-${seq}`,
    name: `Sam Victim${seq}`,
    dateOfBirth: '1980-01-01',
    phone: `0770091${String(seq).padStart(4, '0')}`,
    email,
    officer: { collarNumber: '4521', name: 'DC Priya Shah', team: 'Maidstone CID' },
  })
  const invitationId = await anInvitation(t.app, 'kent', crime)
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'a long test password',
    totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
    invitationId,
    forceId: 'kent',
  })
  const citizen = await aSignedInCitizen(t.app, account.id, 'kent')
  await citizen.get(`/portal/cases/${crime.crimeId}/messages`)
  const sent = await citizen.post(`/portal/cases/${crime.crimeId}/messages`, { message })
  assert.equal(sent.statusCode, 303, sent.body)
  const [c] = await kentRows<{ id: string }>(
    sql`select id from conversations where case_id = ${crime.crimeId}`,
  )
  return { ...crime, crimeRef, conversationId: c!.id, url: `/console/officers/conversations/${c!.id}` }
}

async function kentRows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return t.app.db.withForce('kent', (tx) => rows<T>(tx, query))
}
const audits = (action: string, recordId: string) =>
  kentRows<{ detail: Record<string, unknown> }>(
    sql`select detail from audit_events where action = ${action} and record_id = ${recordId} order by id`,
  )
const suggestionIds = (body: string) => [...body.matchAll(/\?suggestion=([0-9a-f-]{36})/g)].map((m) => m[1]!)
const decode = (s: string) =>
  s
    .replaceAll('&amp;', '&')
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')

async function switchHelp(choice: 'yes' | 'no') {
  const saved = await admin.post('/console/assist/officer-help', { enabled: choice })
  assert.equal(saved.statusCode, 303, saved.body)
}

test('CP-89, CP-93: officer help is off until the force administrator switches it on, audited; an officer may not switch it', async () => {
  const v = await aVictimWhoWrites('Is there any update on my case? I have not heard anything for weeks.')
  const page = await officer.get(v.url)
  assert.equal(page.statusCode, 200)
  assert.doesNotMatch(page.body, /Suggested replies|Use this reply/)
  assert.equal(
    (await officer.get(`/console/assist/conversations/${v.conversationId}/questions`)).statusCode,
    403,
  )
  assert.equal((await officer.post('/console/assist/officer-help', { enabled: 'yes' })).statusCode, 403)
  const refused = await admin.post('/console/assist/officer-help', {})
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /There is a problem[\s\S]*Select whether to offer officers help/)
  await switchHelp('yes')
  const [switched] = await kentRows<{ detail: { enabled: boolean } }>(
    sql`select detail from audit_events where action = 'assist.officer-help-switched' order by id desc limit 1`,
  )
  assert.deepEqual(switched?.detail, { enabled: true })
  const on = await officer.get(v.url)
  assert.match(on.body, /Suggested replies/)
  // Off again: the page is as it was, and questions are refused.
  await switchHelp('no')
  assert.doesNotMatch((await officer.get(v.url)).body, /Use this reply/)
  assert.equal(
    (
      await officer.post(`/console/assist/conversations/${v.conversationId}/questions`, {
        question: 'Who is the suspect?',
      })
    ).statusCode,
    403,
  )
  await switchHelp('yes')
})

test('CP-89, CP-93: an update request gets up to three labelled replies filled with the case, and "Use this reply" pre-fills the form; sent as-is, the others are ignored, all audited', async () => {
  await switchHelp('yes')
  const v = await aVictimWhoWrites('Is there any update on my case? I have not heard anything for weeks.')
  const page = await officer.get(v.url)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Suggestions <strong class="govuk-tag govuk-tag--grey">Automated<\/strong>/)
  assert.match(page.body, /read as “asking for an update”/)
  assert.match(page.body, /Give the person an update under the Victims’ Code/)
  const ids = suggestionIds(page.body)
  assert.ok(ids.length >= 1 && ids.length <= 3, `${ids.length} replies`)
  // Filled with the case's fields: the person's name, the crime's reference and type.
  assert.match(
    decode(page.body),
    new RegExp(
      `Hello Sam Victim${seq}, thank you for your message about ${v.crimeRef.replaceAll('/', '\\/')}`,
    ),
  )
  assert.match(page.body, /investigation into the burglary stands/)
  // Shown once: opening the page again records and audits nothing new.
  await officer.get(v.url)
  const shown = await audits('assist.suggestions-shown', v.conversationId)
  assert.equal(shown.length, 1)
  assert.equal(shown[0]!.detail.intent, 'update')
  assert.equal((shown[0]!.detail.suggestions as string[]).length, ids.length + 1)
  // Nothing is sent by a suggestion: the officer has written nothing yet.
  const outbound = () =>
    kentRows<{ n: number }>(
      sql`select count(*)::int as n from conversation_messages where conversation_id = ${v.conversationId} and direction = 'outbound'`,
    )
  const used = await officer.get(`${v.url}?suggestion=${ids[0]}`)
  assert.equal(used.statusCode, 200)
  const [row] = await kentRows<{ text: string }>(
    sql`select text from assist_officer_suggestions where id = ${ids[0]}`,
  )
  const textarea = /<textarea[^>]*name="reply"[^>]*>([\s\S]*?)<\/textarea>/.exec(used.body)?.[1]
  assert.equal(decode(textarea ?? '').trim(), row!.text)
  assert.match(used.body, new RegExp(`name="suggestion" value="${ids[0]}"`))
  assert.equal((await outbound())[0]!.n, 0)
  const sent = await officer.post(v.url, { reply: row!.text, kind: 'message', suggestion: ids[0]! })
  assert.equal(sent.statusCode, 303, sent.body)
  assert.equal((await outbound())[0]!.n, 1)
  const outcomes = await kentRows<{ id: string; outcome: string; similarity: number }>(
    sql`select id, outcome, similarity from assist_officer_suggestions where conversation_id = ${v.conversationId} and kind = 'reply'`,
  )
  assert.deepEqual(outcomes.find((o) => o.id === ids[0])?.outcome, 'used-as-is')
  assert.equal(outcomes.find((o) => o.id === ids[0])?.similarity, 1)
  for (const o of outcomes.filter((x) => x.id !== ids[0])) assert.equal(o.outcome, 'ignored')
  const decided = await audits('assist.suggestion-decided', v.conversationId)
  assert.equal(decided.length, outcomes.length)
  assert.ok(decided.some((d) => d.detail.suggestion === ids[0] && d.detail.outcome === 'used-as-is'))
})

test('CP-89: a suggestion edited before sending is recorded as edited, with how like the sent text it stayed', async () => {
  await switchHelp('yes')
  const v = await aVictimWhoWrites('I want to withdraw my statement. I do not want to go to court.')
  const page = await officer.get(v.url)
  assert.match(page.body, /read as “wanting to withdraw”/)
  assert.match(page.body, /Record the victim’s withdrawal and tell the CPS/)
  const [first] = suggestionIds(page.body)
  const [row] = await kentRows<{ text: string }>(
    sql`select text from assist_officer_suggestions where id = ${first}`,
  )
  const edited = `${row!.text} I will call you tomorrow morning.`
  const sent = await officer.post(v.url, { reply: edited, kind: 'message', suggestion: first! })
  assert.equal(sent.statusCode, 303, sent.body)
  const [after] = await kentRows<{ outcome: string; similarity: number }>(
    sql`select outcome, similarity from assist_officer_suggestions where id = ${first}`,
  )
  assert.equal(after!.outcome, 'edited')
  assert.ok(after!.similarity > 0.7 && after!.similarity < 1, String(after!.similarity))
  const [audit] = (await audits('assist.suggestion-decided', v.conversationId)).filter(
    (a) => a.detail.suggestion === first,
  )
  assert.equal(audit!.detail.outcome, 'edited')
})

test('CP-93: words of danger always escalate: urgent call and safeguarding first, with reasons; an action is marked done, audited', async () => {
  await switchHelp('yes')
  const v = await aVictimWhoWrites(
    'Can you tell me about my case? He came back last night and said he is going to kill me, and he had a knife.',
  )
  const page = await officer.get(v.url)
  assert.match(page.body, /words of danger: weapon, threat to life/)
  const urgent = [...page.body.matchAll(/govuk-tag--red">Urgent<\/strong> ([^<]+)</g)].map((m) => m[1])
  assert.deepEqual(urgent, ['Call the person now', 'Refer to safeguarding'])
  assert.match(page.body, /Why: Words of danger \(weapon, threat to life\) always go to safeguarding/)
  assert.match(page.body, /call 999 and press 55/)
  const [call] = await kentRows<{ id: string }>(
    sql`select id from assist_officer_suggestions where conversation_id = ${v.conversationId} and key = 'call-now'`,
  )
  const done = await officer.post(`/console/assist/suggestions/${call!.id}`, {
    conversation: v.conversationId,
    outcome: 'done',
  })
  assert.equal(done.statusCode, 303, done.body)
  assert.match((await officer.get(v.url)).body, /Marked done\./)
  const decided = await audits('assist.suggestion-decided', v.conversationId)
  assert.deepEqual(decided.at(-1)!.detail, { suggestion: call!.id, key: 'call-now', outcome: 'done' })
  // The same rules without HTTP: danger outranks whatever the classifier reads.
  const fields = { name: 'Sam', crimeRef: '46/1/26', crimeType: 'Burglary', officer: 'DC Shah' }
  const s = suggest('When will I get my bike back? Someone is in my house now', fields, [])
  assert.equal(s.actions[0]!.urgent, true)
  assert.equal(s.replies[0]!.key, 'danger-999')
})

test('CP-121: a question about the case is answered only from its records, citing each; an unanswerable one is refused; a long one is refused in the form; all audited', async () => {
  await switchHelp('yes')
  const v = await aVictimWhoWrites('My red Raleigh bicycle and my Dell laptop were stolen from the shed.')
  // The RMS adds a suspect to the crime.
  const added = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: `ATH-HELP-SUS-${seq}`,
      type: 'CRIMED',
      at: clock.now().toISOString(),
      crimeRef: v.crimeRef,
      investigation: { crimeType: 'Burglary', status: 'OPEN' },
      persons: [{ urn: `P-HELP-SUS-${seq}`, name: 'Jason Marsh', role: 'SUS', dateOfBirth: '1990-02-02' }],
    }),
    'application/json',
  )
  assert.equal(added.status, 'applied', String(added.reason))
  assert.equal(
    (
      await officer.post(v.url, {
        reply: 'Thank you. I am checking pawn shops for the bicycle.',
        kind: 'message',
      })
    ).statusCode,
    303,
  )
  const url = `/console/assist/conversations/${v.conversationId}/questions`
  const form = await officer.get(url)
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /Ask about this case/)

  const property = await officer.post(url, { question: 'What property was stolen?' })
  assert.equal(property.statusCode, 200, property.body)
  assert.match(property.body, /My red Raleigh bicycle and my Dell laptop were stolen from the shed\./)
  assert.match(
    property.body,
    new RegExp(
      `href="/console/officers/conversations/${v.conversationId}#message-[0-9a-f-]{36}">Portal message`,
    ),
  )

  const suspect = await officer.post(url, { question: 'Who is the suspect?' })
  assert.match(suspect.body, /Jason Marsh is the suspect on this case\./)
  assert.match(suspect.body, /href="\/console\/people\/[0-9a-f-]{36}">Person on the case, Jason Marsh/)

  const contacted = await officer.post(url, { question: 'When was the victim last contacted?' })
  const firstAnswer = /<blockquote[^>]*>([^<]+)<\/blockquote>/.exec(contacted.body)?.[1]
  assert.match(firstAnswer ?? '', /DC Priya Shah contacted the person by portal message/)

  const unanswerable = await officer.post(url, { question: 'What colour was the getaway car?' })
  assert.equal(unanswerable.statusCode, 200)
  assert.match(unanswerable.body, /The records do not say\./)
  assert.doesNotMatch(unanswerable.body, /<blockquote/)

  const long = await officer.post(url, { question: `Who ${'is the suspect and '.repeat(12)}?` })
  assert.equal(long.statusCode, 400)
  assert.match(long.body, /There is a problem[\s\S]*Your question must be 200 characters or fewer/)
  const empty = await officer.post(url, { question: '  ' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /Enter your question about the case/)

  const asked = await audits('assist.case-question-asked', v.crimeId)
  assert.deepEqual(
    asked.map((a) => [a.detail.question, a.detail.answered]),
    [
      ['What property was stolen?', true],
      ['Who is the suspect?', true],
      ['When was the victim last contacted?', true],
      ['What colour was the getaway car?', false],
    ],
  )
  assert.ok((asked[0]!.detail.answer as { record: string }[]).some((a) => a.record.startsWith('portal:')))
})

test('CP-89, CP-93, CP-121: the wrong force finds nothing, and roles without the officer console are refused', async () => {
  await switchHelp('yes')
  const v = await aVictimWhoWrites('Any news on the investigation?')
  await officer.get(v.url)
  const [action] = await kentRows<{ id: string }>(
    sql`select id from assist_officer_suggestions where conversation_id = ${v.conversationId} and kind = 'action'`,
  )
  const [reply] = await kentRows<{ id: string }>(
    sql`select id from assist_officer_suggestions where conversation_id = ${v.conversationId} and kind = 'reply'`,
  )
  const url = `/console/assist/conversations/${v.conversationId}/questions`
  const essex = await t.signInAs(['investigating_officer', 'supervisor', 'force_admin'], 'essex')
  await essex.post('/console/assist/officer-help', { enabled: 'yes' })
  assert.equal((await essex.get(url)).statusCode, 404)
  assert.equal((await essex.post(url, { question: 'Who is the suspect?' })).statusCode, 404)
  assert.equal(
    (
      await essex.post(`/console/assist/suggestions/${action!.id}`, {
        conversation: v.conversationId,
        outcome: 'done',
      })
    ).statusCode,
    404,
  )
  // Another Kent officer cannot pre-fill or decide this officer's suggestions.
  const colleague = await t.signInAs(['investigating_officer'], 'kent', 'DC Other')
  const theirs = await colleague.get(`${v.url}?suggestion=${reply!.id}`)
  assert.doesNotMatch(theirs.body, new RegExp(`name="suggestion" value="${reply!.id}"`))
  assert.equal(
    (
      await colleague.post(`/console/assist/suggestions/${action!.id}`, {
        conversation: v.conversationId,
        outcome: 'done',
      })
    ).statusCode,
    404,
  )
  for (const roles of [['contact_handler'], ['force_admin'], ['analyst']] as const) {
    const who = await t.signInAs([...roles], 'kent')
    assert.equal((await who.get(url)).statusCode, 403, roles.join())
    assert.equal((await who.post(url, { question: 'Who is the suspect?' })).statusCode, 403, roles.join())
  }
  assert.equal((await officer.get('/console/assist/officer-help')).statusCode, 403)
  const [stillOpen] = await kentRows<{ outcome: string | null }>(
    sql`select outcome from assist_officer_suggestions where id = ${action!.id}`,
  )
  assert.equal(stillOpen!.outcome, null)
})

test('CP-89, CP-121: similarity counts words in order, and questions below the threshold are refused', () => {
  assert.equal(similarity('Thank you for your message', 'Thank you for your message'), 1)
  assert.equal(similarity('one two three four', 'five six'), 0)
  assert.equal(similarity('one two three four', 'one two three four five six'), 0.8)
  const items = [
    {
      id: 'a',
      kind: 'RMS',
      at: '2026-06-01T10:00:00Z',
      title: 'x',
      body: 'A silver Ford Focus car was seen leaving.',
      href: '#a',
    },
  ]
  assert.equal(answerQuestion('What car was seen?', items).answered, true)
  assert.equal(answerQuestion('What was the weather like?', items).answered, false)
  // "car" alone covers less of the question's weight than the threshold: "colour" is rarer.
  assert.equal(answerQuestion('What colour was the car?', items).answered, false)
})
