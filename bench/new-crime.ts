// New-crime detection benchmark (CP-84): the Portal's default rules (src/portal/new-crime.ts) read
// every message of a labelled set written for it (bench/data/new-crime-messages.tsv, kept apart
// from the rules), and the benchmark prints precision, recall, F1 and accuracy beside a baseline
// from the same run: the same phrases matched anywhere, with no context words and no exceptions.
// With --misses, it lists the messages each got wrong.
//
//   node bench/new-crime.ts [--misses]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultNewCrimeRules, NewCrimeDetector, type NewCrimeRules } from '../src/portal/new-crime.ts'

function read(name: string) {
  return readFileSync(join(import.meta.dirname, 'data', name), 'utf8')
    .split('\n')
    .filter((line) => /^[01]\t/.test(line))
    .map((line) => ({ newCrime: line[0] === '1', text: line.slice(2) }))
}
// The set the rules were written against, and one written afterwards and never used to change them.
const sets = {
  'rules written against': read('new-crime-messages.tsv'),
  'held out': read('new-crime-held-out.tsv'),
}

const baselineRules: NewCrimeRules = {
  ...defaultNewCrimeRules,
  rules: defaultNewCrimeRules.rules.map(({ withAny: _, ...rule }) => rule),
  unless: [],
}

function score(name: string, detector: NewCrimeDetector, labelled: { newCrime: boolean; text: string }[]) {
  let tp = 0
  let fp = 0
  let fn = 0
  let tn = 0
  const misses: string[] = []
  const started = process.cpuUsage()
  for (const m of labelled) {
    const verdict = detector.check(m.text)
    if (verdict.newCrime && m.newCrime) tp += 1
    else if (verdict.newCrime) {
      fp += 1
      misses.push(`  false alarm (${verdict.because}): ${m.text}`)
    } else if (m.newCrime) {
      fn += 1
      misses.push(`  missed: ${m.text}`)
    } else tn += 1
  }
  const cpu = process.cpuUsage(started)
  const precision = tp / (tp + fp)
  const recall = tp / (tp + fn)
  const f1 = (2 * precision * recall) / (precision + recall)
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  console.log(
    `${name.padEnd(34)} precision ${pct(precision)}  recall ${pct(recall)}  F1 ${pct(f1)}  accuracy ${pct((tp + tn) / labelled.length)}  (tp ${tp}, fp ${fp}, fn ${fn}, tn ${tn}; ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU)`,
  )
  if (process.argv.includes('--misses')) for (const line of misses) console.log(line)
}

for (const [name, labelled] of Object.entries(sets)) {
  const positives = labelled.filter((m) => m.newCrime).length
  console.log(
    `\n${name}: ${labelled.length} labelled messages (${positives} new crimes, ${labelled.length - positives} not)`,
  )
  score('Default rules (the Portal)', new NewCrimeDetector(defaultNewCrimeRules), labelled)
  score('Baseline: phrases alone', new NewCrimeDetector(baselineRules), labelled)
}
