// The fonts of the PDFs Waypoint makes (a case's details, a filled-in form, a conversation's
// export): DejaVu Sans, embedded, from @fontsource/dejavu-sans (its WOFF files hold the whole
// font). PDF's standard fonts (Helvetica) carry only the Windows-1252 characters, so Welsh ŵ and
// ŷ, and names such as Łukasz, Ştefan or Dvořák, came out as wrong glyphs. A PDF carries only the
// glyphs it uses (a subset of the font), not the whole font.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** The font names a document has once `useUnicodeFonts` has run on it. */
export const pdfFont = { regular: 'Body', bold: 'Body-Bold', italic: 'Body-Italic' } as const

const files: Record<keyof typeof pdfFont, string> = {
  regular: 'dejavu-sans-latin-400-normal.woff',
  bold: 'dejavu-sans-latin-700-normal.woff',
  italic: 'dejavu-sans-latin-400-italic.woff',
}

/** Each font's bytes, read once a process (about 1 MB in all). */
let loaded: Record<keyof typeof pdfFont, Buffer> | undefined

/** Registers the three fonts on `doc` and selects the regular one. */
export function useUnicodeFonts(doc: PDFKit.PDFDocument): void {
  loaded ??= Object.fromEntries(
    Object.entries(files).map(([style, file]) => [
      style,
      readFileSync(require.resolve(`@fontsource/dejavu-sans/files/${file}`)),
    ]),
  ) as Record<keyof typeof pdfFont, Buffer>
  for (const style of Object.keys(pdfFont) as (keyof typeof pdfFont)[])
    doc.registerFont(pdfFont[style], loaded[style])
  doc.font(pdfFont.regular)
}
