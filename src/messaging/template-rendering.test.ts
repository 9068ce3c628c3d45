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
  // In GOV.UK Notify's format the brackets and address stay apart, so no link is made.
  assert.match(
    rendered.markdown ?? '',
    /Dear <script>alert\(1\)<\/script> \[click\] \(https:\/\/evil\.example\)/,
  )
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

const unsubscribeUrl = 'https://waypoint.example.org/unsubscribe/abc.def'

test('UJ-6: every email ends with a visible link to stop emails, in the person’s language; a text message keeps STOP', () => {
  const email = renderMessage(
    { channel: 'email', subject: 'Update', body: 'Your reference is ((reference)).', language: 'en' },
    { reference: 'C1-LOG-0' },
    branding,
    unsubscribeUrl,
  )
  assert.match(
    email.markdown ?? '',
    /Your reference is C1-LOG-0\.\n\n---\n\nTo stop getting these emails, use this link: https:\/\/waypoint\.example\.org\/unsubscribe\/abc\.def$/,
  )
  assert.match(
    email.text,
    /To stop getting these emails, use this link: https:\/\/waypoint\.example\.org\/unsubscribe\/abc\.def$/,
  )
  assert.match(
    email.html ?? '',
    /To stop getting these emails, use this link: <a href="https:\/\/waypoint\.example\.org\/unsubscribe\/abc\.def">Stop getting these emails<\/a>/,
  )
  const welsh = renderMessage(
    { channel: 'email', subject: 'Diweddariad', body: 'Eich cyfeirnod yw ((reference)).', language: 'cy' },
    { reference: 'C1-LOG-0' },
    branding,
    unsubscribeUrl,
  )
  assert.match(
    welsh.markdown ?? '',
    /I beidio â chael rhagor o’r negeseuon e-bost hyn, defnyddiwch y ddolen hon: https:\/\/waypoint/,
  )
  assert.match(welsh.html ?? '', /<html lang="cy">/)
  assert.match(welsh.html ?? '', />Peidio â chael y negeseuon e-bost hyn<\/a>/)
  const sms = renderMessage(
    {
      channel: 'sms',
      subject: null,
      body: 'Your reference is ((reference)). Reply STOP to stop these messages.',
    },
    { reference: 'C1-LOG-0' },
    branding,
    unsubscribeUrl,
  )
  assert.equal(sms.text, 'Your reference is C1-LOG-0. Reply STOP to stop these messages.')
})

test('UJ-11: the email for GOV.UK Notify reads as written: values carry no backslash escapes, line breaks cannot start a list', () => {
  const rendered = renderMessage(
    {
      channel: 'email',
      subject: 'Reference ((reference))',
      body: '# Your report\n\nReference: ((reference)). Officer: ((officer)).',
    },
    { reference: 'C1-LOG-0', officer: 'PC 1234 (Ash)\n- Smith_Jones *lead*' },
    branding,
  )
  assert.equal(
    rendered.markdown,
    '# Your report\n\nReference: C1-LOG-0. Officer: PC 1234 (Ash) - Smith_Jones *lead*.',
  )
  assert.ok(!(rendered.markdown ?? '').includes('\\'), 'no backslash reaches the person')
  assert.match(rendered.html ?? '', /Reference: C1-LOG-0\. Officer: PC 1234 \(Ash\)/)
})
