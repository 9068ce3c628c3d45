// PDF font benchmark: the CPU one case-details-sized PDF takes with DejaVu Sans registered as the
// WOFF files @fontsource ships (the baseline, as Waypoint did before) and as the TrueType that
// `sfntFromWoff` unpacks from them once a process (src/platform/pdf-fonts.ts). Both are measured
// in the same run, alternating, after a warm-up of each; it prints the median CPU per PDF of each
// and the size of each PDF (the same fonts, so about the same size).
//
//   node bench/pdf-fonts.ts [--rounds 20]
import { readFileSync } from 'node:fs'
import PDFDocument from 'pdfkit'
import { pdfFont, sfntFromWoff, woffFiles } from '../src/platform/pdf-fonts.ts'

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 20
const woff = Object.fromEntries(
  Object.entries(woffFiles).map(([style, file]) => [
    pdfFont[style as keyof typeof pdfFont],
    readFileSync(file),
  ]),
)
const unpackStarted = process.cpuUsage()
const ttf = Object.fromEntries(Object.entries(woff).map(([name, bytes]) => [name, sfntFromWoff(bytes)]))
const unpacked = process.cpuUsage(unpackStarted)

// About what a case's details page holds: a heading, a dozen facts and a few updates, with Welsh
// letters and names outside Windows-1252.
const lines = [
  ['Body-Bold', 'Theft from a motor vehicle, 37/123456/26'],
  ...Array.from({ length: 12 }, (_, i) => [
    'Body',
    `Fact ${i + 1}: Ŵyn Dvořák, Łukasz Ştefan, 6 December 2026 at 14:0${i % 10}`,
  ]),
  ...Array.from({ length: 6 }, (_, i) => [
    'Body-Italic',
    `Update ${i + 1}: the investigating officer reviewed the CCTV and spoke to two witnesses; next steps follow.`,
  ]),
]

function render(fonts: Record<string, Buffer>): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, compress: true })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  for (const [name, bytes] of Object.entries(fonts)) doc.registerFont(name, bytes)
  for (const [font, text] of lines)
    doc
      .font(font as string)
      .fontSize(12)
      .text(text as string)
  doc.end()
  return done
}

async function cpuMs(fonts: Record<string, Buffer>): Promise<number> {
  const started = process.cpuUsage()
  await render(fonts)
  const used = process.cpuUsage(started)
  return (used.user + used.system) / 1000
}

await render(woff)
await render(ttf)
const times: Record<'woff' | 'ttf', number[]> = { woff: [], ttf: [] }
for (let i = 0; i < rounds; i++) {
  times.woff.push(await cpuMs(woff))
  times.ttf.push(await cpuMs(ttf))
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const [a, b] = [await render(woff), await render(ttf)]
console.log(
  `unpacking the three WOFF files: ${((unpacked.user + unpacked.system) / 1000).toFixed(1)} ms of CPU, once a process`,
)
console.log(
  `one PDF, WOFF fonts (baseline): median ${median(times.woff).toFixed(1)} ms of CPU (${rounds} rounds)`,
)
console.log(
  `one PDF, unpacked TrueType:     median ${median(times.ttf).toFixed(1)} ms of CPU (${rounds} rounds)`,
)
console.log(`PDF sizes: ${a.length} bytes with WOFF, ${b.length} bytes with TrueType`)
