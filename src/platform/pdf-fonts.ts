// The fonts of the PDFs Waypoint makes (a case's details, a filled-in form, a conversation's
// export): DejaVu Sans, embedded, from @fontsource/dejavu-sans (its WOFF files hold the whole
// font). PDF's standard fonts (Helvetica) carry only the Windows-1252 characters, so Welsh ŵ and
// ŷ, and names such as Łukasz, Ştefan or Dvořák, came out as wrong glyphs. A PDF carries only the
// glyphs it uses (a subset of the font), not the whole font.
//
// The WOFF files are unpacked into plain TrueType (sfnt) once a process (`sfntFromWoff`). Given
// WOFF, the PDF library's font reader inflated a table's whole compressed stream, in JavaScript,
// every time it read one glyph's outline or metrics: a one-page PDF in three styles took 2.5 s of
// CPU, nearly all of it inflating the same `glyf` tables again, and takes 34 ms from the unpacked
// fonts (bench/pdf-fonts.ts); unpacking the three costs 13 ms once.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { inflateSync } from 'node:zlib'

const require = createRequire(import.meta.url)

/** The font names a document has once `useUnicodeFonts` has run on it. */
export const pdfFont = { regular: 'Body', bold: 'Body-Bold', italic: 'Body-Italic' } as const

/** Each style's WOFF file, as @fontsource/dejavu-sans ships it. */
export const woffFiles: Record<keyof typeof pdfFont, string> = {
  regular: require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff'),
  bold: require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff'),
  italic: require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-italic.woff'),
}

/**
 * The TrueType (sfnt) font a WOFF 1.0 file holds: the same tables, each inflated if the file
 * compressed it, behind sfnt's own header and table directory (WOFF 1.0, W3C Recommendation,
 * sections 3 to 5). A file that is not WOFF 1.0 is returned as it is.
 */
export function sfntFromWoff(woff: Buffer): Buffer {
  if (woff.length < 44 || woff.toString('latin1', 0, 4) !== 'wOFF') return woff
  const flavor = woff.readUInt32BE(4)
  const numTables = woff.readUInt16BE(12)
  const tables: { tag: number; checksum: number; data: Buffer }[] = []
  for (let i = 0; i < numTables; i++) {
    const entry = 44 + i * 20
    const offset = woff.readUInt32BE(entry + 4)
    const compLength = woff.readUInt32BE(entry + 8)
    const origLength = woff.readUInt32BE(entry + 12)
    const stored = woff.subarray(offset, offset + compLength)
    const data = compLength < origLength ? inflateSync(stored) : stored
    if (data.length !== origLength) throw new Error('A WOFF table does not inflate to its stated length')
    tables.push({ tag: woff.readUInt32BE(entry), checksum: woff.readUInt32BE(entry + 16), data })
  }
  // sfnt's table directory is in ascending order of tag, as WOFF's must be.
  tables.sort((a, b) => a.tag - b.tag)
  const power = 2 ** Math.floor(Math.log2(Math.max(numTables, 1)))
  const padded = (length: number) => (length + 3) & ~3
  const size = 12 + numTables * 16 + tables.reduce((sum, t) => sum + padded(t.data.length), 0)
  const sfnt = Buffer.alloc(size)
  sfnt.writeUInt32BE(flavor, 0)
  sfnt.writeUInt16BE(numTables, 4)
  sfnt.writeUInt16BE(power * 16, 6)
  sfnt.writeUInt16BE(Math.log2(power), 8)
  sfnt.writeUInt16BE(numTables * 16 - power * 16, 10)
  let at = 12 + numTables * 16
  tables.forEach((table, i) => {
    const record = 12 + i * 16
    sfnt.writeUInt32BE(table.tag, record)
    sfnt.writeUInt32BE(table.checksum, record + 4)
    sfnt.writeUInt32BE(at, record + 8)
    sfnt.writeUInt32BE(table.data.length, record + 12)
    table.data.copy(sfnt, at)
    at += padded(table.data.length)
  })
  return sfnt
}

/** Each font as TrueType, read and unpacked once a process (about 1.5 MB in all). */
let loaded: Record<keyof typeof pdfFont, Buffer> | undefined

/** Registers the three fonts on `doc` and selects the regular one. */
export function useUnicodeFonts(doc: PDFKit.PDFDocument): void {
  loaded ??= Object.fromEntries(
    Object.entries(woffFiles).map(([style, file]) => [style, sfntFromWoff(readFileSync(file))]),
  ) as Record<keyof typeof pdfFont, Buffer>
  for (const style of Object.keys(pdfFont) as (keyof typeof pdfFont)[])
    doc.registerFont(pdfFont[style], loaded[style])
  doc.font(pdfFont.regular)
}
