// A small, strict reader of inbound email (RFC 5322 with MIME): the headers Waypoint needs, the
// text/plain body (or text/html reduced to text when there is no plain part) and the attached
// files. It decodes base64, quoted-printable and encoded words (RFC 2047) in UTF-8, ISO-8859-1
// and Windows-1252, and refuses what it cannot read safely rather than guessing.

export interface ParsedAttachment {
  filename: string
  contentType: string
  content: Buffer
}

export interface ParsedEmail {
  from: string | null
  fromName: string | null
  to: string[]
  subject: string | null
  messageId: string | null
  date: Date | null
  text: string
  attachments: ParsedAttachment[]
}

export class EmailTooLargeError extends Error {}

export interface ParseLimits {
  maxBytes: number
  maxAttachments: number
  maxAttachmentBytes: number
}

interface Part {
  headers: Map<string, string>
  body: Buffer
}

/** Parses a whole message. Throws EmailTooLargeError beyond the limits. */
export function parseEmail(raw: Buffer, limits: ParseLimits): ParsedEmail {
  if (raw.length > limits.maxBytes)
    throw new EmailTooLargeError(`The message is over ${limits.maxBytes} bytes`)
  const top = splitPart(raw)
  const texts: { type: string; text: string }[] = []
  const attachments: ParsedAttachment[] = []
  walk(top, 0, texts, attachments, limits)
  const plain = texts.find((t) => t.type === 'text/plain')
  const html = texts.find((t) => t.type === 'text/html')
  const from = addressesOf(top.headers.get('from') ?? '')[0]
  return {
    from: from?.address ?? null,
    fromName: from?.name ?? null,
    to: [...addressesOf(top.headers.get('to') ?? ''), ...addressesOf(top.headers.get('cc') ?? '')].map(
      (a) => a.address,
    ),
    subject: top.headers.has('subject') ? decodeWords(top.headers.get('subject') ?? '').trim() : null,
    messageId: (top.headers.get('message-id') ?? '').trim().replace(/^<|>$/g, '') || null,
    date: parseDate(top.headers.get('date')),
    text: (plain?.text ?? (html ? htmlToText(html.text) : '')).replace(/\r\n/g, '\n').trim(),
    attachments,
  }
}

function walk(
  part: Part,
  depth: number,
  texts: { type: string; text: string }[],
  attachments: ParsedAttachment[],
  limits: ParseLimits,
): void {
  if (depth > 10) return
  const { value: type, params } = headerValue(part.headers.get('content-type') ?? 'text/plain')
  const disposition = headerValue(part.headers.get('content-disposition') ?? '')
  if (type.startsWith('multipart/')) {
    const boundary = params.boundary
    if (!boundary) return
    for (const child of splitMultipart(part.body, boundary))
      walk(splitPart(child), depth + 1, texts, attachments, limits)
    return
  }
  if (type === 'message/rfc822' && disposition.value !== 'attachment') {
    walk(splitPart(part.body), depth + 1, texts, attachments, limits)
    return
  }
  const content = decodeTransfer(part.body, part.headers.get('content-transfer-encoding'))
  const filename = decodeWords(disposition.params.filename ?? params.name ?? '').trim()
  const isText =
    (type === 'text/plain' || type === 'text/html') && disposition.value !== 'attachment' && !filename
  if (isText) {
    texts.push({ type, text: decodeCharset(content, params.charset) })
    return
  }
  if (attachments.length >= limits.maxAttachments)
    throw new EmailTooLargeError(`The message has more than ${limits.maxAttachments} attachments`)
  if (content.length > limits.maxAttachmentBytes)
    throw new EmailTooLargeError(`An attachment is over ${limits.maxAttachmentBytes} bytes`)
  attachments.push({
    filename: (filename || 'attachment').replace(/[\\/\0\r\n]/g, '_').slice(0, 255),
    contentType: type || 'application/octet-stream',
    content,
  })
}

/** Headers (unfolded, names in lower case, the first of each kept) and the body after them. */
function splitPart(raw: Buffer): Part {
  let end = raw.indexOf('\r\n\r\n')
  let gap = 4
  const lf = raw.indexOf('\n\n')
  if (end < 0 || (lf >= 0 && lf < end)) {
    end = lf
    gap = 2
  }
  const head = (end < 0 ? raw : raw.subarray(0, end)).toString('latin1')
  const body = end < 0 ? Buffer.alloc(0) : raw.subarray(end + gap)
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (!headers.has(name))
      headers.set(
        name,
        Buffer.from(line.slice(colon + 1), 'latin1')
          .toString('utf8')
          .trim(),
      )
  }
  return { headers, body }
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1')
  const delimiter = `--${boundary}`
  const parts: Buffer[] = []
  let at = text.indexOf(delimiter)
  while (at >= 0) {
    const after = at + delimiter.length
    if (text.startsWith('--', after)) break
    const start = text.indexOf('\n', after)
    if (start < 0) break
    const next = text.indexOf(`\n${delimiter}`, start)
    const stop = next < 0 ? text.length : next
    const chunk = text.slice(start + 1, stop).replace(/\r$/, '')
    parts.push(Buffer.from(chunk, 'latin1'))
    at = next < 0 ? -1 : next + 1
  }
  return parts
}

/** `type/subtype; a=b; c="d"` → value and parameters (RFC 2231 continuations are not read). */
export function headerValue(header: string): { value: string; params: Record<string, string> } {
  const [value = '', ...rest] = header.split(';')
  const params: Record<string, string> = {}
  for (const param of rest) {
    const eq = param.indexOf('=')
    if (eq < 0) continue
    const name = param.slice(0, eq).trim().toLowerCase().replace(/\*$/, '')
    let v = param.slice(eq + 1).trim()
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1')
    else if (/^[\w-]+''/.test(v)) v = decodeURIComponent(v.replace(/^[\w-]+''/, ''))
    params[name] = v
  }
  return { value: value.trim().toLowerCase(), params }
}

function decodeTransfer(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
    case 'quoted-printable':
      return quotedPrintable(body.toString('latin1'))
    default:
      return body
  }
}

function quotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r?\n/g, '')
  const bytes: number[] = []
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3)
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else bytes.push(joined.charCodeAt(i) & 0xff)
  }
  return Buffer.from(bytes)
}

function decodeCharset(content: Buffer, charset: string | undefined): string {
  const name = (charset ?? 'utf-8').toLowerCase()
  try {
    return new TextDecoder(name === 'us-ascii' ? 'utf-8' : name).decode(content)
  } catch {
    // Expected: a charset Node does not know is read as UTF-8, the commonest case.
    return new TextDecoder('utf-8').decode(content)
  }
}

/** RFC 2047 encoded words: `=?utf-8?B?…?=` and `=?iso-8859-1?Q?…?=`. */
export function decodeWords(text: string): string {
  return text
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (_, charset: string, kind: string, data: string) => {
        const bytes =
          kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : quotedPrintable(data.replace(/_/g, ' '))
        return decodeCharset(bytes, charset)
      },
    )
}

/** `"Name" <a@b>, c@d` → each address (lower case) with its display name. */
export function addressesOf(header: string): { address: string; name: string | null }[] {
  const found: { address: string; name: string | null }[] = []
  for (const piece of header.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const angle = /^(.*)<([^<>\s]+@[^<>\s]+)>\s*$/.exec(piece.trim())
    if (angle) {
      const name = decodeWords((angle[1] ?? '').trim().replace(/^"|"$/g, '')).trim()
      found.push({ address: (angle[2] ?? '').toLowerCase(), name: name || null })
    } else if (/^[^\s@<>]+@[^\s@<>]+$/.test(piece.trim())) {
      found.push({ address: piece.trim().toLowerCase(), name: null })
    }
  }
  return found
}

function parseDate(value: string | undefined): Date | null {
  if (!value) return null
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}
