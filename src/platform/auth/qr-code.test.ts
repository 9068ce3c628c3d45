// The QR code encoder behind the authenticator enrolment's picture: its Reed–Solomon codewords and
// format and version bits against the standard's worked values, whole symbols against those an
// independent encoder (libqrencode) drew for the same text and mask, and the SVG it renders.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import {
  dataCodewords,
  encodeQr,
  formatBits,
  MAX_QR_BYTES,
  penalty,
  QrCodeTooLongError,
  qrSvg,
  reedSolomon,
  versionBits,
} from './qr-code.ts'

const reference = JSON.parse(readFileSync(new URL('./qr-code-reference.json', import.meta.url), 'utf8')) as {
  symbols: { text: string; version: number; mask: number; rows: string[] }[]
}
const drawn = (modules: boolean[][]) => modules.map((row) => row.map((dark) => (dark ? '#' : '.')).join(''))

test('Reed–Solomon codewords equal the standard’s worked examples', () => {
  // ISO/IEC 18004 Annex I: "01234567" at 1-M.
  assert.deepEqual(
    reedSolomon(
      [0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11],
      10,
    ),
    [0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55],
  )
  // "HELLO WORLD" at 1-M.
  assert.deepEqual(
    reedSolomon([32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17], 10),
    [196, 35, 39, 119, 235, 215, 231, 226, 93, 23],
  )
})

test('format and version information equal the standard’s tables', () => {
  // Level M with each mask (ISO/IEC 18004 Table C.1).
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((mask) => formatBits(mask).toString(2).padStart(15, '0')),
    [
      '101010000010010',
      '101000100100101',
      '101111001111100',
      '101101101001011',
      '100010111111001',
      '100000011001110',
      '100111110010111',
      '100101010100000',
    ],
  )
  // Versions 7 to 10 (Table D.1).
  assert.deepEqual(
    [7, 8, 9, 10].map((v) => versionBits(v).toString(2).padStart(18, '0')),
    ['000111110010010100', '001000010110111100', '001001101010011001', '001010010011010011'],
  )
})

test('byte mode: mode, count, the bytes, terminator and the 0xEC 0x11 padding', () => {
  assert.deepEqual(
    dataCodewords(new TextEncoder().encode('Hi'), 1),
    [0x40, 0x24, 0x86, 0x90, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11],
  )
})

test('each symbol equals the one an independent encoder drew for the same text and mask (versions 1, 8 and 10)', () => {
  assert.deepEqual(
    reference.symbols.map((s) => s.version),
    [1, 8, 10],
  )
  for (const symbol of reference.symbols) {
    const code = encodeQr(symbol.text, { mask: symbol.mask })
    assert.equal(code.version, symbol.version, symbol.text)
    assert.equal(code.size, 17 + 4 * symbol.version)
    assert.deepEqual(drawn(code.modules), symbol.rows, `${symbol.text} with mask ${symbol.mask}`)
  }
})

test('the mask chosen has the lowest penalty of the eight', () => {
  for (const { text } of reference.symbols) {
    const chosen = encodeQr(text)
    const scores = [0, 1, 2, 3, 4, 5, 6, 7].map((mask) => penalty(encodeQr(text, { mask }).modules))
    assert.equal(scores[chosen.mask], Math.min(...scores), text)
    assert.deepEqual(chosen.modules, encodeQr(text, { mask: chosen.mask }).modules)
  }
})

test('the smallest version that holds the text is used, up to 213 bytes at version 10', () => {
  assert.equal(encodeQr('x'.repeat(14)).version, 1)
  assert.equal(encodeQr('x'.repeat(15)).version, 2)
  assert.equal(encodeQr('x'.repeat(MAX_QR_BYTES)).version, 10)
  assert.throws(() => encodeQr('x'.repeat(MAX_QR_BYTES + 1)), QrCodeTooLongError)
  // Counted in UTF-8 bytes, not characters.
  assert.equal(encodeQr('é'.repeat(7)).version, 1)
  assert.equal(encodeQr('é'.repeat(8)).version, 2)
})

test('the SVG draws each dark module once inside a four-module light quiet zone, with its text alternative', () => {
  const code = encodeQr('Waypoint', { mask: 4 })
  const svg = qrSvg(code, 'QR code of the "setup" link <for> the app')
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" [^>]*role="img"/)
  assert.match(svg, /aria-label="QR code of the &quot;setup&quot; link &lt;for&gt; the app"/)
  assert.match(svg, /viewBox="0 0 29 29"/)
  // Rebuild the symbol from the path's runs: each "Mx yhNv1h-Nz" is N dark modules from (x, y).
  const modules = Array.from({ length: code.size }, () => new Array<boolean>(code.size).fill(false))
  for (const [, x, y, n] of svg.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let i = 0; i < Number(n); i += 1) {
      const row = modules[Number(y) - 4]!
      assert.equal(row[Number(x) - 4 + i], false, 'no module is drawn twice')
      row[Number(x) - 4 + i] = true
    }
  }
  assert.deepEqual(modules, code.modules)
})
