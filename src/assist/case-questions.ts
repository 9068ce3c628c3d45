// Questions an officer asks about a case (CP-121), answered only from that case's records by
// extractive retrieval: the records are read into sentences as the summariser reads them
// (summary.ts `readSentences`), each sentence scores by how much of the question's weight its
// terms cover (a term's weight is its rarity across the case's sentences, and a few groups of
// words stand for one another: "contacted" finds "called" and "sent"), and at most three
// sentences that cover enough are quoted word for word, each citing its record. Nothing above the
// threshold: "The records do not say". Offline and deterministic.
import { type Candidate, readSentences, type SummaryItem, termsOf } from './summary.ts'

/** The longest question an officer may ask, in characters. */
export const questionMaxLength = 200

/** The share of a question's weight a sentence must cover to be quoted. */
export const answerThreshold = 0.5

export const refusal = 'The records do not say.'

export interface CaseAnswer {
  answered: boolean
  /** The sentences quoted, each with the record it is from. */
  sentences: {
    text: string
    score: number
    item: Pick<SummaryItem, 'id' | 'kind' | 'at' | 'title' | 'href'>
  }[]
  /** How many sentences of the case's records were read. */
  read: number
}

// Words that stand for one another in questions about a case (as stems, below).
const groups = [
  [
    'contact',
    'call',
    'phone',
    'rang',
    'ring',
    'text',
    'email',
    'sent',
    'spoke',
    'speak',
    'visit',
    'letter',
    'told',
    'message',
  ],
  [
    'property',
    'stolen',
    'stole',
    'steal',
    'taken',
    'took',
    'theft',
    'item',
    'belongings',
    'recovered',
    'missing',
  ],
  ['suspect', 'offender', 'arrested', 'arrest', 'accused', 'perpetrator', 'charged'],
  ['injury', 'injured', 'hurt', 'hospital', 'wound'],
  ['witness', 'saw', 'seen', 'cctv', 'footage', 'camera'],
  ['status', 'open', 'closed', 'outcome'],
  ['officer', 'investigating', 'investigator'],
  ['victim', 'person'],
]
/**
 * Each stem's group of stems, and the terms that every case's records hold (they count, but too
 * little to answer a question alone): read with the summariser's pipeline when the first question
 * is asked, not when the module is imported (src/assist/nlp.ts).
 */
let terms: { groupOf: Map<string, Set<string>>; generic: Set<string> } | undefined
function questionTerms(): { groupOf: Map<string, Set<string>>; generic: Set<string> } {
  if (terms) return terms
  const groupOf = new Map<string, Set<string>>()
  for (const words of groups) {
    const stems = new Set(words.flatMap((w) => termsOf(w)))
    for (const s of stems) groupOf.set(s, new Set([...(groupOf.get(s) ?? []), ...stems]))
  }
  const generic = new Set(
    ['victim', 'person', 'case', 'crime', 'polic', 'offic', 'record'].flatMap((w) => termsOf(w)),
  )
  terms = { groupOf, generic }
  return terms
}

/** Answers `question` from `items` (the case's records), or refuses when nothing covers enough. */
export function answerQuestion(question: string, items: readonly SummaryItem[]): CaseAnswer {
  const { groupOf, generic } = questionTerms()
  const { candidates } = readSentences(items)
  const asked = [...new Set(termsOf(question))]
  if (asked.length === 0) return { answered: false, sentences: [], read: candidates.length }
  const n = candidates.length
  const expanded = asked.map((q) => groupOf.get(q) ?? new Set([q]))
  const holds = (c: Candidate, i: number) => [...expanded[i]!].some((t) => c.terms.has(t))
  // A question term's weight: how rare its group of words is among the case's sentences.
  const weights = asked.map((q, i) => {
    const df = candidates.filter((c) => holds(c, i)).length
    return Math.log(1 + n / (1 + df)) * (generic.has(q) ? 0.25 : 1)
  })
  const total = weights.reduce((a, b) => a + b, 0) || 1
  const when = /^\s*when\b|\b(last|latest|most recent|recently)\b/i.test(question)
  const scored = candidates
    .map((c) => {
      let covered = 0
      let specific = false
      asked.forEach((q, i) => {
        if (!holds(c, i)) return
        covered += weights[i]!
        if (!generic.has(q)) specific = true
      })
      return { c, score: covered / total, specific }
    })
    .filter((s) => s.specific && s.score >= answerThreshold)
  // "When" and "last" questions want the newest record first; others the best covered.
  scored.sort((a, b) =>
    when
      ? b.c.item.at.localeCompare(a.c.item.at) || b.score - a.score || a.c.order - b.c.order
      : b.score - a.score || b.c.item.at.localeCompare(a.c.item.at) || a.c.order - b.c.order,
  )
  const chosen: typeof scored = []
  for (const s of scored) {
    if (chosen.length >= 3) break
    if (chosen.some((o) => o.c.item.id === s.c.item.id || o.c.text === s.c.text)) continue
    chosen.push(s)
  }
  return {
    answered: chosen.length > 0,
    sentences: chosen.map(({ c, score }) => ({
      text: c.text,
      score: Math.round(score * 100) / 100,
      item: { id: c.item.id, kind: c.item.kind, at: c.item.at, title: c.item.title, href: c.item.href },
    })),
    read: n,
  }
}
