// A small QR code encoder (ISO/IEC 18004) for the authenticator enrolment's otpauth:// link, so
// a phone can scan it instead of typing the key. Only what that needs: byte mode, error
// correction level M, versions 1 to 10 (up to 213 bytes), every one of the eight masks tried and
// the one with the lowest penalty kept. The symbol is drawn as an inline SVG, one path, with the
// four-module quiet zone, so it needs neither a library nor JavaScript.

/** Error correction level M, versions 1–10: blocks of data codewords and EC codewords per block. */
const VERSIONS: readonly { ecPerBlock: number; blocks: readonly number[] }[] = [
  { ecPerBlock: 10, blocks: [16] },
  { ecPerBlock: 16, blocks: [28] },
  { ecPerBlock: 26, blocks: [44] },
  { ecPerBlock: 18, blocks: [32, 32] },
  { ecPerBlock: 24, blocks: [43, 43] },
  { ecPerBlock: 16, blocks: [27, 27, 27, 27] },
  { ecPerBlock: 18, blocks: [31, 31, 31, 31] },
  { ecPerBlock: 22, blocks: [38, 38, 39, 39] },
  { ecPerBlock: 22, blocks: [36, 36, 36, 37, 37] },
  { ecPerBlock: 26, blocks: [43, 43, 43, 43, 44] },
]

/** Centres of the alignment patterns, per version (none in version 1). */
const ALIGNMENT: readonly (readonly number[])[] = [
  [],
  [6, 18],
  [6, 22],
  [6, 26],
  [6, 30],
  [6, 34],
  [6, 22, 38],
  [6, 24, 42],
  [6, 26, 46],
  [6, 28, 50],
]

/** Level M's two bits in the format information. */
const LEVEL_M = 0b00

export const MAX_QR_BYTES = 213

/** A symbol: `modules[y][x]` is true for a dark module. */
export interface QrCode {
  version: number
  mask: number
  size: number
  modules: boolean[][]
}

export class QrCodeTooLongError extends Error {
  constructor(bytes: number) {
    super(`${bytes} bytes do not fit a version 1–10 QR code at level M (${MAX_QR_BYTES} at most)`)
    this.name = 'QrCodeTooLongError'
  }
}

/**
 * Encodes `text` (UTF-8) in the smallest version that holds it. `mask` forces one of the eight
 * masks (0–7); by default each is tried and the lowest penalty wins.
 */
export function encodeQr(text: string, options: { mask?: number; version?: number } = {}): QrCode {
  const data = new TextEncoder().encode(text)
  const version = options.version ?? smallestVersion(data.length)
  const capacity = dataCapacity(version)
  if (data.length > byteCapacity(version)) throw new QrCodeTooLongError(data.length)
  const codewords = interleave(version, dataCodewords(data, version, capacity))
  const size = 17 + 4 * version
  const { modules, reserved } = functionPatterns(version)
  placeData(modules, reserved, codewords)
  const masks = options.mask === undefined ? [0, 1, 2, 3, 4, 5, 6, 7] : [options.mask]
  let best: { mask: number; modules: boolean[][]; penalty: number } | undefined
  for (const mask of masks) {
    const candidate = modules.map((row) => [...row])
    applyMask(candidate, reserved, mask)
    drawFormat(candidate, mask)
    if (version >= 7) drawVersion(candidate, version)
    const score = penalty(candidate)
    if (!best || score < best.penalty) best = { mask, modules: candidate, penalty: score }
  }
  return { version, mask: best!.mask, size, modules: best!.modules }
}

/**
 * The symbol as an SVG image with its quiet zone, `scale` pixels a module (a CSS size may
 * override it: the drawing scales with the viewBox). `label` is its text alternative.
 */
export function qrSvg(code: QrCode, label: string, scale = 4): string {
  const quiet = 4
  const extent = code.size + 2 * quiet
  let path = ''
  for (let y = 0; y < code.size; y += 1) {
    let x = 0
    while (x < code.size) {
      if (!code.modules[y]![x]) {
        x += 1
        continue
      }
      const start = x
      while (x < code.size && code.modules[y]![x]) x += 1
      path += `M${start + quiet} ${y + quiet}h${x - start}v1h${start - x}z`
    }
  }
  const escaped = label
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="waypoint-qr-code" role="img" aria-label="${escaped}" ` +
    `width="${extent * scale}" height="${extent * scale}" viewBox="0 0 ${extent} ${extent}" shape-rendering="crispEdges">` +
    `<rect width="${extent}" height="${extent}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`
  )
}

function smallestVersion(bytes: number): number {
  for (let version = 1; version <= VERSIONS.length; version += 1)
    if (bytes <= byteCapacity(version)) return version
  throw new QrCodeTooLongError(bytes)
}

function dataCapacity(version: number): number {
  return VERSIONS[version - 1]!.blocks.reduce((sum, n) => sum + n, 0)
}

/** Bytes that fit: the data codewords less the mode (4 bits) and the count (8 or 16 bits). */
function byteCapacity(version: number): number {
  return Math.floor((dataCapacity(version) * 8 - 4 - countBits(version)) / 8)
}

const countBits = (version: number) => (version <= 9 ? 8 : 16)

/** Mode indicator, count, the bytes, terminator, padding to a byte, then the pad codewords. */
export function dataCodewords(data: Uint8Array, version: number, capacity = dataCapacity(version)): number[] {
  const bits: number[] = []
  const push = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i -= 1) bits.push((value >>> i) & 1)
  }
  push(0b0100, 4)
  push(data.length, countBits(version))
  for (const byte of data) push(byte, 8)
  push(0, Math.min(4, capacity * 8 - bits.length))
  while (bits.length % 8) bits.push(0)
  const out: number[] = []
  for (let i = 0; i < bits.length; i += 8) out.push(bits.slice(i, i + 8).reduce((v, b) => (v << 1) | b, 0))
  for (let pad = 0; out.length < capacity; pad += 1) out.push(pad % 2 === 0 ? 0xec : 0x11)
  return out
}

/** Splits the data into blocks, adds each block's EC codewords, and interleaves both. */
function interleave(version: number, data: number[]): number[] {
  const { ecPerBlock, blocks } = VERSIONS[version - 1]!
  const dataBlocks: number[][] = []
  let offset = 0
  for (const length of blocks) {
    dataBlocks.push(data.slice(offset, offset + length))
    offset += length
  }
  const ecBlocks = dataBlocks.map((block) => reedSolomon(block, ecPerBlock))
  const out: number[] = []
  const longest = Math.max(...blocks)
  for (let i = 0; i < longest; i += 1)
    for (const block of dataBlocks) if (i < block.length) out.push(block[i]!)
  for (let i = 0; i < ecPerBlock; i += 1) for (const block of ecBlocks) out.push(block[i]!)
  return out
}

// GF(256) with the QR code's polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Array<number>(512)
const LOG = new Array<number>(256)
{
  let x = 1
  for (let i = 0; i < 255; i += 1) {
    EXP[i] = x
    LOG[x] = i
    x <<= 1
    if (x & 0x100) x ^= 0x11d
  }
  for (let i = 255; i < 512; i += 1) EXP[i] = EXP[i - 255]!
}
const multiply = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!)

/** The `count` Reed–Solomon EC codewords of `data` (generator with roots α^0 … α^(count-1)). */
export function reedSolomon(data: readonly number[], count: number): number[] {
  let generator = [1]
  for (let i = 0; i < count; i += 1) {
    const next = new Array<number>(generator.length + 1).fill(0)
    for (let j = 0; j < generator.length; j += 1) {
      next[j] = next[j]! ^ generator[j]!
      next[j + 1] = next[j + 1]! ^ multiply(generator[j]!, EXP[i]!)
    }
    generator = next
  }
  const remainder = new Array<number>(count).fill(0)
  for (const byte of data) {
    const factor = byte ^ remainder.shift()!
    remainder.push(0)
    for (let j = 0; j < count; j += 1) remainder[j] = remainder[j]! ^ multiply(generator[j + 1]!, factor)
  }
  return remainder
}

/** Finder, separator, timing and alignment patterns, the dark module, and the reserved areas. */
function functionPatterns(version: number): { modules: boolean[][]; reserved: boolean[][] } {
  const size = 17 + 4 * version
  const modules = Array.from({ length: size }, () => new Array<boolean>(size).fill(false))
  const reserved = Array.from({ length: size }, () => new Array<boolean>(size).fill(false))
  const set = (x: number, y: number, dark: boolean) => {
    modules[y]![x] = dark
    reserved[y]![x] = true
  }
  for (const [cx, cy] of [
    [3, 3],
    [size - 4, 3],
    [3, size - 4],
  ] as const) {
    for (let dy = -4; dy <= 4; dy += 1)
      for (let dx = -4; dx <= 4; dx += 1) {
        const x = cx + dx
        const y = cy + dy
        if (x < 0 || y < 0 || x >= size || y >= size) continue
        const ring = Math.max(Math.abs(dx), Math.abs(dy))
        set(x, y, ring !== 2 && ring !== 4)
      }
  }
  for (let i = 8; i < size - 8; i += 1) {
    set(i, 6, i % 2 === 0)
    set(6, i, i % 2 === 0)
  }
  const centres = ALIGNMENT[version - 1]!
  for (const cy of centres)
    for (const cx of centres) {
      // Not over the finder patterns.
      if ((cx === 6 && cy === 6) || (cx === 6 && cy === size - 7) || (cx === size - 7 && cy === 6)) continue
      for (let dy = -2; dy <= 2; dy += 1)
        for (let dx = -2; dx <= 2; dx += 1) set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1)
    }
  // Format information areas (drawn per mask) and the dark module.
  for (let i = 0; i < 9; i += 1) {
    reserved[8]![i] = true
    reserved[i]![8] = true
  }
  for (let i = 0; i < 8; i += 1) {
    reserved[8]![size - 1 - i] = true
    reserved[size - 1 - i]![8] = true
  }
  set(8, size - 8, true)
  if (version >= 7)
    for (let i = 0; i < 6; i += 1)
      for (let j = 0; j < 3; j += 1) {
        reserved[i]![size - 11 + j] = true
        reserved[size - 11 + j]![i] = true
      }
  return { modules, reserved }
}

/** The codewords' bits, most significant first, up and down the two-module columns from the right. */
function placeData(modules: boolean[][], reserved: boolean[][], codewords: number[]): void {
  const size = modules.length
  let bit = 0
  const total = codewords.length * 8
  let upward = true
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5 // the vertical timing pattern is skipped as a whole column
    for (let step = 0; step < size; step += 1) {
      const y = upward ? size - 1 - step : step
      for (const x of [right, right - 1]) {
        if (reserved[y]![x]) continue
        // Remainder bits, after the last codeword, are light.
        modules[y]![x] = bit < total && ((codewords[bit >>> 3]! >>> (7 - (bit & 7))) & 1) === 1
        bit += 1
      }
    }
    upward = !upward
  }
}

const MASKS: readonly ((x: number, y: number) => boolean)[] = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(y / 2) + Math.floor(x / 3)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
]

function applyMask(modules: boolean[][], reserved: boolean[][], mask: number): void {
  const flip = MASKS[mask]!
  for (let y = 0; y < modules.length; y += 1)
    for (let x = 0; x < modules.length; x += 1)
      if (!reserved[y]![x] && flip(x, y)) modules[y]![x] = !modules[y]![x]
}

/** BCH code of `value` (`dataBits` long) with `generator`, the remainder appended. */
function bch(value: number, generator: number, generatorBits: number): number {
  const checkBits = generatorBits - 1
  let remainder = value << checkBits
  for (let i = 31 - Math.clz32(remainder); i >= checkBits; i -= 1)
    if ((remainder >>> i) & 1) remainder ^= generator << (i - checkBits)
  return (value << checkBits) | remainder
}

/** The 15 format bits for level M and `mask`, masked with 101010000010010. */
export function formatBits(mask: number): number {
  return bch((LEVEL_M << 3) | mask, 0b10100110111, 11) ^ 0b101010000010010
}

/** The 18 version bits (versions 7 and up). */
export function versionBits(version: number): number {
  return bch(version, 0b1111100100101, 13)
}

function drawFormat(modules: boolean[][], mask: number): void {
  const size = modules.length
  const bits = formatBits(mask)
  const bitAt = (i: number) => ((bits >>> i) & 1) === 1
  // Around the top-left finder: bits 0–7 up column 8 (skipping the timing row), 8–14 along row 8.
  for (let i = 0; i <= 5; i += 1) modules[i]![8] = bitAt(i)
  modules[7]![8] = bitAt(6)
  modules[8]![8] = bitAt(7)
  modules[8]![7] = bitAt(8)
  for (let i = 9; i < 15; i += 1) modules[8]![14 - i] = bitAt(i)
  // The copy: bits 0–7 along row 8 from the right, 8–14 up column 8 from the bottom.
  for (let i = 0; i < 8; i += 1) modules[8]![size - 1 - i] = bitAt(i)
  for (let i = 8; i < 15; i += 1) modules[size - 15 + i]![8] = bitAt(i)
  modules[size - 8]![8] = true
}

function drawVersion(modules: boolean[][], version: number): void {
  const size = modules.length
  const bits = versionBits(version)
  for (let i = 0; i < 18; i += 1) {
    const dark = ((bits >>> i) & 1) === 1
    const a = size - 11 + (i % 3)
    const b = Math.floor(i / 3)
    modules[b]![a] = dark
    modules[a]![b] = dark
  }
}

/** The four penalty rules of ISO/IEC 18004 §7.8.3. */
export function penalty(modules: boolean[][]): number {
  const size = modules.length
  let score = 0
  const line = (get: (i: number, j: number) => boolean) => {
    for (let i = 0; i < size; i += 1) {
      // Rule 1: five or more alike in a row, 3 + (run - 5).
      let run = 1
      for (let j = 1; j < size; j += 1) {
        if (get(i, j) === get(i, j - 1)) {
          run += 1
          if (run === 5) score += 3
          else if (run > 5) score += 1
        } else run = 1
      }
      // Rule 3: 1:1:3:1:1 dark-light-dark-dark-dark-light-dark with four light on either side.
      for (let j = 0; j + 10 < size + 0; j += 1) {
        const p = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => get(i, j + k))
        const core = p[4]! && !p[5]! && p[6]! && p[7]! && p[8]! && !p[9]! && p[10]!
        const coreLeft = p[0]! && !p[1]! && p[2]! && p[3]! && p[4]! && !p[5]! && p[6]!
        if (core && !p[0]! && !p[1]! && !p[2]! && !p[3]!) score += 40
        if (coreLeft && !p[7]! && !p[8]! && !p[9]! && !p[10]!) score += 40
      }
    }
  }
  line((i, j) => modules[i]![j]!)
  line((i, j) => modules[j]![i]!)
  // Rule 2: each 2×2 block of one colour, 3.
  for (let y = 0; y + 1 < size; y += 1)
    for (let x = 0; x + 1 < size; x += 1) {
      const c = modules[y]![x]
      if (c === modules[y]![x + 1] && c === modules[y + 1]![x] && c === modules[y + 1]![x + 1]) score += 3
    }
  // Rule 4: 10 for each full 5% the dark proportion is away from half.
  let dark = 0
  for (const row of modules) for (const m of row) if (m) dark += 1
  const percent = (dark * 100) / (size * size)
  score += Math.floor(Math.abs(percent - 50) / 5) * 10
  return score
}
