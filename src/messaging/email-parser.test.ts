// The inbound email reader: the text a person wrote, their attachments, and refusals beyond the
// limits, from messages as mail clients and gateways really write them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import MailComposer from 'nodemailer/lib/mail-composer/index.js'
import { addressesOf, decodeWords, EmailTooLargeError, parseEmail } from './email-parser.ts'

const limits = { maxBytes: 1_000_000, maxAttachments: 3, maxAttachmentBytes: 100_000 }
const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1')

const composed = (options: object): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    new MailComposer(options).compile().build((error, message) => (error ? reject(error) : resolve(message))),
  )

test('CP-76: a plain text email gives its sender, recipients, subject, Message-ID and text', () => {
  const email = parseEmail(
    crlf([
      'From: "Smith, Jane" <Jane.Smith@Example.org>',
      'To: essex@replies.example, "Other" <other@example.org>',
      'Subject: Re: your',
      '  report',
      'Message-ID: <abc-123@mail.example.org>',
      'Date: Wed, 03 Jun 2026 10:00:00 +0100',
      '',
      'Hello,',
      'thank you.',
      '',
    ]),
    limits,
  )
  assert.equal(email.from, 'jane.smith@example.org')
  assert.equal(email.fromName, 'Smith, Jane')
  assert.deepEqual(email.to, ['essex@replies.example', 'other@example.org'])
  assert.equal(email.subject, 'Re: your report')
  assert.equal(email.messageId, 'abc-123@mail.example.org')
  assert.equal(email.date?.toISOString(), '2026-06-03T09:00:00.000Z')
  assert.equal(email.text, 'Hello,\nthank you.')
  assert.deepEqual(email.attachments, [])
})

test('CP-76: quoted-printable Latin-1 and encoded-word subjects read as written', () => {
  const email = parseEmail(
    crlf([
      'From: a@example.org',
      'Subject: =?UTF-8?B?Q2Fmw6kg4oCT?= =?ISO-8859-1?Q?na=EFve_reply?=',
      'Content-Type: text/plain; charset="iso-8859-1"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Caf=E9 na=EFve, a long line that was =',
      'wrapped.',
    ]),
    limits,
  )
  assert.equal(email.subject, 'Café –naïve reply')
  assert.equal(email.text, 'Café naïve, a long line that was wrapped.')
})

test('CP-76: a multipart email from a real composer gives the plain text part and each attachment', async () => {
  const pdf = Buffer.from('%PDF-1.4 pretend')
  const raw = await composed({
    from: 'Jane <jane@example.org>',
    to: 'essex@replies.example',
    subject: 'Évidence attached',
    text: 'Plain words — with a dash.',
    html: '<p>HTML words</p>',
    attachments: [
      { filename: 'statement.pdf', content: pdf, contentType: 'application/pdf' },
      { filename: 'nöte.txt', content: 'a text attachment', contentType: 'text/plain' },
    ],
  })
  const email = parseEmail(raw, limits)
  assert.equal(email.subject, 'Évidence attached')
  assert.equal(email.text, 'Plain words — with a dash.')
  assert.equal(email.attachments.length, 2)
  assert.equal(email.attachments[0]?.filename, 'statement.pdf')
  assert.equal(email.attachments[0]?.contentType, 'application/pdf')
  assert.deepEqual(email.attachments[0]?.content, pdf)
  assert.equal(email.attachments[1]?.filename, 'nöte.txt')
  assert.equal(email.attachments[1]?.content.toString(), 'a text attachment')
})

test('CP-76: an HTML-only email is read as text, without its markup or scripts', async () => {
  const raw = await composed({
    from: 'a@example.org',
    to: 'b@example.org',
    html: '<div>First &amp; second<br>line</div><script>alert(1)</script>',
  })
  assert.equal(parseEmail(raw, limits).text, 'First & second\nline')
})

test('CP-76: a message over the size limit, too many attachments or one too large is refused', async () => {
  assert.throws(() => parseEmail(Buffer.alloc(1_000_001, 'a'), limits), EmailTooLargeError)
  const many = await composed({
    from: 'a@example.org',
    text: 'x',
    attachments: [1, 2, 3, 4].map((n) => ({ filename: `${n}.txt`, content: 'x' })),
  })
  assert.throws(() => parseEmail(many, limits), /more than 3 attachments/)
  const big = await composed({
    from: 'a@example.org',
    text: 'x',
    attachments: [{ filename: 'big.bin', content: Buffer.alloc(100_001) }],
  })
  assert.throws(() => parseEmail(big, limits), /attachment is over 100000 bytes/)
})

test('Addresses and encoded words: names with commas, bare addresses, unknown charsets', () => {
  assert.deepEqual(addressesOf('"Doe, John" <J@X.org>, k@y.org'), [
    { address: 'j@x.org', name: 'Doe, John' },
    { address: 'k@y.org', name: null },
  ])
  assert.equal(decodeWords('=?x-unknown?Q?plain?='), 'plain')
})
