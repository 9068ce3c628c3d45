// Offline transcription benchmark (CRM-22, CRM-6; decision 0041). espeak-ng says a held-out set of
// sentences typical of police contact (the first two without digits of each intent of
// bench/data/assist-held-out-2.json, written apart from the knowledge base, all its emergencies
// without digits, and "I want an update on my burglary"), into a temporary folder that is removed after; each recording (22.05 kHz) is
// transcribed by the embedded transcriber (resampled to 16 kHz in TypeScript, then PocketSphinx)
// in four set-ups: PocketSphinx's general language model or the domain model Waypoint builds from
// the knowledge base and the spoken danger phrases, each with espeak-ng's default US voice and
// its Klatt voice. For each it prints the word error rate (word-level edit distance over the
// reference's words), the seconds per recording, and what the voice IVR decides: how many reasons
// reach the intent they were written for, and how many emergencies are made urgent.
//
//   node bench/assist-transcription.ts [--list]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultIntents, trainOn } from '../src/assist/knowledge.ts'
import { speechTuning } from '../src/assist/speech-service.ts'
import { decideSpokenReason, spokenDangerPhrases } from '../src/assist/spoken-reason.ts'
import { Transcriber, wordErrors } from '../src/assist/transcription.ts'

const list = process.argv.includes('--list')
const heldOut = (
  JSON.parse(readFileSync(join(import.meta.dirname, 'data', 'assist-held-out-2.json'), 'utf8')) as {
    phrases: Record<string, string[]>
  }
).phrases
const intents = defaultIntents()
const corpus = [...intents.flatMap((i) => [i.title, ...i.phrases]), ...spokenDangerPhrases]
const seen = new Set(corpus.map((p) => p.toLowerCase().replace(/[^a-z ]/g, '')))
const set: { text: string; intent: string }[] = [
  { text: 'I want an update on my burglary', intent: 'case-update' },
]
for (const [intent, phrases] of Object.entries(heldOut))
  for (const text of phrases.filter((p) => !/\d/.test(p)).slice(0, intent === 'emergency' ? 10 : 2))
    set.push({ text, intent })
// A sentence the language model was built from is not held out: it is left out, and counted.
const heldOutSet = set.filter((s) => !seen.has(s.text.toLowerCase().replace(/[^a-z ]/g, '')))
const leftOut = set.length - heldOutSet.length
set.splice(0, set.length, ...heldOutSet)

const dir = mkdtempSync(join(tmpdir(), 'waypoint-bench-speech-'))
const classifier = trainOn(intents)
const voices = [
  { name: 'espeak-ng en-us (default voice)', voice: 'en-us' },
  { name: 'espeak-ng en-us+klatt4 (Klatt voice)', voice: 'en-us+klatt4' },
]
const models = [
  { name: 'general language model', options: { ...speechTuning } },
  { name: 'domain language model', options: { ...speechTuning, phrases: corpus } },
]
try {
  console.log(
    `Held-out recordings: ${set.length} (${set.filter((s) => s.intent === 'emergency').length} emergencies; ` +
      `${leftOut} left out as the language model has them)`,
  )
  for (const v of voices) {
    const files = set.map((s, i) => {
      const file = join(dir, `${v.voice.replace(/\W/g, '-')}-${i}.wav`)
      execFileSync('espeak-ng', ['-v', v.voice, '-w', file, s.text])
      return readFileSync(file)
    })
    const audio = files.reduce((sum, f) => sum + (f.length - 44) / 2 / 22050, 0)
    for (const m of models) {
      const transcriber = new Transcriber(m.options)
      await transcriber.transcribe(files[0]!) // builds the model once; not counted
      let errors = 0
      let words = 0
      let elapsed = 0
      let intentRight = 0
      let urgent = 0
      for (const [i, s] of set.entries()) {
        const started = performance.now()
        const t = await transcriber.transcribe(files[i]!)
        elapsed += performance.now() - started
        const e = wordErrors(s.text, t.text)
        errors += e.errors
        words += e.words
        const d = decideSpokenReason(t.text, { intents, classifier })
        if (s.intent === 'emergency' ? d.urgent : d.intent === s.intent && d.basis === 'intent') {
          if (s.intent === 'emergency') urgent += 1
          else intentRight += 1
        }
        if (list)
          console.log(`  ${e.errors}/${e.words} “${s.text}” → “${t.text}” (${d.basis} ${d.intent ?? ''})`)
      }
      await transcriber.close()
      const reasons = set.filter((s) => s.intent !== 'emergency').length
      const emergencies = set.length - reasons
      console.log(
        `${v.name}, ${m.name}: WER ${((errors / words) * 100).toFixed(1)}% (${errors}/${words} words), ` +
          `${(elapsed / 1000 / set.length).toFixed(2)} s per recording (${(audio / set.length).toFixed(1)} s of audio), ` +
          `intent right ${intentRight}/${reasons}, emergencies urgent ${urgent}/${emergencies}`,
      )
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
