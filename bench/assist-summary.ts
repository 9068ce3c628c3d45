// Automated summary benchmark (CRM-11, CP-120): the extractive summariser (src/assist/summary.ts)
// over one person's history of 5,000 items (CAD log entries, RMS updates, texts and THRIVE
// assessments, made the same way each run), timed beside two baselines from the same run: the
// naive summary (the newest five items' first sentences, split on full stops), and wink-nlp
// reading the same items with nothing scored (the floor the summariser stands on). Each is run
// once to warm up, then `runs` times; the median and the slowest are printed.
//
//   node bench/assist-summary.ts [items] [runs]
import winkNLP from 'wink-nlp'
import model from 'wink-eng-lite-web-model'
import { type SummaryItem, summarise } from '../src/assist/summary.ts'

const count = Number(process.argv[2] ?? 5000)
const runs = Number(process.argv[3] ?? 7)

// A small deterministic generator (mulberry32), so every run reads the same history.
let seed = 20260603
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!

const cad = [
  'Caller reports a break-in at the rear of the property.',
  'Officers attended and spoke with the informant.',
  'Neighbour states a man was seen climbing the fence.',
  'Scene preserved for forensics; CSI requested.',
  'Informant advised of crime reference and victim support.',
  'Caller states the suspect has returned and is shouting outside.',
  'Log regraded to prompt after the caller rang back.',
]
const rms = [
  'Status changed from open to under investigation.',
  'House-to-house enquiries complete with no witnesses found.',
  'CCTV from the corner shop requested and reviewed.',
  'Suspect arrested and interviewed under caution.',
  'Suspect released on bail with conditions not to contact the victim.',
  'Marker added: domestic abuse.',
  'Victim statement taken and added to the file.',
]
const texts = [
  'Is there any news on my case?',
  'Thank you for calling me back today.',
  'I will be at work until five, please text me.',
  'He came to the house again and threatened me with a knife.',
  'I am scared to go out on my own.',
  'Ok thanks.',
  'Can I have the crime reference again please?',
]

const start = Date.UTC(2024, 0, 1)
const items: SummaryItem[] = Array.from({ length: count }, (_, i) => {
  const roll = random()
  const [kind, list] =
    roll < 0.3
      ? ['CAD', cad]
      : roll < 0.55
        ? ['RMS', rms]
        : roll < 0.95
          ? ['Text message', texts]
          : ['THRIVE', []]
  const body =
    kind === 'THRIVE'
      ? `THRIVE graded ${pick(['Prompt', 'Scheduled', 'Immediate'])}: ${pick(['vulnerability marker', 'repeat caller', 'threat of harm'])}.`
      : `${pick(list)} ${pick(list)}`
  return {
    id: `i${i}`,
    kind,
    at: new Date(start + i * 3_600_000 * 3).toISOString(),
    title: kind,
    body,
    href: `/records/${i}`,
  }
})
const markers = [{ kind: 'domestic_abuse', sourceSystem: 'athena', addedAt: new Date(start) }]

const nlp = winkNLP(model, ['sbd'])
function naive(list: readonly SummaryItem[]) {
  return [...list]
    .sort((a, b) => (a.at < b.at ? 1 : -1))
    .slice(0, 5)
    .map((i) => ({ text: (i.body ?? i.title).split('. ')[0], item: i.id }))
}
function winkOnly(list: readonly SummaryItem[]) {
  let tokens = 0
  for (const i of list)
    tokens += nlp
      .readDoc(i.body ?? i.title)
      .tokens()
      .length()
  return tokens
}

function time(fn: () => unknown) {
  fn()
  const ms: number[] = []
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    fn()
    ms.push(performance.now() - t0)
  }
  ms.sort((a, b) => a - b)
  return { median: ms[Math.floor(ms.length / 2)]!, slowest: ms.at(-1)! }
}

const rows = [
  ['baseline: newest five items’ first sentences', time(() => naive(items))],
  ['baseline: wink-nlp reads the items, no scoring', time(() => winkOnly(items))],
  ['Assist summariser (TF-IDF centroid, recency, risk)', time(() => summarise(items, { markers }))],
] as const
const summary = summarise(items, { markers })
console.log(
  `Automated summary of one person with ${count} items (${summary.read} sentences), ${runs} runs each`,
)
for (const [name, t] of rows)
  console.log(
    `  ${name.padEnd(52)} median ${t.median.toFixed(1).padStart(7)} ms, slowest ${t.slowest.toFixed(1).padStart(7)} ms`,
  )
console.log('The summary chosen:')
for (const s of summary.sentences)
  console.log(`  [${s.item.kind} ${s.item.id}] ${s.risk ? '(risk) ' : ''}${s.text}`)
console.log('The naive baseline’s:')
for (const s of naive(items)) console.log(`  [${s.item}] ${s.text}`)
