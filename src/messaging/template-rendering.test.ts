import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type Branding,
  MissingPersonalisationError,
  placeholdersIn,
  renderMessage,
} from './template-rendering.ts'

const branding: Branding = {
  senderName: 'Kent Police',
  colour: '#0b0c0c',
  logoText: 'Kent Police',
  links: [{ text: 'Support for victims', url: 'https://www.kent.police.uk/victims' }],
}

test('UJ-11: placeholders and conditional blocks are filled; force links are added to the email', () => {
  const rendered = renderMessage(
    {
      channel: 'email',
      subject: 'Your crime ((crime_reference))',
      body: 'Dear ((first_name)),\n\n((has_officer??An officer will call you.))Thank you.',
    },
    { first_name: 'Sam', crime_reference: '42/1234/26', has_officer: 'yes' },
    branding,
  )
  assert.equal(rendered.subject, 'Your crime 42/1234/26')
  assert.match(rendered.text, /^Dear Sam,\n\nAn officer will call you\.Thank you\./)
  assert.match(rendered.text, /Support for victims: https:\/\/www\.kent\.police\.uk\/victims/)
  assert.match(
    rendered.html ?? '',
    /<a href="https:\/\/www\.kent\.police\.uk\/victims">Support for victims<\/a>/,
  )
  const without = renderMessage(
    { channel: 'sms', subject: null, body: 'Hi ((first_name)). ((has_officer??An officer will call.))' },
    { first_name: 'Sam', has_officer: 'no' },
    branding,
  )
  assert.equal(without.text, 'Hi Sam. ')
})

test('UJ-12: the email carries the force’s logo text and colour', () => {
  const rendered = renderMessage(
    { channel: 'email', subject: 'Update', body: 'Hello' },
    {},
    { ...branding, colour: '#1c355e', logoText: 'Essex Police' },
  )
  assert.match(rendered.html ?? '', /background: #1c355e/)
  assert.match(rendered.html ?? '', /<strong>Essex Police<\/strong>/)
})

test('Rendering escapes values: HTML in a name is shown as text and cannot add markdown links', () => {
  const rendered = renderMessage(
    { channel: 'email', subject: 'Hello ((name))', body: '# Update\n\nDear ((name))' },
    { name: '<script>alert(1)</script> [click](https://evil.example)' },
    branding,
  )
  assert.ok(!(rendered.html ?? '').includes('<script>'))
  assert.match(rendered.html ?? '', /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  assert.ok(!(rendered.html ?? '').includes('href="https://evil.example"'))
  assert.match(rendered.markdown ?? '', /\\\[click\\\]\\\(https:\/\/evil\\\.example\\\)/)
  assert.match(rendered.html ?? '', /<h2>Update<\/h2>/)
})

test('A missing placeholder value stops rendering with a clear error (never "Dear ,")', () => {
  assert.throws(
    () =>
      renderMessage(
        { channel: 'sms', subject: null, body: 'Dear ((first_name)), ((crime_ref))' },
        { first_name: ' ' },
        branding,
      ),
    (error: unknown) =>
      error instanceof MissingPersonalisationError &&
      error.missing.join(',') === 'first_name,crime_ref' &&
      /first_name, crime_ref/.test(error.message),
  )
  assert.deepEqual(placeholdersIn('((a)) ((b??x)) ((a))', '((c))'), ['a', 'b', 'c'])
})
