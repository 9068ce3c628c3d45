// Assist's offline speech end to end (CRM-22, CRM-6), with the real recogniser (PocketSphinx) and
// real recordings made by espeak-ng: the telephony platform posts a call's recording, the job
// transcribes it, the transcript is on the contact marked as automated and can be searched, and a
// caller's spoken reason sets the call's place in the queue; danger makes it urgent. The API
// refuses the wrong client, the wrong force and bad audio with problem documents; switched off,
// nothing is kept or transcribed.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { readWav, resample, toSpeechInput, wordErrors } from './transcription.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
const dir = mkdtempSync(join(tmpdir(), 'waypoint-speech-test-'))
let t: TestApp
let token: string
let admin: SignedIn
let handler: SignedIn

/** A recording of `text` as espeak-ng says it (22.05 kHz mono, its Klatt voice; decision 0041). */
function say(text: string): Buffer {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.wav`)
  execFileSync('espeak-ng', ['-v', 'en-us+klatt4', '-w', file, text])
  return readFileSync(file)
}

const offer = (callId: string, caller: string) =>
  t.app.http.inject({
    method: 'POST',
    url: '/api/v1/contact/essex/telephony/events',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({
      eventId: `offer-${callId}`,
      type: 'call.offered',
      callId,
      occurredAt: clock.now().toISOString(),
      caller,
      dialled: '101',
    }),
  })

const sendRecording = (
  callId: string,
  body: Buffer,
  options: { kind?: string; bearer?: string; force?: string; type?: string } = {},
) =>
  t.app.http.inject({
    method: 'POST',
    url: `/api/v1/contact/${options.force ?? 'essex'}/telephony/calls/${callId}/recordings${options.kind ? `?kind=${options.kind}` : ''}`,
    headers: {
      authorization: `Bearer ${options.bearer ?? token}`,
      'content-type': options.type ?? 'audio/wav',
    },
    payload: body,
  })

const itemOf = async (callRef: string) => {
  const [row] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; priority: number; skill: string; status: string }>(
      tx,
      sql`select i.id, i.priority, i.skill, i.status from contact_items i join contact_calls c on c.item_id = i.id
          where c.call_ref = ${callRef}`,
    ),
  )
  return row!
}

const recordings = () =>
  t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; status: string; transcript: string | null; hasAudio: boolean }>(
      tx,
      sql`select id, status, transcript, audio is not null as "hasAudio" from assist_call_recordings order by received_at, id`,
    ),
  )

before(async () => {
  t = await createTestApp({}, { clock })
  token = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
  admin = await t.signInAs(['force_admin'], 'essex', 'Ada Admin')
  handler = await t.signInAs(['contact_handler'], 'essex', 'Hal Handler')
})
after(async () => {
  await t.close()
  rmSync(dir, { recursive: true, force: true })
})

test('CRM-22: audio at 22.05 kHz is read, mixed to mono and resampled to 16 kHz in TypeScript', () => {
  const wav = say('I want an update on my burglary')
  const pcm = readWav(wav)
  assert.equal(pcm.sampleRate, 22050)
  const input = toSpeechInput(wav)
  const out = readWav(input.wav)
  assert.equal(out.sampleRate, 16000)
  assert.ok(Math.abs(out.samples.length / 16000 - input.seconds) < 0.01)
  // A pure 1 kHz tone keeps its level through the low-pass filter; 10 kHz (above 8 kHz) is removed.
  const tone = (hz: number) => ({
    sampleRate: 22050,
    samples: Int16Array.from({ length: 22050 }, (_, i) =>
      Math.round(10000 * Math.sin((2 * Math.PI * hz * i) / 22050)),
    ),
  })
  const rms = (s: Int16Array) =>
    Math.sqrt(s.slice(1000, -1000).reduce((a, x) => a + x * x, 0) / (s.length - 2000))
  assert.ok(Math.abs(rms(resample(tone(1000), 16000).samples) - 7071) < 300)
  assert.ok(rms(resample(tone(10000), 16000).samples) < 500)
  assert.deepEqual(wordErrors('i want an update', 'i want update now'), { errors: 2, words: 4 })
})

test('CRM-22: while the force has not switched transcription on, a recording is refused and nothing is kept or transcribed', async () => {
  assert.equal((await offer('call-off', '07700 900100')).statusCode, 202)
  const refused = await sendRecording('call-off', say('I want an update on my burglary'))
  assert.equal(refused.statusCode, 409, refused.body)
  assert.match(refused.headers['content-type'] as string, /application\/problem\+json/)
  assert.match(refused.json().title, /not switched on transcription/)
  assert.equal((await recordings()).length, 0)
  // Only the force's administrator may switch it; the change is audited.
  assert.equal((await handler.get('/console/assist/speech')).statusCode, 403)
  const empty = await admin.post('/console/assist/speech', {})
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /Select whether to transcribe call recordings/)
  assert.equal((await admin.post('/console/assist/speech', { enabled: 'yes' })).statusCode, 303)
  const page = await admin.get('/console/assist/speech?saved=1')
  assert.match(page.body, /The call transcription setting is saved/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ detail: { enabled: boolean; before: boolean } }>(
      tx,
      sql`select detail from audit_events where action = 'assist.speech-switched' and actor_id = ${admin.userId}`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.detail),
    [{ enabled: true, before: false }],
  )
})

test('CRM-22, CRM-6: the spoken reason “I want an update on my burglary” is transcribed offline, classified as a case update and the call stays a normal phone contact; the handler sees it labelled automated', async () => {
  assert.equal((await offer('call-update', '07700 900200')).statusCode, 202)
  const sent = await sendRecording('call-update', say('I want an update on my burglary'))
  assert.equal(sent.statusCode, 202, sent.body)
  const receipt = sent.json() as { recording: string; status: string; contact: string }
  assert.equal(receipt.status, 'queued')
  assert.equal(await t.app.jobs.drain(['assist.transcribe']), 1)
  const [row] = await recordings()
  assert.equal(row!.status, 'transcribed')
  assert.equal(row!.hasAudio, false, 'the audio is dropped once transcribed')
  assert.match(row!.transcript!, /\bupdate\b/)
  assert.match(row!.transcript!, /\bburglary\b/)
  // Measured: 0 errors in 7 words with the force's knowledge base as the language model.
  const { errors, words } = wordErrors('I want an update on my burglary', row!.transcript!)
  assert.ok(errors / words <= 0.3, `word error rate ${errors}/${words}: “${row!.transcript}”`)
  const item = await itemOf('call-update')
  assert.equal(item.id, receipt.contact)
  assert.deepEqual([item.priority, item.skill, item.status], [3, 'phone', 'waiting'])
  const page = await handler.get(`/console/contact/queue/contacts/${item.id}`)
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /What the caller said <strong class="govuk-tag govuk-tag--grey">Automated<\/strong>/,
  )
  assert.match(page.body, /Automated transcript: “[^”]*update[^”]*burglary/)
  assert.match(page.body, /Automated decision: The caller asked about “An update on my case”/)
})

test('CRM-6: a caller who says they are threatened with death is made urgent for handlers with the vulnerability skill, and the handler sees why', async () => {
  assert.equal((await offer('call-danger', '07700 900300')).statusCode, 202)
  assert.deepEqual(
    [(await itemOf('call-danger')).priority, (await itemOf('call-danger')).skill],
    [3, 'phone'],
  )
  assert.equal((await sendRecording('call-danger', say('someone is threatening to kill me'))).statusCode, 202)
  await t.app.jobs.drain(['assist.transcribe'])
  const item = await itemOf('call-danger')
  assert.deepEqual([item.priority, item.skill], [1, 'vulnerability'])
  const page = await handler.get(`/console/contact/queue/contacts/${item.id}`)
  assert.match(page.body, /Danger words were heard \(threat to life\), so the call is urgent/)
  assert.match(
    page.body,
    /Priority<\/dt><dd class="govuk-summary-list__value">Urgent, needs vulnerable callers/,
  )
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ detail: { priority: number; skill: string } }>(
      tx,
      sql`select detail from audit_events where action = 'contact.prioritised' and record_id = ${item.id}`,
    ),
  )
  assert.equal(audited[0]!.detail.priority, 1)
  assert.equal(audited[0]!.detail.skill, 'vulnerability')
})

test('CRM-6: a spoken reason sent while the caller is still in the IVR places the call as it is offered: “my partner hits me and I am scared” goes to vulnerable callers, high priority', async () => {
  const sent = await sendRecording('call-early', say('my partner hits me and I am scared'))
  assert.equal(sent.statusCode, 202, sent.body)
  assert.deepEqual(
    [(sent.json() as { call: string | null }).call, (sent.json() as { contact: string | null }).contact],
    [null, null],
  )
  await t.app.jobs.drain(['assist.transcribe'])
  assert.equal((await offer('call-early', '07700 900250')).statusCode, 202)
  const item = await itemOf('call-early')
  assert.deepEqual([item.priority, item.skill, item.status], [2, 'vulnerability', 'waiting'])
  const page = await handler.get(`/console/contact/queue/contacts/${item.id}`)
  assert.match(page.body, /Automated decision: The caller asked about “[^”]*domestic abuse[^”]*”/i)
  // A voicemail needs its call offered first.
  const voicemail = await sendRecording('call-not-yet', say('please call me back'), { kind: 'voicemail' })
  assert.equal(voicemail.statusCode, 409)
})

test('CRM-22: a voicemail is transcribed and found by the search of call transcripts; the search refuses who is not contact staff', async () => {
  assert.equal((await offer('call-voicemail', '07700 900400')).statusCode, 202)
  const sent = await sendRecording('call-voicemail', say('I lost my phone on the train'), {
    kind: 'voicemail',
  })
  assert.equal(sent.statusCode, 202, sent.body)
  await t.app.jobs.drain(['assist.transcribe'])
  const item = await itemOf('call-voicemail')
  // A voicemail is not a spoken reason: it does not move the call.
  assert.deepEqual([item.priority, item.skill], [3, 'phone'])
  const found = await handler.get('/console/contact/transcripts?q=lost+phone')
  assert.equal(found.statusCode, 200)
  assert.match(found.body, /1 call recording found/)
  assert.match(found.body, new RegExp(`/console/contact/queue/contacts/${item.id}#recording-`))
  const none = await handler.get('/console/contact/transcripts?q=bicycle')
  assert.match(none.body, /0 call recordings found/)
  const tooLong = await handler.get(`/console/contact/transcripts?q=${'a'.repeat(150)}`)
  assert.equal(tooLong.statusCode, 400)
  assert.match(tooLong.body, /There is a problem[\s\S]*Search for 100 characters or fewer/)
  assert.equal((await admin.get('/console/contact/transcripts?q=phone')).statusCode, 403)
  const kent = await t.signInAs(['contact_handler'], 'kent', 'Kit Kent')
  const other = await kent.get('/console/contact/transcripts?q=lost+phone')
  assert.match(other.body, /0 call recordings found/, 'another force’s transcripts are not found')
})

test('CRM-22: the recordings API refuses the wrong scope, the wrong force and bad audio with problem documents', async () => {
  assert.equal((await offer('call-bad', '07700 900500')).statusCode, 202)
  const wav = say('hello')
  const problem = (r: { statusCode: number; headers: Record<string, unknown> }, status: number) => {
    assert.equal(r.statusCode, status)
    assert.match(r.headers['content-type'] as string, /application\/problem\+json/)
  }
  const duties = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:duties'] })
  problem(await sendRecording('call-bad', wav, { bearer: duties }), 403)
  problem(await sendRecording('call-bad', wav, { force: 'kent' }), 403)
  const kentToken = await issueClientToken(t, { forceId: 'kent', scopes: ['contact:telephony'] })
  problem(await sendRecording('call-bad', wav, { bearer: kentToken, force: 'kent' }), 409)
  problem(await sendRecording('call-bad', wav, { type: 'audio/mpeg' }), 415)
  const notWav = await sendRecording(
    'call-bad',
    Buffer.from('ID3 this is not a wav file at all, not even close to one'),
  )
  problem(notWav, 400)
  assert.match(JSON.stringify(notWav.json()), /not a WAV file/)
  problem(await sendRecording('call-bad', Buffer.alloc(7 * 1024 * 1024)), 413)
  problem(await sendRecording('call-never', wav, { kind: 'voicemail' }), 409)
  problem(await sendRecording('call-bad', wav, { kind: 'music' }), 400)
  assert.equal((await recordings()).filter((r) => r.status === 'queued').length, 0)
})

test('CRM-22: a recording queued before the force switches transcription off is not transcribed, and its audio is dropped', async () => {
  assert.equal((await offer('call-late', '07700 900600')).statusCode, 202)
  const sent = await sendRecording('call-late', say('my car was stolen last night'))
  assert.equal(sent.statusCode, 202)
  assert.equal((await admin.post('/console/assist/speech', { enabled: 'no' })).statusCode, 303)
  await t.app.jobs.drain(['assist.transcribe'])
  const row = (await recordings()).find((r) => r.id === (sent.json() as { recording: string }).recording)!
  assert.deepEqual([row.status, row.transcript, row.hasAudio], ['skipped', null, false])
})
