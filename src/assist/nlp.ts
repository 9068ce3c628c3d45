// wink-nlp over its English lite model (offline, from npm), for Assist's readers: text.ts (the
// chatbot's stems), summary.ts and forms.ts (sentences and stems). Each pipeline is made the first
// time it reads a text, not when its module is imported: making one reads the whole model, about
// a fifth of the CPU of importing src/app.ts, and every process and test file that imported the
// app made three of them, though most never read a sentence.
import { createRequire } from 'node:module'
import type { ItsHelpers, WinkMethods } from 'wink-nlp'

const require = createRequire(import.meta.url)

/**
 * wink-nlp and its model, required on first use too: importing them (their modules, not yet a
 * pipeline) cost every process that imported the app about 0.2 s of CPU.
 */
function wink(): {
  winkNLP: typeof import('wink-nlp').default
  model: typeof import('wink-eng-lite-web-model').default
} {
  return {
    winkNLP: require('wink-nlp') as typeof import('wink-nlp').default,
    model: require('wink-eng-lite-web-model') as typeof import('wink-eng-lite-web-model').default,
  }
}

/**
 * wink-nlp's token and sentence properties: the module every pipeline hands out as `its`, taken
 * without making a pipeline.
 */
export const its = require('wink-nlp/src/its.js') as ItsHelpers

let whole: WinkMethods | undefined
let sentences: WinkMethods | undefined

/** Every step of the model (tokens, stems, stop words, sentences…), made on first use. */
export function wholePipeline(): WinkMethods {
  if (!whole) {
    const { winkNLP, model } = wink()
    whole = winkNLP(model)
  }
  return whole
}

/** The model with only sentence boundaries beyond tokens ('sbd'), made on first use. */
export function sentencePipeline(): WinkMethods {
  if (!sentences) {
    const { winkNLP, model } = wink()
    sentences = winkNLP(model, ['sbd'])
  }
  return sentences
}
