// Officer help benchmark (CP-89, CP-93, CP-121): the time to read one person's portal message and
// make its suggested replies and actions (src/assist/officer-help.ts: the naive Bayes intent, the
// danger rules, the fills), over eight kinds of message in turn; and the time to answer a case
// question (src/assist/case-questions.ts) from a case of `records` records, half the questions
// answerable and half refused. Each is warmed up once; the mean and the slowest are printed.
//
//   node bench/assist-officer-help.ts [records] [runs]
import { answerQuestion } from '../src/assist/case-questions.ts'
import { suggest } from '../src/assist/officer-help.ts'
import type { SummaryItem } from '../src/assist/summary.ts'
import { replyTemplates } from '../src/officers/service.ts'

const records = Number(process.argv[2] ?? 500)
const runs = Number(process.argv[3] ?? 20)

const fields = { name: 'Sam Green', crimeRef: '46/12345/26', crimeType: 'Burglary', officer: 'DC Priya Shah' }
const messages = [
  'Hello, is there any update on my case? I have not heard anything for weeks.',
  'He came back last night and said he is going to kill me, and he had a knife.',
  'I want to withdraw my statement. I do not want to go to court.',
  'My neighbour has a doorbell camera video of the man climbing the fence.',
  'When can I get my laptop back? My insurer is asking.',
  'I am scared he will come back to the house.',
  'This is a disgrace, nobody has done anything and I want to complain.',
  'Thanks for letting me know.',
]

function timed(times: number, run: (i: number) => void): { mean: number; slowest: number } {
  run(0)
  let total = 0
  let slowest = 0
  for (let i = 0; i < times; i++) {
    const started = performance.now()
    run(i)
    const ms = performance.now() - started
    total += ms
    slowest = Math.max(slowest, ms)
  }
  return { mean: total / times, slowest }
}

const suggestion = timed(2000, (i) => suggest(messages[i % messages.length]!, fields, replyTemplates))
console.log(
  `suggestions for one message: mean ${suggestion.mean.toFixed(3)} ms, slowest ${suggestion.slowest.toFixed(2)} ms (2,000 messages)`,
)

const phrases = [
  'The officer called the victim and spoke about the CCTV footage from the shop.',
  'Neighbour states a man was seen climbing the fence at the rear.',
  'A red bicycle and a laptop were stolen from the shed.',
  'Status changed from open to pending.',
  'Text message “Crime reference” to the person: delivered.',
  'The person wrote to the officer asking about progress.',
]
const items: SummaryItem[] = Array.from({ length: records }, (_, i) => ({
  id: String(i),
  kind: 'Case record',
  at: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
  title: `Record ${i}`,
  body: `${phrases[i % phrases.length]} Entry ${i}.`,
  href: `#event-${i}`,
}))
const questions = ['What property was stolen?', 'What colour was the getaway car?']
const question = timed(runs, (i) => answerQuestion(questions[i % 2]!, items))
console.log(
  `a case question over ${records} records: mean ${question.mean.toFixed(1)} ms, slowest ${question.slowest.toFixed(1)} ms (${runs} questions)`,
)
