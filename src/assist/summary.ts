// Assist's extractive summariser (CRM-11, CP-120): from a person's or a case's items (CAD log and
// RMS crime updates, status changes, messages, contacts, THRIVE assessments, marker changes) it
// picks the few sentences that say most, and each keeps the item it came from. Offline and
// deterministic: wink-nlp splits sentences and stems words; a sentence scores by how close its
// words are to the whole history's (a TF-IDF centroid, as MEAD does: linear in the number of
// sentences, where TextRank is quadratic), weighted towards recent items and towards words of risk.
// Nothing is written or rephrased: every sentence shown is one a record holds.
import type { ItsFunction, Tokens } from 'wink-nlp'
import { its, sentencePipeline } from './nlp.ts'

// The typings give `its.stem` the model's add-on signature; it is read like any token property.
const stem = its.stem as unknown as ItsFunction<string>
const span = its.span as unknown as ItsFunction<number[]>
const out = <T>(tokens: Tokens, property: ItsFunction<T>) => tokens.out(property) as T[]

/** One record the summary may quote from. */
export interface SummaryItem {
  /** Unique among the items (a timeline key or row id). */
  id: string
  /** What it is, as the page names it: "CAD", "RMS", "Text message", "THRIVE". */
  kind: string
  /** When it happened (ISO 8601). */
  at: string
  /** The item's heading (a reference and event, or a message's subject). */
  title: string
  /** Its words; the title is quoted when there are none. */
  body: string | null
  /** Where it is shown, if anywhere. */
  href: string | null
}

export interface SummarySentence {
  text: string
  item: Pick<SummaryItem, 'id' | 'kind' | 'at' | 'title' | 'href'>
  /** The words of risk it holds (stems), which raised it. */
  risk: boolean
}

export interface SummaryMarker {
  /** The marker's words ("domestic abuse"). */
  text: string
  source: string
  since: string
  /** The item that recorded it, when one of the items did. */
  href: string | null
}

export interface Summary {
  sentences: SummarySentence[]
  markers: SummaryMarker[]
  /** How many items and sentences were read. */
  items: number
  read: number
}

export interface SummaryOptions {
  /** Sentences to pick (5 by default). */
  size?: number
  /** The person's or case's current markers. */
  markers?: { kind: string; sourceSystem: string; addedAt: Date | string }[]
  /** Days over which an item's weight halves (30 by default). */
  halfLifeDays?: number
}

/** Words that mark risk to a person: a sentence holding one weighs more, so it is not missed. */
export const riskWords = [
  'knife',
  'weapon',
  'gun',
  'firearm',
  'threat',
  'threaten',
  'threatened',
  'injury',
  'injured',
  'assault',
  'assaulted',
  'domestic',
  'abuse',
  'safeguarding',
  'vulnerable',
  'vulnerability',
  'suicide',
  'suicidal',
  'self-harm',
  'stalking',
  'harassment',
  'harassed',
  'afraid',
  'scared',
  'frightened',
  'danger',
  'dangerous',
  'breach',
  'marker',
  'missing',
  'deceased',
  'strangled',
  'hit',
  'kill',
]

/** Each word's term: its stem, or '' for a stop word (kept across summaries; bounded). */
const termOf = new Map<string, string>()

/** The stems of the words of risk, read when the first text is. */
let riskStemSet: Set<string> | undefined
function riskStems(): Set<string> {
  riskStemSet ??= new Set(riskWords.flatMap((w) => out(sentencePipeline().readDoc(w).tokens(), stem)))
  return riskStemSet
}

/** A sentence of an item, as read once for a summary or a question (case-questions.ts). */
export interface Candidate {
  text: string
  item: SummaryItem
  /** Its place in the reading order. */
  order: number
  /** Its terms (stems of its words that are not stop words) and how often each occurs. */
  terms: Map<string, number>
  risk: boolean
  weight: number
}

/** A word's term: its stem, or '' for a stop word; cached across readings. */
function termOfToken(normal: string, tokens: Tokens, i: number): string {
  let term = termOf.get(normal)
  if (term === undefined) {
    const token = tokens.itemAt(i)
    term = token.out(its.stopWordFlag) ? '' : String(token.out(stem)).toLowerCase()
    if (termOf.size < 100_000) termOf.set(normal, term)
  }
  return term
}

/**
 * Reads each item once, in the order given: its sentences (wink-nlp's boundaries), each with its
 * terms, and how many sentences hold each term (`df`). `weightOf` gives each item's weight.
 */
export function readSentences(
  items: readonly SummaryItem[],
  weightOf: (item: SummaryItem) => number = () => 1,
): { candidates: Candidate[]; df: Map<string, number> } {
  const candidates: Candidate[] = []
  const df = new Map<string, number>()
  let order = 0
  for (const item of items) {
    const text = (item.body ?? '').trim() || item.title.trim()
    if (!text) continue
    const weight = weightOf(item)
    // One reading of the item: its tokens' words and kinds, and each sentence's span of tokens.
    const doc = sentencePipeline().readDoc(text.length > 2000 ? text.slice(0, 2000) : text)
    const tokens = doc.tokens()
    const normals = out(tokens, its.normal)
    const types = out(tokens, its.type)
    const sentences = doc.sentences()
    const spans = sentences.out(span) as unknown as number[][]
    const texts = sentences.out()
    for (const [s, [first, last]] of spans.entries()) {
      const terms = new Map<string, number>()
      let risk = false
      for (let i = first!; i <= last!; i++) {
        if (types[i] !== 'word' && types[i] !== 'number') continue
        // Stemming is the costly part: each distinct word is stemmed once, for every reading.
        const term = termOfToken(normals[i]!, tokens, i)
        if (term.length < 2) continue
        terms.set(term, (terms.get(term) ?? 0) + 1)
        if (riskStems().has(term)) risk = true
      }
      if (terms.size === 0) continue
      for (const t of terms.keys()) df.set(t, (df.get(t) ?? 0) + 1)
      candidates.push({ text: texts[s]!.trim(), item, order: order++, terms, risk, weight })
    }
  }
  return { candidates, df }
}

/** The terms of a short text (a question), as readSentences counts them, in order. */
export function termsOf(text: string): string[] {
  const tokens = sentencePipeline().readDoc(text).tokens()
  const normals = out(tokens, its.normal)
  const types = out(tokens, its.type)
  const terms: string[] = []
  for (let i = 0; i < normals.length; i++) {
    if (types[i] !== 'word' && types[i] !== 'number') continue
    const term = termOfToken(normals[i]!, tokens, i)
    if (term.length >= 2) terms.push(term)
  }
  return terms
}

const dayMs = 86_400_000

/**
 * The summary of `items`: at most `size` sentences, newest first, each with its item; and the
 * markers, each linked to the item that added it when there is one. The same items give the same
 * summary (ties fall to the newer item, then the item id, then the sentence's place).
 */
export function summarise(items: readonly SummaryItem[], options: SummaryOptions = {}): Summary {
  const size = options.size ?? 5
  const halfLife = (options.halfLifeDays ?? 30) * dayMs
  const sorted = [...items].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1))
  const newest = sorted.length ? Date.parse(sorted[0]!.at) : 0
  const { candidates, df } = readSentences(
    sorted,
    (item) => 0.5 ** Math.max(0, (newest - Date.parse(item.at)) / halfLife),
  )
  const n = candidates.length
  const idf = new Map<string, number>()
  for (const [t, d] of df) idf.set(t, Math.log(1 + n / d))
  // The centroid: every term's weight across the whole history.
  const centroid = new Map<string, number>()
  for (const c of candidates)
    for (const [t, f] of c.terms) centroid.set(t, (centroid.get(t) ?? 0) + f * idf.get(t)!)
  let centroidNorm = 0
  for (const v of centroid.values()) centroidNorm += v * v
  centroidNorm = Math.sqrt(centroidNorm) || 1
  const scored = candidates.map((c) => {
    let dot = 0
    let norm = 0
    for (const [t, f] of c.terms) {
      const w = f * idf.get(t)!
      dot += w * centroid.get(t)!
      norm += w * w
    }
    // Central (cosine to the centroid), informative (more distinct terms, up to a point), recent,
    // and risk first.
    const central = dot / ((Math.sqrt(norm) || 1) * centroidNorm)
    const informative = Math.min(1, c.terms.size / 6)
    const score = (central + 0.5 * informative) * (0.4 + 0.6 * c.weight) + (c.risk ? 1 : 0)
    return { c, score }
  })
  scored.sort((a, b) => b.score - a.score || a.c.order - b.c.order)
  const chosen: Candidate[] = []
  const perItem = new Map<string, number>()
  for (const { c } of scored) {
    if (chosen.length >= size) break
    if ((perItem.get(c.item.id) ?? 0) >= 2) continue
    if (chosen.some((o) => o.text === c.text || overlap(o.terms, c.terms) > 0.6)) continue
    chosen.push(c)
    perItem.set(c.item.id, (perItem.get(c.item.id) ?? 0) + 1)
  }
  chosen.sort((a, b) => a.order - b.order)
  return {
    sentences: chosen.map((c) => ({
      text: c.text,
      item: { id: c.item.id, kind: c.item.kind, at: c.item.at, title: c.item.title, href: c.item.href },
      risk: c.risk,
    })),
    markers: (options.markers ?? []).map((m) => {
      const text = m.kind.replace(/_/g, ' ')
      const added = sorted.find((i) => (i.body ?? i.title).includes(`Marker added: ${text}`))
      return {
        text,
        source: m.sourceSystem,
        since: new Date(m.addedAt).toISOString(),
        href: added?.href ?? null,
      }
    }),
    items: sorted.length,
    read: n,
  }
}

/** The share of the smaller sentence's terms that the other holds too. */
function overlap(a: Map<string, number>, b: Map<string, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  let shared = 0
  for (const t of small.keys()) if (large.has(t)) shared++
  return shared / (small.size || 1)
}
