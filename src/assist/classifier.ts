// The chatbot's intent classifier (CRM-7): multinomial naive Bayes over wink-nlp stems and
// bigrams of stems (text.ts), trained in a few milliseconds from a force's knowledge base, so a
// change an administrator makes is used at the next message. Offline: nothing is downloaded.
//
// The confidence is the winning intent's posterior probability scaled by how much of the message
// the knowledge base has seen: naive Bayes alone is sure of itself even about words it has never
// met, and the bot must hand over rather than guess.
import { features } from './text.ts'

export interface TrainingPhrase {
  intent: string
  text: string
}

export interface Classification {
  /** The most likely intent, or null when the message has no word the knowledge base knows. */
  intent: string | null
  /** Between 0 and 1. */
  confidence: number
  /** Every intent, most likely first, with its posterior probability. */
  ranked: { intent: string; probability: number }[]
}

const smoothing = 0.5

export class IntentClassifier {
  readonly #intents: string[]
  readonly #logLikelihood: Map<string, number>[]
  readonly #unseen: number[]
  readonly #vocabulary: Set<string>

  constructor(phrases: TrainingPhrase[]) {
    this.#intents = [...new Set(phrases.map((p) => p.intent))]
    const counts = this.#intents.map(() => new Map<string, number>())
    const totals = this.#intents.map(() => 0)
    this.#vocabulary = new Set()
    for (const p of phrases) {
      const i = this.#intents.indexOf(p.intent)
      for (const f of features(p.text)) {
        counts[i]!.set(f, (counts[i]!.get(f) ?? 0) + 1)
        totals[i]! += 1
        this.#vocabulary.add(f)
      }
    }
    const v = this.#vocabulary.size
    this.#logLikelihood = counts.map((c, i) => {
      const denominator = totals[i]! + smoothing * v
      return new Map([...c].map(([f, n]) => [f, Math.log((n + smoothing) / denominator)]))
    })
    this.#unseen = totals.map((t) => Math.log(smoothing / (t + smoothing * v)))
  }

  get intents(): readonly string[] {
    return this.#intents
  }

  classify(text: string): Classification {
    const known = features(text).filter((f) => this.#vocabulary.has(f))
    if (known.length === 0 || this.#intents.length === 0)
      return {
        intent: null,
        confidence: 0,
        ranked: this.#intents.map((intent) => ({ intent, probability: 0 })),
      }
    // Every intent has the same prior: a knowledge base's intents have as many examples as
    // someone wrote, not as many as people ask.
    const scores = this.#intents.map((_, i) =>
      known.reduce((sum, f) => sum + (this.#logLikelihood[i]!.get(f) ?? this.#unseen[i]!), 0),
    )
    const top = Math.max(...scores)
    const weights = scores.map((s) => Math.exp(s - top))
    const total = weights.reduce((a, b) => a + b, 0)
    const ranked = this.#intents
      .map((intent, i) => ({ intent, probability: weights[i]! / total }))
      .sort((a, b) => b.probability - a.probability)
    const words = features(text).filter((f) => !f.includes(' '))
    const knownWords = known.filter((f) => !f.includes(' ')).length
    const coverage = words.length ? knownWords / words.length : 0
    return {
      intent: ranked[0]!.intent,
      confidence: ranked[0]!.probability * Math.sqrt(coverage),
      ranked,
    }
  }
}
