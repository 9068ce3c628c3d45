// Scanning the files people send in: nothing is served to staff until a scanner has found it
// clean. The built-in scanner always runs: it checks the declared limits, works out what the file
// really is from its first bytes (a sender's declared type is not trusted: an executable named
// photo.jpg is an executable) and accepts only the kinds of file a victim sends as evidence, and
// it finds the EICAR test signature. With CLAMD_HOST set, each file the built-in scanner passes is
// also streamed to clamd (its INSTREAM command), only to a host the deployment allows
// (OUTBOUND_SCANNER_HOSTS, decision 0016).
import { connect } from 'node:net'
import type { OutboundPolicy } from '../../platform/outbound.ts'

export interface ScanInput {
  filename: string
  declaredType: string
  content: Buffer
}

export interface ScanVerdict {
  status: 'clean' | 'infected' | 'failed'
  /** What the file is by its first bytes, when known. */
  detectedType: string | null
  /** Why, in words: the signature found, the type refused; null when clean. */
  detail: string | null
}

/** A scanner: its verdict on one file. Throws when it cannot tell (then the scan is tried again). */
export interface AttachmentScanner {
  readonly name: string
  scan(input: ScanInput): Promise<ScanVerdict>
}

/** The kinds of file accepted, by what their first bytes say they are. */
export const acceptedTypes: Record<string, string> = {
  'image/jpeg': 'JPEG image',
  'image/png': 'PNG image',
  'image/gif': 'GIF image',
  'image/webp': 'WebP image',
  'image/heic': 'HEIC photo',
  'application/pdf': 'PDF document',
  'video/mp4': 'MP4 video',
  'video/quicktime': 'QuickTime video',
  'audio/mpeg': 'MP3 audio',
  'audio/mp4': 'M4A audio',
  'audio/wav': 'WAV audio',
  'text/plain': 'plain text',
}

/** The EICAR anti-virus test file's signature (https://www.eicar.org/download-anti-malware-testfile/). */
const eicar = Buffer.from('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')

const startsWith = (content: Buffer, bytes: number[], at = 0) =>
  content.length >= at + bytes.length && bytes.every((b, i) => content[at + i] === b)
const ascii = (content: Buffer, at: number, text: string) =>
  content.subarray(at, at + text.length).toString('latin1') === text

/** What a file is from its first bytes ("magic numbers"), or null when it is none of the accepted kinds. */
export function sniffType(content: Buffer): string | null {
  if (startsWith(content, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(content, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (ascii(content, 0, 'GIF87a') || ascii(content, 0, 'GIF89a')) return 'image/gif'
  if (ascii(content, 0, 'RIFF') && ascii(content, 8, 'WEBP')) return 'image/webp'
  if (ascii(content, 0, 'RIFF') && ascii(content, 8, 'WAVE')) return 'audio/wav'
  if (ascii(content, 0, '%PDF-')) return 'application/pdf'
  if (ascii(content, 4, 'ftyp')) {
    const brand = content.subarray(8, 12).toString('latin1')
    if (['heic', 'heix', 'mif1', 'msf1'].includes(brand)) return 'image/heic'
    if (brand === 'qt  ') return 'video/quicktime'
    if (brand === 'M4A ') return 'audio/mp4'
    return 'video/mp4'
  }
  if (ascii(content, 0, 'ID3') || startsWith(content, [0xff, 0xfb]) || startsWith(content, [0xff, 0xf3]))
    return 'audio/mpeg'
  if (isPlainText(content)) return 'text/plain'
  return null
}

/** UTF-8 text without control characters other than tab, line feed, carriage return and form feed. */
function isPlainText(content: Buffer): boolean {
  if (content.length === 0) return false
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content)
  } catch {
    return false
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) || code === 0x7f)
      return false
  }
  return true
}

/** The built-in scanner: limits, the kind of file by its bytes, and the EICAR test signature. */
export class BuiltInScanner implements AttachmentScanner {
  readonly name = 'built-in'
  readonly #maxBytes: number

  constructor(limits: { maxAttachmentBytes: number }) {
    this.#maxBytes = limits.maxAttachmentBytes
  }

  async scan(input: ScanInput): Promise<ScanVerdict> {
    if (input.content.includes(eicar))
      return { status: 'infected', detectedType: null, detail: 'The EICAR test signature' }
    if (input.content.length > this.#maxBytes)
      return {
        status: 'failed',
        detectedType: null,
        detail: `Larger than ${Math.round(this.#maxBytes / 1024 / 1024)} MB`,
      }
    const detectedType = sniffType(input.content)
    if (!detectedType)
      return {
        status: 'failed',
        detectedType: null,
        detail: `Not a kind of file that is accepted (declared as ${input.declaredType.slice(0, 100)}; accepted: ${Object.values(acceptedTypes).join(', ')})`,
      }
    return { status: 'clean', detectedType, detail: null }
  }
}

/**
 * clamd over TCP with INSTREAM: `zINSTREAM\0`, then the file in chunks (each a 4-byte big-endian
 * length and the bytes), then a zero length; clamd answers `stream: OK`, `stream: <name> FOUND`
 * or `… ERROR`. Connects only to the addresses the outbound policy allows for the scanner.
 */
export class ClamdScanner implements AttachmentScanner {
  readonly name = 'clamd'
  readonly #host: string
  readonly #port: number
  readonly #timeoutMs: number
  readonly #outbound: OutboundPolicy

  constructor(config: { host: string; port: number; timeoutMs: number }, outbound: OutboundPolicy) {
    this.#host = config.host
    this.#port = config.port
    this.#timeoutMs = config.timeoutMs
    this.#outbound = outbound
  }

  async scan(input: ScanInput): Promise<ScanVerdict> {
    const allowed = await this.#outbound.check('scanner', this.#host, this.#port)
    if (!allowed.ok) throw new Error(`clamd at ${this.#host}:${this.#port} is not allowed: ${allowed.detail}`)
    const answer = await this.#instream(allowed.addresses[0]!.address, input.content)
    const found = /^stream: (.+) FOUND$/.exec(answer)
    if (found)
      return { status: 'infected', detectedType: null, detail: `clamd found ${found[1]!.slice(0, 200)}` }
    if (answer === 'stream: OK') return { status: 'clean', detectedType: null, detail: null }
    // "INSTREAM size limit exceeded. ERROR" and the like: clamd could not tell, so it is asked again.
    throw new Error(`clamd could not scan the file: ${answer.slice(0, 200)}`)
  }

  #instream(address: string, content: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address, port: this.#port })
      const chunks: Buffer[] = []
      socket.setTimeout(this.#timeoutMs, () => socket.destroy(new Error('clamd did not answer in time')))
      socket.on('error', reject)
      socket.on('data', (chunk) => chunks.push(chunk))
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').replace(/\0+$/, '').trim()))
      socket.on('connect', () => {
        socket.write('zINSTREAM\0')
        const size = 64 * 1024
        for (let at = 0; at < content.length; at += size) {
          const part = content.subarray(at, at + size)
          const length = Buffer.alloc(4)
          length.writeUInt32BE(part.length)
          socket.write(length)
          socket.write(part)
        }
        socket.end(Buffer.alloc(4))
      })
    })
  }
}

/** Runs the scanners in order: the first that does not find the file clean decides. */
export class ScannerChain implements AttachmentScanner {
  readonly #scanners: AttachmentScanner[]
  readonly name: string

  constructor(scanners: AttachmentScanner[]) {
    this.#scanners = scanners
    this.name = scanners.map((s) => s.name).join('+')
  }

  async scan(input: ScanInput): Promise<ScanVerdict> {
    let detectedType: string | null = null
    for (const scanner of this.#scanners) {
      const verdict = await scanner.scan(input)
      detectedType ??= verdict.detectedType
      if (verdict.status !== 'clean') return { ...verdict, detectedType }
    }
    return { status: 'clean', detectedType, detail: null }
  }
}
