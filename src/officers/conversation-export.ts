// A portal conversation extracted for evidence (CP-119): a PDF (pdfkit) and a Word document
// (docx), each a heading with the case, then every message in time order with who wrote it and
// when (UK time), recalls and edits shown with the original words kept.
import type { Paragraph } from 'docx'
import { pdfFont, useUnicodeFonts } from '../platform/pdf-fonts.ts'
import { ukDateTime } from '../platform/calendar.ts'
import type { OfficerConversation } from './service.ts'

interface Line {
  heading: string
  body: string
  note: string | null
}

function linesOf(c: OfficerConversation): Line[] {
  return c.messages.map((m) => ({
    heading: `${m.direction === 'inbound' ? (c.personName ?? 'The person') : (m.author ?? 'Officer')}, ${ukDateTime(m.sentAt)}${kindNote[m.kind] ?? ''}`,
    body: m.recalledAt ? (m.originalBody ?? m.body) : m.body,
    note: m.recalledAt
      ? `Recalled by the officer at ${ukDateTime(m.recalledAt)}; the person no longer sees it.`
      : m.editedAt
        ? `Edited at ${ukDateTime(m.editedAt)}. As first sent: ${m.originalBody ?? ''}`
        : null,
  }))
}

const kindNote: Record<string, string> = {
  'information-request': ' (request for information)',
  information: ' (information submitted on request)',
  'extra-information': ' (additional information)',
}

function title(c: OfficerConversation): string {
  return `Portal conversation, crime ${c.crimeRef}`
}

export async function conversationPdf(c: OfficerConversation, at: Date): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit')
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: title(c), Author: 'Waypoint' } })
    const chunks: Buffer[] = []
    doc.on('data', (b: Buffer) => chunks.push(b))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
    useUnicodeFonts(doc)
    doc.font(pdfFont.bold).fontSize(16).text(title(c))
    doc
      .font(pdfFont.regular)
      .fontSize(10)
      .text(`Person: ${c.personName ?? 'not known'}. Officer: ${c.officerName ?? 'not assigned'}.`)
    doc.text(`Extracted ${ukDateTime(at)} (UK time).`).moveDown()
    for (const line of linesOf(c)) {
      doc.font(pdfFont.bold).fontSize(11).text(line.heading)
      doc.font(pdfFont.regular).fontSize(11).text(line.body)
      if (line.note) doc.font(pdfFont.italic).fontSize(9).text(line.note)
      doc.moveDown()
    }
    doc.end()
  })
}

export async function conversationDocx(c: OfficerConversation, at: Date): Promise<Buffer> {
  const { Document, HeadingLevel, Packer, Paragraph, TextRun } = await import('docx')
  const children: Paragraph[] = [
    new Paragraph({ text: title(c), heading: HeadingLevel.HEADING_1 }),
    new Paragraph({
      text: `Person: ${c.personName ?? 'not known'}. Officer: ${c.officerName ?? 'not assigned'}.`,
    }),
    new Paragraph({ text: `Extracted ${ukDateTime(at)} (UK time).` }),
  ]
  for (const line of linesOf(c)) {
    children.push(new Paragraph({ text: line.heading, heading: HeadingLevel.HEADING_3 }))
    for (const part of line.body.split('\n')) children.push(new Paragraph({ text: part }))
    if (line.note)
      children.push(new Paragraph({ children: [new TextRun({ text: line.note, italics: true })] }))
  }
  return Packer.toBuffer(new Document({ title: title(c), creator: 'Waypoint', sections: [{ children }] }))
}
