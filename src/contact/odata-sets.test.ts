// Labels on contacts and published script versions in the OData feed (decision 0047): Power BI
// reads each label put on a contact (who, when, the contact's channel and outcome) and each
// published script version (who published it, when, how many contacts followed it), with the
// feed's auth, $filter, $select, $count, server-driven paging and row-level security per force.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { XMLParser } from 'fast-xml-parser'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let ana: SignedIn
let sue: SignedIn
let essexToken: string
let kentToken: string
const contacts: string[] = []

const feed = (url: string, token?: string) =>
  t.app.http.inject({
    method: 'GET',
    url: `/api/v1/odata/${url}`,
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  })

let texts = 0
async function contactFor(who: SignedIn, force = 'essex'): Promise<string> {
  texts += 1
  const received = await t.app.services.conversations.receiveText(
    force,
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: `odata-${texts}`,
      from: `0770090${String(3000 + texts)}`,
      fromName: null,
      to: null,
      subject: null,
      body: 'I want to complain',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [item] = await t.app.db.withForce(force, (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from contact_items where conversation_id = ${received.conversationId}`,
    ),
  )
  assert.equal((await who.post(`/console/contact/queue/contacts/${item!.id}/claim`)).statusCode, 303)
  return item!.id
}

async function publishScript(who: SignedIn, title: string, questions: string[][]): Promise<string> {
  const created = await who.post('/console/contact/scripts', { title })
  assert.equal(created.statusCode, 303)
  const id = /([0-9a-f-]{36})/.exec(created.headers.location as string)![1]!
  for (const [n, round] of questions.entries()) {
    if (n > 0) assert.equal((await who.post(`/console/contact/scripts/${id}/draft`)).statusCode, 303)
    for (const text of round)
      assert.equal(
        (await who.post(`/console/contact/scripts/${id}/questions`, { text, next: 'end' })).statusCode,
        303,
      )
    assert.equal((await who.post(`/console/contact/scripts/${id}/publish`)).statusCode, 303)
  }
  return id
}

before(async () => {
  const defaults = loadConfig({ NODE_ENV: 'test' })
  // Pages of two, so server-driven paging shows with a handful of rows.
  t = await createTestApp({ reporting: { ...defaults.reporting, odataPageSize: 2 } }, { clock })
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  const kentSupervisor = await t.signInAs(['contact_supervisor'], 'kent', 'Kent Supervisor')
  const kentHandler = await t.signInAs(['contact_handler'], 'kent', 'Kent Handler')
  for (const who of [sue, kentSupervisor])
    for (const name of ['Complaint', 'Repeat caller'])
      assert.equal((await who.post('/console/contact/labels', { name })).statusCode, 303)
  const labelIds = async (force: string) =>
    t.app.db.withForce(force, (tx) =>
      rows<{ id: string; name: string }>(tx, sql`select id, name from contact_labels order by name`),
    )
  const [complaint, repeat] = await labelIds('essex')
  contacts.push(await contactFor(ana), await contactFor(ana))
  const label = (who: SignedIn, id: string, label: string[]) =>
    who.post(`/console/contact/queue/contacts/${id}/labels`, { label })
  assert.equal((await label(ana, contacts[0]!, [complaint!.id, repeat!.id])).statusCode, 303)
  assert.equal((await label(ana, contacts[1]!, [complaint!.id])).statusCode, 303)
  const kentContact = await contactFor(kentHandler, 'kent')
  assert.equal((await label(kentHandler, kentContact, [(await labelIds('kent'))[0]!.id])).statusCode, 303)

  // Essex: version 1 retired by version 2 (a copy of it with one more question), and a draft 3.
  const scriptId = await publishScript(sue, 'Complaints', [['What happened?'], ['When did it happen?']])
  assert.equal((await sue.post(`/console/contact/scripts/${scriptId}/draft`)).statusCode, 303)
  await publishScript(kentSupervisor, 'Kent script', [['Kent question?']])
  essexToken = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  kentToken = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
})
after(() => t.close())

test('CRM-27: the service document and $metadata list ContactLabels and ScriptVersions with their types', async () => {
  const service = await feed('', essexToken)
  assert.equal(service.statusCode, 200)
  const names = service.json().value.map((v: { name: string }) => v.name)
  assert.ok(names.includes('ContactLabels') && names.includes('ScriptVersions'))
  const metadata = await feed('$metadata', essexToken)
  const schema = new XMLParser({ ignoreAttributes: false }).parse(metadata.body)['edmx:Edmx'][
    'edmx:DataServices'
  ].Schema
  const type = (name: string) => schema.EntityType.find((e: { '@_Name': string }) => e['@_Name'] === name)
  const typeOf = (entity: string, property: string) =>
    type(entity).Property.find((p: Record<string, string>) => p['@_Name'] === property)['@_Type']
  assert.equal(typeOf('ContactLabel', 'AddedAt'), 'Edm.DateTimeOffset')
  assert.equal(typeOf('ContactLabel', 'Label'), 'Edm.String')
  assert.equal(typeOf('ScriptVersion', 'Version'), 'Edm.Int32')
  assert.equal(typeOf('ScriptVersion', 'PublishedDate'), 'Edm.Date')
})

test('CRM-27: ContactLabels gives each label on a contact, who put it there and when, with $filter, $select, $count and paging', async () => {
  const all = await feed('ContactLabels?$count=true&$orderby=Label,ContactId', essexToken)
  assert.equal(all.statusCode, 200)
  const page = all.json()
  assert.equal(page['@odata.count'], 3)
  assert.equal(page.value.length, 2)
  assert.match(page['@odata.nextLink'], /%24skip=2/)
  const [first] = page.value
  assert.equal(first.Label, 'Complaint')
  assert.equal(first.Force, 'essex')
  assert.equal(first.Channel, 'sms')
  assert.equal(first.AddedBy, 'Ana Handler')
  assert.equal(first.AddedById, ana.userId)
  assert.equal(first.AddedAt, '2026-06-03T09:00:00.000Z')
  assert.equal(first.AddedDate, '2026-06-03')
  const complaints = await feed(
    "ContactLabels?$filter=Label eq 'Complaint'&$select=ContactId,Label",
    essexToken,
  )
  assert.deepEqual(
    complaints
      .json()
      .value.map((r: Record<string, string>) => r.ContactId)
      .sort(),
    [...contacts].sort(),
  )
  assert.deepEqual(Object.keys(complaints.json().value[0]).sort(), ['ContactId', 'Label'])
  const bad = await feed("ContactLabels?$filter=Name eq 'x'", essexToken)
  assert.equal(bad.statusCode, 400)
  assert.match(String(bad.headers['content-type']), /application\/problem\+json/)
})

test('CRM-27: ScriptVersions gives each published version, who published it and when, not drafts', async () => {
  const versions = await feed('ScriptVersions?$orderby=Version&$count=true', essexToken)
  assert.equal(versions.statusCode, 200)
  const body = versions.json()
  assert.equal(body['@odata.count'], 2)
  assert.deepEqual(
    body.value.map((v: Record<string, unknown>) => [v.Script, v.Version, v.Status, v.Questions, v.Contacts]),
    [
      ['Complaints', 1, 'retired', 1, 0],
      ['Complaints', 2, 'published', 2, 0],
    ],
  )
  assert.equal(body.value[1].PublishedBy, 'Sue Supervisor')
  assert.equal(body.value[1].PublishedById, sue.userId)
  assert.equal(body.value[1].PublishedAt, '2026-06-03T09:00:00.000Z')
  const published = await feed(
    "ScriptVersions?$filter=Status eq 'published'&$select=Version,PublishedDate",
    essexToken,
  )
  assert.deepEqual(published.json().value, [{ Version: 2, PublishedDate: '2026-06-03' }])
})

test('CRM-5: each force reads only its own labels and script versions; no token or the wrong scope is refused', async () => {
  const labels = (await feed('ContactLabels', kentToken)).json().value
  assert.deepEqual(
    labels.map((r: Record<string, string>) => [r.Force, r.AddedBy]),
    [['kent', 'Kent Handler']],
  )
  const scripts = (await feed('ScriptVersions', kentToken)).json().value
  assert.deepEqual(
    scripts.map((r: Record<string, unknown>) => [r.Force, r.Script, r.Version]),
    [['kent', 'Kent script', 1]],
  )
  const none = await feed('ContactLabels')
  assert.equal(none.statusCode, 401)
  assert.match(String(none.headers['content-type']), /application\/problem\+json/)
  const wrongScope = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
  assert.equal((await feed('ScriptVersions', wrongScope)).statusCode, 403)
})
