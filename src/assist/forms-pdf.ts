// A submitted standard form as a PDF (CRM-20): the values the handler submitted, field by field,
// each saying whether Waypoint suggested it and the handler kept it, changed it or wrote it, with
// the force's name and who submitted it when; its font embedded (platform/pdf-fonts.ts), so any
// name prints as written and nothing is fetched.
import { pdfFont, useUnicodeFonts } from '../platform/pdf-fonts.ts'
import { displayValue } from './forms.ts'
import type { StoredForm } from './forms-service.ts'

const when = (at: Date) =>
  at.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  })

export const changeWords: Record<string, string> = {
  accepted: 'Filled automatically, checked by the referrer',
  edited: 'Filled automatically, changed by the referrer',
  cleared: 'Filled automatically, removed by the referrer',
  entered: 'Entered by the referrer',
  empty: 'Not given',
}

export async function renderFormPdf(
  found: StoredForm,
  forceName: string,
  generatedAt: Date,
): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit')
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: `${found.form.title} ${found.id}`, Author: forceName },
    lang: 'en-GB',
  })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  useUnicodeFonts(doc)
  doc.font(pdfFont.regular).fontSize(11).fillColor('#505a5f').text(forceName)
  doc.moveDown(0.5).font(pdfFont.bold).fontSize(20).fillColor('#0b0c0c').text(found.form.title)
  doc.moveDown(0.3).font(pdfFont.regular).fontSize(11)
  doc.text(`Reference ${found.id}`)
  if (found.submittedAt)
    doc.text(
      `Submitted ${when(found.submittedAt)}${found.submittedByName ? ` by ${found.submittedByName}` : ''}`,
    )
  doc.moveDown()
  for (const f of found.form.fields) {
    const value = displayValue(f, found.submitted?.[f.name])
    doc.font(pdfFont.bold).fontSize(12).fillColor('#0b0c0c').text(f.label)
    doc
      .font(pdfFont.regular)
      .fontSize(12)
      .text(value || 'Not given')
    const change = found.changes?.[f.name]?.change
    if (change && change !== 'empty')
      doc
        .fontSize(9)
        .fillColor('#505a5f')
        .text(changeWords[change] ?? change)
    doc.moveDown(0.6)
  }
  doc.moveDown().fontSize(9).fillColor('#505a5f')
  doc.text(
    `Fields filled automatically were suggested by Waypoint from the force's records and reviewed by the referrer, who submitted this form. Downloaded on ${when(generatedAt)}.`,
  )
  doc.end()
  return done
}
