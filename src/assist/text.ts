// What Assist reads in a sentence (CRM-7): wink-nlp's English lite model (offline, from npm)
// splits it into tokens, expands contractions and stems each word; the classifier sees the stems
// of the words that carry meaning and the pairs of them that follow one another.
import { its, wholePipeline } from './nlp.ts'

// Words wink-nlp counts as stop words that still change what a person is asking for.
const kept = new Set(['not', 'no', 'never', 'someone', 'person', 'human', 'call', 'back', 'myself', 'now'])

/** The stems of a sentence's meaningful words, in order. */
export function stems(text: string): string[] {
  const doc = wholePipeline().readDoc(text.toLowerCase())
  const types = doc.tokens().out(its.type) as string[]
  const normals = doc.tokens().out(its.normal) as string[]
  // wink-nlp's typings give `its.stem` the model add-ons' signature; on tokens it is like the others.
  const stemmed = doc.tokens().out(its.stem as unknown as typeof its.normal) as string[]
  const stop = doc.tokens().out(its.stopWordFlag) as boolean[]
  const out: string[] = []
  for (let i = 0; i < types.length; i += 1) {
    if (types[i] !== 'word' && types[i] !== 'number') continue
    const normal = normals[i] ?? ''
    if (stop[i] && !kept.has(normal)) continue
    out.push(kept.has(normal) ? normal : (stemmed[i] ?? normal))
  }
  return out
}

/** The features the classifier counts: each stem and each pair of neighbouring stems. */
export function features(text: string): string[] {
  const s = stems(text)
  const out = [...s]
  for (let i = 1; i < s.length; i += 1) out.push(`${s[i - 1]} ${s[i]}`)
  return out
}
