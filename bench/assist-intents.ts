// Chatbot intent benchmark (CRM-7): the assistant's default knowledge base (src/assist/intents.json)
// trains the classifier, and every phrase of a held-out set written apart from it
// (bench/data/assist-held-out.json, never used to train or tune) goes through the bot's own order:
// red-flag rules first, then the classifier. It prints the top intent's accuracy, how many the bot
// would answer at its confidence threshold and how many of those it gets right, and how the
// red-flag rules do on the emergency phrases and on the others. With --misses, it lists the errors.
//
//   node bench/assist-intents.ts [--misses]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { handOverBelow } from '../src/assist/chatbot.ts'
import { dangerIn } from '../src/assist/danger.ts'
import { defaultIntents, trainOn } from '../src/assist/knowledge.ts'

const held = JSON.parse(readFileSync(join(import.meta.dirname, 'data', 'assist-held-out.json'), 'utf8')) as {
  phrases: Record<string, string[]>
}
const intents = defaultIntents()
const started = process.cpuUsage()
const classifier = trainOn(intents)
const trainedMs = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1000

let total = 0
let correct = 0
let answered = 0
let answeredCorrect = 0
let falseAlarms = 0
let emergencies = 0
let escalated = 0
const misses: string[] = []
const classifyStarted = process.cpuUsage()
for (const [label, phrases] of Object.entries(held.phrases)) {
  for (const text of phrases) {
    const danger = dangerIn(text)
    if (label === 'emergency') {
      emergencies += 1
      if (danger.length) escalated += 1
      else misses.push(`emergency not escalated: ${text}`)
      continue
    }
    total += 1
    if (danger.length) {
      falseAlarms += 1
      misses.push(`${label} escalated as ${danger.join(', ')}: ${text}`)
      continue
    }
    const result = classifier.classify(text)
    const right = result.intent === label
    if (right) correct += 1
    if (result.confidence >= handOverBelow) {
      answered += 1
      if (right) answeredCorrect += 1
    }
    if (!right) misses.push(`${label} read as ${result.intent} (${result.confidence.toFixed(2)}): ${text}`)
  }
}
const cpu = process.cpuUsage(classifyStarted)
const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}%`
console.log(
  `Intents: ${intents.length}, training phrases: ${intents.reduce((n, i) => n + i.phrases.length, 0)}`,
)
console.log(`Held-out intent phrases: ${total}; emergency phrases: ${emergencies}`)
console.log(
  `Intent accuracy (top intent, red flags counted as errors): ${pct(correct, total)} (${correct}/${total})`,
)
console.log(
  `Answered at confidence >= ${handOverBelow}: ${pct(answered, total)} (${answered}/${total}); accuracy of those: ${pct(answeredCorrect, answered)}`,
)
console.log(`Emergency phrases escalated: ${pct(escalated, emergencies)} (${escalated}/${emergencies})`)
console.log(`Non-emergency phrases escalated by mistake: ${falseAlarms}/${total}`)
console.log(
  `CPU: training ${trainedMs.toFixed(0)} ms; ${((cpu.user + cpu.system) / 1000 / (total + emergencies)).toFixed(2)} ms a phrase`,
)
if (process.argv.includes('--misses')) for (const m of misses) console.log(`  ${m}`)
