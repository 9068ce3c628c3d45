// The template editor's checks on their own, and the Welsh default templates measured against them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { journeyPlaceholders, sampleCase } from '../journeys/message-fields.ts'
import { defaultTemplates } from '../journeys/default-journeys.ts'
import { checkTemplateText, maxSmsSegments, summariseTemplates } from './template-editor.ts'
import { placeholdersIn } from './template-rendering.ts'
import { smsLength } from './sms-length.ts'

const branding = { senderName: 'Kent Police', colour: '#000000', logoText: 'Kent Police', links: [] }
const context = {
  placeholders: journeyPlaceholders,
  sample: sampleCase('Kent Police', 'https://waypoint.example.org'),
  branding,
  existing: [] as ('sms' | 'email')[],
}
const text = (smsBody: string, email: { subject?: string; body?: string } = {}) => ({
  title: 'A template',
  smsBody,
  emailSubject: email.subject ?? '',
  emailBody: email.body ?? '',
})
const messages = (smsBody: string) => checkTemplateText(text(smsBody), context).errors.map((e) => e.message)

test('brackets that do not pair up, optional parts with no words and unnamed placeholders are explained', () => {
  assert.match(messages('Hello ((reference)')[0] ?? '', /has a \(\( without a matching \)\)/)
  assert.match(messages('Hello reference))')[0] ?? '', /has a \(\( without a matching \)\)/)
  assert.match(messages('((reference??((officer_name))))').join(' '), /without a matching/)
  assert.match(messages('((reference??))').join(' '), /has no text to show/)
  assert.match(messages('((reference??a??b))').join(' '), /more than one \?\?/)
  assert.match(messages('(( ))').join(' '), /has no name/)
  assert.deepEqual(messages('((reference??Quote it if you call.)) Thank you, ((officer_name)).'), [])
})

test('a channel a language already sends cannot be emptied, and an email needs both its subject and text', () => {
  const emptied = checkTemplateText(text(''), { ...context, existing: ['sms'] }).errors
  assert.deepEqual(
    emptied.map((e) => e.field),
    ['smsBody'],
  )
  const halfEmail = checkTemplateText(text('', { subject: 'Hello' }), context).errors
  assert.deepEqual(
    halfEmail.map((e) => [e.field, e.message]),
    [['emailBody', 'Enter the email message']],
  )
  assert.deepEqual(
    checkTemplateText(text('', { subject: 'One\ntwo', body: 'x' }), context).errors.map((e) => e.field),
    ['emailSubject'],
  )
})

test('the SMS limit is 6 parts measured after the sample values are filled in', () => {
  const fits = `((force_name)) ${'a'.repeat(918 - 'Kent Police '.length)}`
  assert.equal(smsLength(fits.replace('((force_name))', 'Kent Police')).segments, maxSmsSegments)
  assert.deepEqual(messages(fits), [])
  assert.match(messages(`${fits}a`)[0] ?? '', /919 characters make 7 parts/)
})

test('UJ-19: every default template has a Welsh text message and subject using exactly the English placeholders, within the SMS limit', () => {
  for (const t of defaultTemplates) {
    assert.deepEqual(
      placeholdersIn(t.cy.sms, t.cy.emailSubject).sort(),
      placeholdersIn(t.sms, t.emailSubject).sort(),
      `${t.key}: the Welsh version uses the same placeholders`,
    )
    assert.notEqual(t.cy.sms, t.sms, `${t.key}: the Welsh text is not the English text`)
    const checked = checkTemplateText(
      { title: t.name, smsBody: t.cy.sms, emailSubject: t.cy.emailSubject, emailBody: t.cy.email ?? '' },
      context,
    )
    assert.deepEqual(checked.errors, [], `${t.key}: the Welsh version passes the editor's checks`)
  }
})

test('templates are grouped by key with their newest version per channel and language', () => {
  const row = (channel: 'sms' | 'email', language: string, version: number, at: string) => ({
    id: `${channel}-${language}-${version}`,
    forceId: 'kent',
    key: 'court-date',
    title: `Court date v${version}`,
    channel,
    language,
    version,
    subject: channel === 'email' ? 'S' : null,
    body: 'B',
    createdBy: null,
    createdAt: new Date(at),
    createdByName: version > 1 ? 'Dana Designer' : null,
  })
  const [summary] = summariseTemplates([
    row('sms', 'cy', 1, '2026-06-01T10:00:00Z'),
    row('sms', 'en', 1, '2026-06-01T09:00:00Z'),
    row('sms', 'en', 2, '2026-06-02T09:00:00Z'),
    row('email', 'en', 1, '2026-06-01T09:00:00Z'),
  ])
  assert.equal(summary?.title, 'Court date v2')
  assert.equal(summary?.version, 2)
  assert.equal(summary?.changedBy, 'Dana Designer')
  assert.deepEqual(summary?.languages, ['en', 'cy'])
  assert.deepEqual(summary?.channels, ['sms', 'email'])
  assert.deepEqual(
    summary?.variants.map((v) => `${v.language}/${v.channel}/${v.current.version}/${v.versions.length}`),
    ['en/email/1/1', 'en/sms/2/2', 'cy/sms/1/1'],
  )
})

test('UJ-6: the default emails, English and Welsh, do not say "Reply STOP"; the text messages do; an email written with it is refused', () => {
  for (const t of defaultTemplates) {
    for (const email of [t.email, t.cy.email]) {
      assert.ok(email, `${t.key}: has an email text`)
      assert.doesNotMatch(email, /STOP/, `${t.key}: the email does not ask for a STOP reply`)
    }
  }
  assert.ok(defaultTemplates.some((t) => /Reply STOP/.test(t.sms) && /Atebwch STOP/.test(t.cy.sms)))
  const checked = checkTemplateText(
    {
      title: 'Update',
      smsBody: '',
      emailSubject: 'Update',
      emailBody: 'An update. Reply STOP to stop these messages.',
    },
    context,
  )
  assert.match(checked.errors.map((e) => e.message).join('\n'), /Remove "Reply STOP" from the email/)
})

test('UJ-6: the email preview ends with the link to stop emails, in the language being written', () => {
  const text = { title: 'Update', smsBody: '', emailSubject: 'Diweddariad', emailBody: 'Diolch.' }
  const checked = checkTemplateText(text, {
    ...context,
    language: 'cy',
    unsubscribeUrl: 'https://waypoint.example.org/unsubscribe/example',
  })
  assert.deepEqual(checked.errors, [])
  assert.match(
    checked.previews.find((p) => p.channel === 'email')?.text ?? '',
    /Diolch\.[\s\S]*defnyddiwch y ddolen hon: https:\/\/waypoint\.example\.org\/unsubscribe\/example$/,
  )
})
