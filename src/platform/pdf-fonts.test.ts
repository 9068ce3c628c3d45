import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { PDFParse } from 'pdf-parse'
import PDFDocument from 'pdfkit'
import { pdfFont, sfntFromWoff, useUnicodeFonts, woffFiles } from './pdf-fonts.ts'

/** An sfnt table's checksum: the sum of its big-endian 32-bit words, zero-padded, modulo 2^32. */
function checksum(table: Buffer): number {
  const padded = Buffer.alloc((table.length + 3) & ~3)
  table.copy(padded)
  let sum = 0
  for (let at = 0; at < padded.length; at += 4) sum = (sum + padded.readUInt32BE(at)) >>> 0
  return sum
}

test('each WOFF font unpacks into TrueType whose every table matches the checksum the WOFF file records', () => {
  for (const file of Object.values(woffFiles)) {
    const woff = readFileSync(file)
    const sfnt = sfntFromWoff(woff)
    assert.equal(sfnt.readUInt32BE(0), woff.readUInt32BE(4), `${file}: the flavour`)
    const numTables = sfnt.readUInt16BE(4)
    assert.equal(numTables, woff.readUInt16BE(12), `${file}: the number of tables`)
    assert.equal(sfnt.readUInt16BE(6), 16 * 2 ** Math.floor(Math.log2(numTables)), `${file}: searchRange`)
    const tags: string[] = []
    for (let i = 0; i < numTables; i++) {
      const record = 12 + i * 16
      const tag = sfnt.toString('latin1', record, record + 4)
      const offset = sfnt.readUInt32BE(record + 8)
      const length = sfnt.readUInt32BE(record + 12)
      assert.equal(offset % 4, 0, `${file} ${tag}: 4-byte aligned`)
      const table = Buffer.from(sfnt.subarray(offset, offset + length))
      // The head table's checksum is taken with its checkSumAdjustment as zero.
      if (tag === 'head') table.writeUInt32BE(0, 8)
      assert.equal(checksum(table), sfnt.readUInt32BE(record + 4), `${file} ${tag}: checksum`)
      tags.push(tag)
    }
    assert.deepEqual(tags, [...tags].sort(), `${file}: tables in ascending order of tag`)
    assert.ok(tags.includes('glyf') && tags.includes('cmap'), `${file}: has its outlines and character map`)
  }
})

test('a file that is not WOFF is returned as it is', () => {
  const bytes = Buffer.from('not a font at all, but longer than a WOFF header is long')
  assert.equal(sfntFromWoff(bytes), bytes)
})

test('a PDF in the unpacked fonts holds Welsh letters and names outside Windows-1252 as written, in each style', async () => {
  const doc = new PDFDocument({ size: 'A4', margin: 56 })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  useUnicodeFonts(doc)
  doc.font(pdfFont.regular).text('Gwŷr Ŵyn, Łukasz')
  doc.font(pdfFont.bold).text('Ştefan Dvořák')
  doc.font(pdfFont.italic).text('Côr Meibion')
  doc.end()
  const parsed = await new PDFParse({ data: new Uint8Array(await done) }).getText()
  for (const words of ['Gwŷr Ŵyn, Łukasz', 'Ştefan Dvořák', 'Côr Meibion'])
    assert.match(parsed.text, new RegExp(words))
})
