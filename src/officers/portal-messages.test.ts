// Two-way portal messages end to end through HTTP and the services: the person writes from their
// case (guidance, limits, confirmation, new-crime signposting), the message is stamped and queued
// for the RMS, the officer is emailed and sees it in "My cases", answers as free text, template,
// request for information or extra information, may recall or edit within the window, the person
// is told without content, unanswered messages escalate after the working-hours SLA, the SLA
// report and the evidence extracts read back; and the wrong citizen, officer, force or CSRF token
// is refused.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { PDFParse } from 'pdf-parse'
import { aSignedInCitizen, aVictimCase, anInvitation } from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import type { DevelopmentStaffMailbox } from '../platform/auth/staff-mail.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { ValidationError } from '../platform/errors.ts'
import { SESSION_COOKIE } from '../platform/http/server.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'
import { WritebackEndpointSettings } from '../writeback/endpoint-settings.ts'
import { WritebackReceiver } from '../writeback/receiver.ts'
import { WritebackRepository } from '../writeback/repository.ts'

// A Wednesday morning in June (UK summer time).
const clock = new FixedClock('2026-06-10T09:00:00Z')
let t: TestApp
let officer: SignedIn
let receiver: WritebackReceiver
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  // Kent's RMS and CAD take write-back entries at a local receiver, as the demo's do.
  receiver = await WritebackReceiver.start()
  const endpoints = new WritebackEndpointSettings(new WritebackRepository(t.app.db), {
    db: t.app.db,
    audit: t.app.services.audit,
    clock,
    cipher: t.app.services.writeback.cipher,
    allowHttp: true,
    outbound: t.app.outbound,
  })
  for (const target of ['cad', 'rms'] as const)
    await endpoints.save(
      'kent',
      target,
      { url: receiver.url(target, '/{reference}'), authKind: 'none', enabled: true },
      { actor: { kind: 'system', id: null, name: 'test' } },
    )
  officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  const profile = await officer.post('/console/officers/profile', { collar: '4521', team: 'Maidstone CID' })
  assert.equal(profile.statusCode, 303, profile.body)
})
after(async () => {
  await receiver?.refuseConnections()
  await t?.close()
})

let seq = 0
/** A crime (officer 4521 unless `officer: false`) with a victim who has a portal account, signed in. */
async function aPortalVictim(o: { officer?: boolean; status?: string; forceId?: string } = {}) {
  seq += 1
  const forceId = o.forceId ?? 'kent'
  const crimeRef = `46/${80000 + seq}/26`
  const email = `portal.victim${seq}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    forceId,
    crimeRef,
    eventId: `ATH-MSG-${seq}`,
    urn: `P-MSG-${seq}`,
    name: `Victim ${seq}`,
    dateOfBirth: '1980-01-01',
    phone: `0770090${String(seq).padStart(4, '0')}`,
    email,
    status: o.status ?? 'OPEN',
    officer:
      o.officer === false ? null : { collarNumber: '4521', name: 'DC Priya Shah', team: 'Maidstone CID' },
  })
  const personId = crime.personId
  const invitationId = await anInvitation(t.app, forceId, crime)
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'a long test password',
    totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
    invitationId,
    forceId,
  })
  // A browser signed in as the person: it keeps its cookies and the CSRF token of the page it last read.
  const { get, post } = await aSignedInCitizen(t.app, account.id, forceId)
  return { crimeId: crime.crimeId, crimeRef, personId, accountId: account.id, email, get, post }
}

/** A new session for the same member of staff (after the clock has moved past the old one's life). */
async function signedInAgain(who: SignedIn): Promise<SignedIn> {
  const { token, session } = await t.app.services.sessions.start(
    { subjectKind: 'staff', subjectId: who.userId, forceId: 'kent' },
    {},
    { ip: '127.0.0.1' },
  )
  const cookie = `${SESSION_COOKIE}=${t.app.http.signCookie(token)}`
  const csrf = t.app.services.sessions.csrfToken(session.id)
  return {
    userId: who.userId,
    cookie,
    csrf,
    get: (url) => t.app.http.inject({ method: 'GET', url, headers: { cookie } }),
    post: (url, form = {}) =>
      t.app.http.inject({
        method: 'POST',
        url,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ ...(form as Record<string, string>), _csrf: csrf }).toString(),
      }),
  }
}

const messagesUrl = (v: { crimeId: string }) => `/portal/cases/${v.crimeId}/messages`

async function kentRows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return t.app.db.withForce('kent', (tx) => rows<T>(tx, query))
}

test('CP-76, CP-80, CP-86, CP-83, CP-88: a person writes to their officer, sees guidance and a confirmation, and the officer is emailed without the message', async () => {
  const v = await aPortalVictim()
  const page = await v.get(messagesUrl(v))
  assert.equal(page.statusCode, 200, page.body)
  assert.match(page.body, /How messaging works/)
  assert.match(page.body, /aims to reply within 2 working days/)
  assert.match(page.body, /call 999/)
  const mailbox = t.app.services.staffMail as DevelopmentStaffMailbox
  const before = mailbox.sent.length
  const sent = await v.post(messagesUrl(v), {
    message: 'Can you tell me if the CCTV from the shop was checked?',
  })
  assert.equal(sent.statusCode, 303, sent.body)
  const confirmation = await v.get(String(sent.headers.location))
  assert.equal(confirmation.statusCode, 200)
  assert.match(confirmation.body, /Message sent/)
  assert.doesNotMatch(confirmation.body, /If something new has happened, report it/)
  const [stored] = await kentRows<{ body: string; due_by: string; kind: string }>(
    sql`select body, due_by::text, kind from conversation_messages where channel = 'portal' order by created_at desc limit 1`,
  )
  assert.equal(stored?.body, 'Can you tell me if the CCTV from the shop was checked?')
  // 16 working hours from 10:00 (UK) on Wednesday: 10:00 on Friday.
  assert.equal(new Date(stored!.due_by).toISOString(), '2026-06-12T09:00:00.000Z')
  const mail = mailbox.sent.slice(before)
  assert.equal(mail.length, 1)
  assert.match(mail[0]!.body, new RegExp(v.crimeRef.replaceAll('/', '\\/')))
  assert.doesNotMatch(mail[0]!.body, /CCTV/)
})

test('CP-84, CP-85: a message that reads as a new crime signposts the person to report it, and the officer sees why', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  const sent = await v.post(messagesUrl(v), { message: 'He came back last night and smashed my car window.' })
  assert.equal(sent.statusCode, 303, sent.body)
  const confirmation = await v.get(String(sent.headers.location))
  assert.match(confirmation.body, /If something new has happened, report it/)
  assert.match(confirmation.body, /police\.uk/)
  const [row] = await kentRows<{ new_crime_rule: string }>(
    sql`select new_crime_rule from conversation_messages where body like 'He came back%'`,
  )
  assert.match(row!.new_crime_rule, /^damage: "smashed"/)
})

test('CP-125: messages outside the force limits are refused with a GOV.UK error summary, and the text is kept', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  const empty = await v.post(messagesUrl(v), { message: '  ' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /govuk-error-summary/)
  assert.match(empty.body, /Enter your message/)
  const long = await v.post(messagesUrl(v), { message: 'x'.repeat(2001) })
  assert.equal(long.statusCode, 400)
  assert.match(long.body, /2000 characters or fewer/)
})

test('CP-81: no message can be sent about a case without an officer', async () => {
  const v = await aPortalVictim({ officer: false })
  const page = await v.get(messagesUrl(v))
  assert.match(page.body, /once an investigating officer is assigned/)
  assert.doesNotMatch(page.body, /Send message/)
  await assert.rejects(
    t.app.services.portal.messages.send(
      v.accountId,
      v.crimeId,
      { text: 'Hello, is anyone looking at this?' },
      { ip: '127.0.0.1', id: 'test' },
    ),
    (error) =>
      error instanceof ValidationError &&
      /investigating officer is assigned/.test(JSON.stringify(error.fieldErrors)),
  )
})

test('CP-87, CP-88: every portal message, both ways, reaches the RMS victim contact log through the write-back outbox', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'I have found the receipt for the stolen laptop.' })
  const [c] = await kentRows<{ id: string }>(
    sql`select id from conversations where case_id = ${v.crimeId} and channel = 'portal'`,
  )
  const reply = await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'Thank you, please keep it safe.',
    kind: 'message',
  })
  assert.equal(reply.statusCode, 303, reply.body)
  const entries = await kentRows<{
    kind: string
    target: string
    target_ref: string
    body: { content: string; channel: string }
  }>(
    sql`select kind, target, target_ref, body from writeback_entries where target_ref = ${v.crimeRef} order by created_at`,
  )
  assert.deepEqual(
    entries.map((e) => [e.kind, e.target, e.body.channel, e.body.content]),
    [
      ['message-received', 'rms', 'portal', 'I have found the receipt for the stolen laptop.'],
      ['message-sent', 'rms', 'portal', 'Thank you, please keep it safe.'],
    ],
  )
  // Delivered: both reach the RMS receiver, in the crime record.
  for (let i = 0; i < 5; i++) await t.app.jobs.drain()
  const delivered = receiver
    .entries('rms')
    .filter((e) => decodeURIComponent(e.path).includes(v.crimeRef))
    .map((e) => e.body.content)
  assert.ok(delivered.includes('I have found the receipt for the stolen laptop.'), JSON.stringify(delivered))
  assert.ok(delivered.includes('Thank you, please keep it safe.'), JSON.stringify(delivered))
})

test('CP-49, CP-78, CP-79, CP-94, CP-98, CP-99, CP-100: the officer sees the case in My cases, replies, and the person sees it and is told without its content', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'When will I get my bike back?' })
  const mine = await officer.get('/console/officers')
  assert.equal(mine.statusCode, 200)
  // CP-79: guidance on messaging, on the officer's own page.
  assert.match(mine.body, /Guidance on messaging people[\s\S]*added to the crime record/)
  const row = new RegExp(`${v.crimeRef.replaceAll('/', '\\/')}[\\s\\S]*?Yes[\\s\\S]*?1 unread`)
  assert.match(mine.body, row)
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  const templated = await officer.get(`/console/officers/conversations/${c!.id}?template=update-soon`)
  assert.match(templated.body, /Enquiries on your case are continuing/)
  const sent = await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'Your bike is being examined and will be returned next week.',
    kind: 'message',
  })
  assert.equal(sent.statusCode, 303, sent.body)
  const thread = await v.get(messagesUrl(v))
  assert.match(thread.body, /Your bike is being examined/)
  assert.match(thread.body, /DC Priya Shah wrote/)
  const [note] = await kentRows<{ body: string; recipient: string; template_key: string }>(
    sql`select body, recipient, template_key from messages where template_key = 'portal-new-message' and recipient = ${v.email}`,
  )
  assert.ok(note, 'the person is told of the reply')
  assert.match(note.body, /new message about/)
  assert.doesNotMatch(note.body, /bike/)
  const [answered] = await kentRows<{ answered_at: string | null }>(
    sql`select answered_at::text from conversation_messages where body = 'When will I get my bike back?'`,
  )
  assert.ok(answered?.answered_at, 'the reply answers the message')
})

test('CP-107, CP-118: the officer asks for information and sends extra information; the person answers the request in text', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'Is there anything else you need from me?' })
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'Please describe the van you saw.',
    kind: 'information-request',
  })
  await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'Victim Support can help: 0808 168 9111.',
    kind: 'extra-information',
  })
  const thread = await v.get(messagesUrl(v))
  assert.match(thread.body, /Information about your case/)
  const link = /href="(\/portal\/cases\/[^"]+\/messages\/requests\/[^"]+)"/.exec(thread.body)?.[1]
  assert.ok(link, 'a link to answer the request')
  await v.get(link)
  const answered = await v.post(link, { message: 'A white Transit van with a ladder on the roof.' })
  assert.equal(answered.statusCode, 303, answered.body)
  const [info] = await kentRows<{ kind: string; answers_request: string | null }>(
    sql`select kind, answers_request from conversation_messages where body like 'A white Transit%'`,
  )
  assert.equal(info?.kind, 'information')
  assert.ok(info?.answers_request)
  const after = await v.get(messagesUrl(v))
  assert.doesNotMatch(after.body, /Send the information your officer asked for/)
})

test('CP-97: the officer edits and recalls a message within the window, keeping the original, and not after it', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'Any news?' })
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'The suspect was arested.',
    kind: 'message',
  })
  const [m] = await kentRows<{ id: string }>(
    sql`select id from conversation_messages where body = 'The suspect was arested.'`,
  )
  const edited = await officer.post(`/console/officers/conversations/${c!.id}/messages/${m!.id}`, {
    action: 'edit',
    text: 'The suspect was arrested.',
  })
  assert.equal(edited.statusCode, 303, edited.body)
  assert.match((await v.get(messagesUrl(v))).body, /The suspect was arrested\.[\s\S]*changed this message/)
  const other = await t.signInAs(['investigating_officer'], 'kent')
  const notMine = await other.post(`/console/officers/conversations/${c!.id}/messages/${m!.id}`, {
    action: 'recall',
  })
  assert.equal(notMine.statusCode, 400)
  assert.match(notMine.body, /only change a message you sent/)
  const recalled = await officer.post(`/console/officers/conversations/${c!.id}/messages/${m!.id}`, {
    action: 'recall',
  })
  assert.equal(recalled.statusCode, 303)
  const seen = await v.get(messagesUrl(v))
  assert.match(seen.body, /Your officer withdrew this message/)
  assert.doesNotMatch(seen.body, /suspect/)
  const [kept] = await kentRows<{ original_body: string }>(
    sql`select original_body from conversation_messages where id = ${m!.id}`,
  )
  assert.equal(kept?.original_body, 'The suspect was arested.')
  await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'A second message.',
    kind: 'message',
  })
  const [late] = await kentRows<{ id: string }>(
    sql`select id from conversation_messages where body = 'A second message.'`,
  )
  clock.advance(16 * 60_000)
  const tooLate = await officer.post(`/console/officers/conversations/${c!.id}/messages/${late!.id}`, {
    action: 'recall',
  })
  assert.equal(tooLate.statusCode, 400)
  assert.match(tooLate.body, /within 15 minutes/)
})

test('CP-102: the person marks an officer message unread and read, and deletes a message from their view only', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'Please call me.' })
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'I will call tomorrow.',
    kind: 'message',
  })
  await v.get(messagesUrl(v))
  const [m] = await kentRows<{ id: string }>(
    sql`select id from conversation_messages where body = 'I will call tomorrow.'`,
  )
  const unread = await v.post(`${messagesUrl(v)}/${m!.id}`, { action: 'unread' })
  assert.equal(unread.statusCode, 303)
  const [state] = await kentRows<{ read_at: string | null }>(
    sql`select read_at from conversation_messages where id = ${m!.id}`,
  )
  assert.equal(state?.read_at, null)
  const [mine] = await kentRows<{ id: string }>(
    sql`select id from conversation_messages where body = 'Please call me.'`,
  )
  await v.post(`${messagesUrl(v)}/${mine!.id}`, { action: 'delete' })
  const page = await v.get(messagesUrl(v))
  assert.doesNotMatch(page.body, /Please call me/)
  const kept = await officer.get(`/console/officers/conversations/${c!.id}`)
  assert.match(kept.body, /Please call me/)
})

test('CP-119: the conversation extracts to PDF and Word, read back as text', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'The man had a red jacket.' })
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'Thank you, noted for the file.',
    kind: 'message',
  })
  const pdf = await officer.get(`/console/officers/conversations/${c!.id}/extract.pdf`)
  assert.equal(pdf.statusCode, 200)
  const text = (await new PDFParse({ data: new Uint8Array(pdf.rawPayload) }).getText()).text
  assert.match(text, /Portal conversation, crime/)
  assert.match(text, /The man had a red jacket\./)
  assert.match(text, /Thank you, noted for the file\./)
  const docx = await officer.get(`/console/officers/conversations/${c!.id}/extract.docx`)
  assert.equal(docx.statusCode, 200)
  const dir = mkdtempSync(join(tmpdir(), 'waypoint-docx-'))
  writeFileSync(join(dir, 'c.docx'), docx.rawPayload)
  const xml = execFileSync('unzip', ['-p', join(dir, 'c.docx'), 'word/document.xml']).toString()
  assert.match(xml, /The man had a red jacket\./)
  assert.match(xml, /Thank you, noted for the file\./)
})

test('a person cannot open or write in another person’s messages by URL', async () => {
  const a = await aPortalVictim()
  const b = await aPortalVictim()
  await a.get(messagesUrl(a))
  const read = await a.get(messagesUrl(b))
  assert.equal(read.statusCode, 404)
  const write = await a.post(messagesUrl(b), { message: 'Not my case' })
  assert.equal(write.statusCode, 404)
})

test('CSRF: a message without the page’s token is refused, for the person and the officer', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  const refused = await v.post(messagesUrl(v), { message: 'Forged' }, 'not-the-token')
  assert.equal(refused.statusCode, 403)
  await v.post(messagesUrl(v), { message: 'Genuine message' })
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  const forged = await t.app.http.inject({
    method: 'POST',
    url: `/console/officers/conversations/${c!.id}`,
    headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'reply=Forged&kind=message&_csrf=wrong',
  })
  assert.equal(forged.statusCode, 403)
})

test('the wrong officer, force or role is refused: another force finds nothing, and roles without the console are refused', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'Hello from Kent' })
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  const essex = await t.signInAs(['investigating_officer', 'supervisor'], 'essex')
  assert.equal((await essex.get(`/console/officers/conversations/${c!.id}`)).statusCode, 404)
  assert.equal(
    (await essex.post(`/console/officers/conversations/${c!.id}`, { reply: 'x', kind: 'message' }))
      .statusCode,
    404,
  )
  assert.equal((await essex.get(`/console/officers/conversations/${c!.id}/extract.pdf`)).statusCode, 404)
  const handler = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await handler.get(`/console/officers/conversations/${c!.id}`)).statusCode, 403)
  assert.equal((await handler.get('/console/officers/sla')).statusCode, 403)
  assert.equal((await officer.get('/console/officers/team')).statusCode, 403)
})

test('CP-81, CP-82: a portal conversation is not answered from the general conversations page, and neither side writes once the case is charged', async () => {
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'Is anybody there?' })
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  const page = await officer.get(`/console/conversations/${c!.id}`)
  assert.match(page.body, /answered by the investigating officer from Portal, My cases/)
  const refused = await officer.post(`/console/conversations/${c!.id}/reply`, { reply: 'Around the back' })
  assert.equal(refused.statusCode, 400)
  const [n] = await kentRows<{ n: number }>(
    sql`select count(*)::int as n from conversation_messages where conversation_id = ${c!.id} and direction = 'outbound'`,
  )
  assert.equal(n?.n, 0)
  // Once the suspect is charged, neither side can write any more (CP-81, CP-82).
  const charged = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: `ATH-MSG-CHARGED-${v.crimeRef}`,
      type: 'STATUS_CHANGED',
      at: clock.now().toISOString(),
      crimeRef: v.crimeRef,
      investigation: { status: 'CHARGED' },
    }),
    'application/json',
  )
  assert.equal(charged.status, 'applied', String(charged.reason))
  const closed = await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'Hello',
    kind: 'message',
  })
  assert.equal(closed.statusCode, 400)
  assert.match(closed.body, /closed or charged/)
  assert.match((await v.get(messagesUrl(v))).body, /cannot send messages about this case/)
})

test('CP-104, CP-148: a message unanswered past the working-hours SLA, over a bank holiday, escalates to the supervisor; the SLA report counts it, as CSV too', async () => {
  // Friday 28 August 2026, 16:00 UK: 16 working hours run to 16:00 on Wednesday 2 September
  // (Monday 31 August is the summer bank holiday).
  clock.set(new Date('2026-08-28T15:00:00Z'))
  // The earlier tests' messages, long overdue by now, escalate first.
  await t.app.services.officers.escalateOverdue('kent')
  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  await v.post(messagesUrl(v), { message: 'Has anyone spoken to the neighbour?' })
  const [m] = await kentRows<{ due_by: string }>(
    sql`select due_by::text from conversation_messages where body like 'Has anyone spoken%'`,
  )
  assert.equal(new Date(m!.due_by).toISOString(), '2026-09-02T15:00:00.000Z')
  clock.set(new Date('2026-09-02T14:59:00Z'))
  assert.equal(await t.app.services.officers.escalateOverdue('kent'), 0)
  clock.set(new Date('2026-09-02T15:01:00Z'))
  assert.ok((await t.app.services.officers.escalateOverdue('kent')) >= 1)
  assert.equal(await t.app.services.officers.escalateOverdue('kent'), 0, 'escalated once')
  const supervisor = await t.signInAs(['supervisor'], 'kent')
  await supervisor.post('/console/officers/profile', { collar: 'S100', team: 'Maidstone CID' })
  const team = await supervisor.get('/console/officers/team')
  assert.equal(team.statusCode, 200)
  assert.match(team.body, new RegExp(`Escalations[\\s\\S]*${v.crimeRef.replaceAll('/', '\\/')}`))
  const sla = await supervisor.get('/console/officers/sla?month=2026-08')
  assert.equal(sla.statusCode, 200)
  assert.match(sla.body, /Overdue, not answered[\s\S]*?1/)
  const csv = await supervisor.get('/console/officers/sla?month=2026-08&format=csv')
  assert.equal(csv.statusCode, 200)
  assert.match(csv.headers['content-type'] as string, /text\/csv/)
  assert.match(csv.body, new RegExp(`${v.crimeRef.replaceAll('/', '\\/')},4521,.*overdue`))
  // CP-148: the same figures in the OData feed Power BI reads.
  const { key } = await t.app.services.reporting.createApiKey('kent', 'SLA test', { id: supervisor.userId })
  const feed = await t.app.http.inject({
    method: 'GET',
    url: `/api/v1/odata/MessageResponses?$filter=CrimeReference eq '${v.crimeRef}'`,
    headers: { accept: 'application/json', 'x-api-key': key },
  })
  assert.equal(feed.statusCode, 200, feed.body)
  const [response] = feed.json().value
  assert.equal(response.OfficerCollar, '4521')
  assert.equal(response.DueBy, '2026-09-02T15:00:00.000Z')
  assert.equal(response.AnsweredInTime, false)
  assert.ok(response.EscalatedAt)
  // Answering clears the escalation (the officer signs in again: months have passed).
  officer = await signedInAgain(officer)
  const [c] = await kentRows<{ id: string }>(sql`select id from conversations where case_id = ${v.crimeId}`)
  await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'Yes, yesterday.',
    kind: 'message',
  })
  assert.doesNotMatch(
    (await supervisor.get('/console/officers/team')).body,
    new RegExp(`Escalations[\\s\\S]*${v.crimeRef.replaceAll('/', '\\/')}[\\s\\S]*The team`),
  )
})

test('CP-84, CP-125: a force administrator changes the limits and the new-crime rules without code; bad rules are refused with the field named, and an officer may not', async () => {
  clock.set(new Date('2026-09-07T09:00:00Z'))
  const admin = await t.signInAs(['force_admin'], 'kent')
  const page = await admin.get('/console/officers/settings')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /&quot;id&quot;: &quot;threats&quot;/)
  const rules = structuredClone((await t.app.services.portal.messages.settings('kent')).newCrimeRules)
  rules.rules.push({ id: 'dog', label: 'Dangerous dogs', phrases: ['set his dog on me'] })
  const form = {
    minLength: '5',
    maxLength: '300',
    slaWorkingHours: '8',
    workingStart: '08:00',
    workingEnd: '18:00',
    editWindowMinutes: '10',
  }
  const bad = await admin.post('/console/officers/settings', { ...form, newCrimeRules: '{"rules": [' })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /href="#newCrimeRules"[^>]*>The rules are not valid JSON/)
  const saved = await admin.post('/console/officers/settings', {
    ...form,
    newCrimeRules: JSON.stringify(rules),
  })
  assert.equal(saved.statusCode, 303, saved.body)
  const refused = await officer.post('/console/officers/settings', {
    ...form,
    newCrimeRules: JSON.stringify(rules),
  })
  assert.equal(refused.statusCode, 403)

  const v = await aPortalVictim()
  await v.get(messagesUrl(v))
  const long = await v.post(messagesUrl(v), { message: 'x'.repeat(301) })
  assert.equal(long.statusCode, 400)
  assert.match(long.body, /300 characters or fewer/)
  const sent = await v.post(messagesUrl(v), { message: 'The neighbour set his dog on me.' })
  assert.equal(sent.statusCode, 303)
  assert.match((await v.get(String(sent.headers.location))).body, /If something new has happened, report it/)
})

test('CP-49: a collar number another member of staff of the force holds is refused with an error summary, not a server error', async () => {
  const other = await t.signInAs(['investigating_officer'], 'kent', 'DC Sam Other')
  await other.get('/console/officers/profile')
  const refused = await other.post('/console/officers/profile', { collar: '4521', team: 'Maidstone CID' })
  assert.equal(refused.statusCode, 400, refused.body)
  assert.match(refused.body, /govuk-error-summary/)
  assert.match(refused.body, /Collar number 4521 is already someone else/)
  // Their own number is taken, and the first officer keeps 4521.
  assert.equal(
    (await other.post('/console/officers/profile', { collar: '4522', team: 'Maidstone CID' })).statusCode,
    303,
  )
  const [held] = await kentRows<{ n: number }>(
    sql`select count(*)::int as n from officer_profiles where force_id = 'kent' and collar = '4521'`,
  )
  assert.equal(held!.n, 1)
})
