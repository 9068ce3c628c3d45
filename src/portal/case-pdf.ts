// A citizen's case details as a PDF they can keep (CP-57): the same facts the case page shows
// (reference, status, investigating officer, the updates the force shows), laid out as a plain
// document with the force's name, in the PDF standard fonts so nothing is fetched.
import PDFDocument from 'pdfkit'
import type { CitizenCase } from './case-view-service.ts'
import { roleWords } from './eligibility.ts'

const when = (at: Date) =>
  at.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  })

export function renderCasePdf(found: CitizenCase, generatedAt: Date): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: `${found.description} ${found.reference}`, Author: found.forceName },
    lang: 'en-GB',
  })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.font('Helvetica').fontSize(11).fillColor('#505a5f').text(found.forceName)
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(20).fillColor('#0b0c0c')
  doc.text(`${found.description}, ${found.reference}`)
  doc.moveDown()
  const row = (label: string, value: string) => {
    doc.font('Helvetica-Bold').fontSize(12).text(label, { continued: true })
    doc.font('Helvetica').text(`  ${value}`)
  }
  // CP-60: only the details the force shows its people.
  if (found.shown.status) row('Status:', found.status)
  row('Reference:', found.reference)
  if (found.shown.officer)
    row(
      'Investigating officer:',
      found.officer
        ? `${found.officer.name}${found.officer.collar ? ` (${found.officer.collar})` : ''}`
        : 'Not assigned yet',
    )
  row('Reported:', found.recordedAt ? when(found.recordedAt) : 'Not known')
  row(
    'Your role:',
    roleWords(found.role).replace(/^./, (c) => c.toUpperCase()),
  )
  if (found.actingFor) row('You act for:', found.actingFor.name)
  if (found.shown.updates) {
    doc.moveDown().font('Helvetica-Bold').fontSize(14).text('Updates')
    doc.moveDown(0.3).font('Helvetica').fontSize(12)
    if (found.updates.length === 0) doc.text('There are no updates yet.')
    for (const update of found.updates) {
      doc.font('Helvetica-Bold').text(when(update.at))
      doc.font('Helvetica').text(update.text).moveDown(0.5)
    }
  }
  doc.moveDown().fontSize(9).fillColor('#505a5f')
  doc.text(`Downloaded on ${when(generatedAt)}. In an emergency, call 999.`)
  doc.end()
  return done
}
