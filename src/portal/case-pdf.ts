// A citizen's case details as a PDF they can keep (CP-57): the same facts the case page shows
// (reference, status, investigating officer, the updates the force shows), laid out as a plain
// document with the force's name, in the page's language (CP-155, decision 0057): the same
// catalogue's words and dates with Welsh month names. Its font is embedded (platform/pdf-fonts.ts),
// so Welsh letters and any name print as written and nothing is fetched.
import { type Locale, translate } from '../platform/i18n/i18n.ts'
import { pdfFont, useUnicodeFonts } from '../platform/pdf-fonts.ts'
import type { CitizenCase } from './case-view-service.ts'

const roleNames: Record<string, string> = {
  victim: 'Victim',
  witness: 'Witness',
  parent_guardian: 'Parent or guardian',
  attorney: 'Attorney',
}

export async function renderCasePdf(
  found: CitizenCase,
  generatedAt: Date,
  locale: Locale = 'en',
): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit')
  const t = (msgid: string, params?: Record<string, string>) => translate(locale, msgid, params)
  const format = new Intl.DateTimeFormat(locale === 'cy' ? 'cy-GB' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  })
  const when = (at: Date) => format.format(at)
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: `${found.description} ${found.reference}`, Author: found.forceName },
    lang: locale === 'cy' ? 'cy-GB' : 'en-GB',
  })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  useUnicodeFonts(doc)
  doc.font(pdfFont.regular).fontSize(11).fillColor('#505a5f').text(found.forceName)
  doc.moveDown(0.5).font(pdfFont.bold).fontSize(20).fillColor('#0b0c0c')
  doc.text(`${found.description}, ${found.reference}`)
  doc.moveDown()
  const row = (label: string, value: string) => {
    doc
      .font(pdfFont.bold)
      .fontSize(12)
      .text(`${t(label)}:`, { continued: true })
    doc.font(pdfFont.regular).text(`  ${value}`)
  }
  // CP-60: only the details the force shows its people.
  if (found.shown.status) row('Status', t(found.status))
  row('Reference', found.reference)
  if (found.shown.officer)
    row(
      'Investigating officer',
      found.officer
        ? `${found.officer.name}${found.officer.collar ? ` (${found.officer.collar})` : ''}`
        : t('Not assigned yet'),
    )
  row('Reported', found.recordedAt ? when(found.recordedAt) : t('Not known'))
  row('Your role', t(roleNames[found.role] ?? found.role))
  if (found.actingFor) row('You act for', found.actingFor.name)
  if (found.shown.updates) {
    doc.moveDown().font(pdfFont.bold).fontSize(14).text(t('Updates'))
    doc.moveDown(0.3).font(pdfFont.regular).fontSize(12)
    if (found.updates.length === 0) doc.text(t('There are no updates yet.'))
    for (const update of found.updates) {
      doc.font(pdfFont.bold).text(when(update.at))
      doc.font(pdfFont.regular).text(t(update.text)).moveDown(0.5)
    }
  }
  doc.moveDown().fontSize(9).fillColor('#505a5f')
  doc.text(t('Downloaded on {date}. In an emergency, call 999.', { date: when(generatedAt) }))
  doc.end()
  return done
}
