// A small language model for the transcriber (CRM-22, CRM-6; decision 0041): a bigram model in
// ARPA format, with absolute discounting and back-off to add-one unigrams, built in a few
// milliseconds from phrases (the force's chatbot knowledge base and the spoken danger phrases), and
// the pronunciations of its words from PocketSphinx's CMU dictionary. Words the dictionary does not
// have are left out: the recogniser cannot say them.
import { readFile } from 'node:fs/promises'

/** The CMU pronouncing dictionary, as PocketSphinx reads it: each word and its pronunciations. */
export class DictionaryWords {
  static readonly #loaded = new Map<string, Promise<DictionaryWords>>()
  readonly #entries: Map<string, string[]>

  private constructor(entries: Map<string, string[]>) {
    this.#entries = entries
  }

  /** Reads a dictionary once per process (about 130,000 words). */
  static load(path: string): Promise<DictionaryWords> {
    let found = DictionaryWords.#loaded.get(path)
    if (!found) {
      found = readFile(path, 'utf8').then((text) => {
        const entries = new Map<string, string[]>()
        for (const line of text.split('\n')) {
          const space = line.indexOf(' ')
          if (space <= 0) continue
          const word = line.slice(0, space).replace(/\(\d+\)$/, '')
          const phones = line.slice(space + 1).trim()
          const list = entries.get(word)
          if (list) list.push(phones)
          else entries.set(word, [phones])
        }
        return new DictionaryWords(entries)
      })
      DictionaryWords.#loaded.set(path, found)
    }
    return found
  }

  /** A dictionary of the given words only (tests). */
  static of(entries: Record<string, string[]>): DictionaryWords {
    return new DictionaryWords(new Map(Object.entries(entries)))
  }

  has(word: string): boolean {
    return this.#entries.has(word)
  }

  pronunciations(word: string): string[] {
    return this.#entries.get(word) ?? []
  }
}

/** The words of a phrase as the dictionary spells them: lower case, apostrophes kept. */
export function speechWords(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^a-z0-9' -]+/g, ' ')
    .replace(/-/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter(Boolean)
}

const discount = 0.5
const log10 = (p: number) => Math.log10(p).toFixed(4)

/** The ARPA bigram model and the dictionary of its words. */
export function languageModel(
  phrases: readonly string[],
  dictionary: DictionaryWords,
): { arpa: string; dictionary: string; words: number } {
  const sentences = phrases
    .map((p) => speechWords(p).filter((w) => dictionary.has(w)))
    .filter((s) => s.length)
  const unigrams = new Map<string, number>()
  const bigrams = new Map<string, Map<string, number>>()
  const histories = new Map<string, number>()
  for (const sentence of sentences) {
    const tokens = ['<s>', ...sentence, '</s>']
    for (let i = 1; i < tokens.length; i += 1) {
      const [h, w] = [tokens[i - 1]!, tokens[i]!]
      unigrams.set(w, (unigrams.get(w) ?? 0) + 1)
      histories.set(h, (histories.get(h) ?? 0) + 1)
      const next = bigrams.get(h) ?? new Map<string, number>()
      next.set(w, (next.get(w) ?? 0) + 1)
      bigrams.set(h, next)
    }
  }
  const vocabulary = [...unigrams.keys()].sort()
  const total = [...unigrams.values()].reduce((a, b) => a + b, 0)
  const p1 = (w: string) => ((unigrams.get(w) ?? 0) + 1) / (total + vocabulary.length)
  const backoff = (h: string): number => {
    const next = bigrams.get(h)
    const count = histories.get(h) ?? 0
    if (!next || count === 0) return 1
    const left = (discount * next.size) / count
    const covered = [...next.keys()].reduce((sum, w) => sum + p1(w), 0)
    return left / Math.max(1e-9, 1 - covered)
  }
  const unigramLines = [`-99 <s> ${log10(backoff('<s>'))}`]
  for (const w of vocabulary)
    unigramLines.push(w === '</s>' ? `${log10(p1(w))} </s>` : `${log10(p1(w))} ${w} ${log10(backoff(w))}`)
  const bigramLines: string[] = []
  for (const [h, next] of [...bigrams].sort(([a], [b]) => a.localeCompare(b)))
    for (const [w, c] of [...next].sort(([a], [b]) => a.localeCompare(b)))
      bigramLines.push(`${log10((c - discount) / histories.get(h)!)} ${h} ${w}`)
  const arpa = [
    '\\data\\',
    `ngram 1=${unigramLines.length}`,
    `ngram 2=${bigramLines.length}`,
    '',
    '\\1-grams:',
    ...unigramLines,
    '',
    '\\2-grams:',
    ...bigramLines,
    '',
    '\\end\\',
    '',
  ].join('\n')
  const words = vocabulary.filter((w) => w !== '</s>')
  const lines: string[] = []
  for (const w of words)
    dictionary.pronunciations(w).forEach((phones, i) => {
      lines.push(`${i === 0 ? w : `${w}(${i + 1})`} ${phones}`)
    })
  return { arpa, dictionary: `${lines.join('\n')}\n`, words: words.length }
}
