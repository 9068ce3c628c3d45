// Assist's embedded transcriber (CRM-22, CRM-6; decision 0041): offline speech to text with
// Debian's CMU PocketSphinx (`pocketsphinx_continuous`) and its US English acoustic model, run as a
// child process with a time limit. Nothing is downloaded: the binary and the model come from the
// machine's packages (.ci/run installs them). Input is a RIFF WAV of 8- or 16-bit PCM at any rate
// and any number of channels; it is mixed to mono and resampled to 16 kHz 16-bit here, in
// TypeScript, with a windowed-sinc low-pass filter so that nothing above 8 kHz folds back.
//
// PocketSphinx's general US English language model recognises synthetic and telephone speech
// poorly (decision 0041 has the figures). A transcriber built with `phrases` listens instead for
// the words of those phrases: a small bigram language model (speech-model.ts) built from them,
// written to a private temporary folder once, and reused for every recording.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DictionaryWords, languageModel } from './speech-model.ts'

/** Where Debian's pocketsphinx-en-us puts the model. */
export const modelDirectory = '/usr/share/pocketsphinx/model/en-us/en-us'
export const pocketsphinxBinary = 'pocketsphinx_continuous'

export const audioLimits = {
  /** The largest WAV accepted: two minutes of 16-bit mono at 22.05 kHz with room to spare. */
  bytes: 6 * 1024 * 1024,
  /** The longest recording transcribed. */
  seconds: 120,
  /** The shortest: anything less holds no words. */
  minSeconds: 0.2,
} as const

export class AudioError extends Error {
  override readonly name = 'AudioError'
}

export interface Pcm {
  sampleRate: number
  /** Mono samples, -32768..32767. */
  samples: Int16Array
}

/** Reads a RIFF WAV of PCM (format 1 or extensible PCM), 8 or 16 bits, any channels, mixed to mono. */
export function readWav(buffer: Buffer): Pcm {
  if (
    buffer.length < 44 ||
    buffer.toString('ascii', 0, 4) !== 'RIFF' ||
    buffer.toString('ascii', 8, 12) !== 'WAVE'
  )
    throw new AudioError('The recording is not a WAV file (RIFF WAVE)')
  let offset = 12
  let format: { code: number; channels: number; rate: number; bits: number } | undefined
  let data: Buffer | undefined
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4)
    // espeak-ng writes 0x7ffffffff-style sizes when streaming; a chunk never runs past the file.
    const size = Math.min(buffer.readUInt32LE(offset + 4), buffer.length - offset - 8)
    const body = buffer.subarray(offset + 8, offset + 8 + size)
    if (id === 'fmt ' && size >= 16) {
      let code = body.readUInt16LE(0)
      if (code === 0xfffe && size >= 26) code = body.readUInt16LE(24)
      format = {
        code,
        channels: body.readUInt16LE(2),
        rate: body.readUInt32LE(4),
        bits: body.readUInt16LE(14),
      }
    } else if (id === 'data') {
      data = body
      break
    }
    offset += 8 + size + (size % 2)
  }
  if (!format) throw new AudioError('The WAV file has no format chunk')
  if (!data) throw new AudioError('The WAV file has no audio data')
  if (format.code !== 1) throw new AudioError('The WAV file must be PCM (not compressed)')
  if (format.bits !== 16 && format.bits !== 8) throw new AudioError('The WAV file must be 8- or 16-bit PCM')
  if (format.channels < 1 || format.channels > 8)
    throw new AudioError('The WAV file must have 1 to 8 channels')
  if (format.rate < 8000 || format.rate > 96000)
    throw new AudioError('The WAV file’s sample rate must be between 8 kHz and 96 kHz')
  const bytes = format.bits / 8
  const frames = Math.floor(data.length / (bytes * format.channels))
  const samples = new Int16Array(frames)
  for (let f = 0; f < frames; f += 1) {
    let sum = 0
    for (let c = 0; c < format.channels; c += 1) {
      const at = (f * format.channels + c) * bytes
      sum += bytes === 2 ? data.readInt16LE(at) : (data.readUInt8(at) - 128) << 8
    }
    samples[f] = Math.round(sum / format.channels)
  }
  return { sampleRate: format.rate, samples }
}

/**
 * Resamples to `rate` with a Hann-windowed sinc filter whose cut-off is the lower Nyquist
 * frequency (band-limited interpolation), so a 22.05 kHz or 44.1 kHz recording keeps its speech
 * band and drops what 16 kHz cannot hold.
 */
export function resample(pcm: Pcm, rate: number): Pcm {
  if (pcm.sampleRate === rate) return pcm
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
  const g = gcd(pcm.sampleRate, rate)
  // Output sample i sits at input position i × down / up: its phase, (i × down) mod up, repeats, so
  // each phase's taps are worked out once.
  const up = rate / g
  const down = pcm.sampleRate / g
  const cutoff = Math.min(1, rate / pcm.sampleRate) * 0.95
  const width = Math.ceil(16 / cutoff) // taps each side: 16 zero crossings of the filter
  const kernels = new Map<number, Float64Array>()
  const kernel = (phase: number): Float64Array => {
    let k = kernels.get(phase)
    if (k) return k
    k = new Float64Array(2 * width)
    const fraction = phase / up
    let sum = 0
    for (let n = 0; n < 2 * width; n += 1) {
      const distance = fraction - (n - width + 1) // x − j, with j = centre − width + 1 + n
      const t = distance * cutoff
      const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t)
      const window = 0.5 + 0.5 * Math.cos((Math.PI * distance) / (width + 1))
      k[n] = sinc * window
      sum += k[n]!
    }
    for (let n = 0; n < k.length; n += 1) k[n]! /= sum
    kernels.set(phase, k)
    return k
  }
  const input = pcm.samples
  const length = Math.floor((input.length * up) / down)
  const out = new Int16Array(length)
  for (let i = 0; i < length; i += 1) {
    const position = i * down
    const centre = Math.floor(position / up)
    const k = kernel(position % up)
    const first = centre - width + 1
    let value = 0
    for (let n = 0; n < k.length; n += 1) {
      const j = first + n
      if (j >= 0 && j < input.length) value += input[j]! * k[n]!
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(value)))
  }
  return { sampleRate: rate, samples: out }
}

/** A 16-bit mono PCM WAV of `pcm`. */
export function writeWav(pcm: Pcm): Buffer {
  const data = Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVE', 8, 'ascii')
  header.write('fmt ', 12, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(pcm.sampleRate, 24)
  header.writeUInt32LE(pcm.sampleRate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

/** A recording read and checked against the limits (size, length), refused with an AudioError. */
export function checkedRecording(wav: Buffer): { pcm: Pcm; seconds: number } {
  if (wav.length > audioLimits.bytes)
    throw new AudioError(`The recording must be ${audioLimits.bytes / 1024 / 1024} MB or smaller`)
  const pcm = readWav(wav)
  const seconds = pcm.samples.length / pcm.sampleRate
  if (seconds > audioLimits.seconds)
    throw new AudioError(`The recording must be ${audioLimits.seconds} seconds or shorter`)
  if (seconds < audioLimits.minSeconds) throw new AudioError('The recording is too short to hold any words')
  return { pcm, seconds }
}

/** The recording as PocketSphinx reads it: 16 kHz mono 16-bit, checked for length. */
export function toSpeechInput(wav: Buffer): { wav: Buffer; seconds: number } {
  const { pcm, seconds } = checkedRecording(wav)
  return { wav: writeWav(resample(pcm, 16000)), seconds }
}

export interface Transcript {
  /** Lower-case words, as recognised; empty when none were. */
  text: string
  /** Length of the recording. */
  audioSeconds: number
  /** Time taken to transcribe it. */
  elapsedSeconds: number
  /** Which recogniser and language model produced it. */
  engine: string
}

export interface TranscriberOptions {
  /** Phrases whose words the recogniser listens for (a domain language model); none: the general model. */
  phrases?: readonly string[]
  /** Language-model weight (PocketSphinx `-lw`; its default is 6.5). */
  languageWeight?: number
  /** The longest a transcription may run before it is stopped. */
  timeoutMs?: number
  /** The model directory (Debian's by default). */
  model?: string
  /** Further PocketSphinx options (front end, search), as name and value pairs. */
  tuning?: readonly string[]
}

/** Runs `pocketsphinx_continuous` on a file, with a time limit; its standard output is the words. */
function runPocketsphinx(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(pocketsphinxBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let errLength = 0
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      // Its log is long; only the end says why it failed.
      err.push(chunk)
      errLength += chunk.length
      while (errLength > 8192 && err.length > 1) errLength -= err.shift()!.length
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`Transcription took longer than ${timeoutMs} ms and was stopped`))
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`The speech recogniser could not start: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (signal) return
      if (code !== 0) {
        const tail = Buffer.concat(err)
          .toString('utf8')
          .split('\n')
          .filter((l) => /ERROR|FATAL/.test(l))
        reject(
          new Error(`The speech recogniser failed (exit ${code}): ${tail.slice(-2).join(' ').slice(0, 300)}`),
        )
        return
      }
      resolve(Buffer.concat(out).toString('utf8'))
    })
  })
}

/** The words of one or more recognised utterances, lower-cased on one line. */
export function wordsOf(output: string): string {
  return (
    output
      .split('\n')
      .map((line) => line.trim())
      // pocketsphinx_continuous prints each utterance's hypothesis on its own line.
      .filter((line) => line && !/^(INFO|ERROR|WARN|FATAL)/.test(line))
      .join(' ')
      .replace(/\(\d+\)/g, '')
      .replace(/<[^>]+>|\[[^\]]+\]/g, '')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .trim()
  )
}

/**
 * One recogniser: the model and, with `phrases`, its own language model and dictionary, written
 * once to a private temporary folder. `close` removes the folder.
 */
export class Transcriber {
  readonly #options: Required<TranscriberOptions>
  #prepared: Promise<{ dir: string; args: string[]; engine: string }> | undefined

  constructor(options: TranscriberOptions = {}) {
    this.#options = {
      phrases: options.phrases ?? [],
      languageWeight: options.languageWeight ?? 6.5,
      timeoutMs: options.timeoutMs ?? 30_000,
      model: options.model ?? modelDirectory,
      tuning: options.tuning ?? [],
    }
  }

  #prepare(): Promise<{ dir: string; args: string[]; engine: string }> {
    this.#prepared ??= (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'waypoint-speech-'))
      const model = this.#options.model
      const args = ['-hmm', model, '-lw', String(this.#options.languageWeight), ...this.#options.tuning]
      if (this.#options.phrases.length === 0) {
        args.push('-lm', join(model, '..', 'en-us.lm.bin'), '-dict', join(model, '..', 'cmudict-en-us.dict'))
        return { dir, args, engine: 'pocketsphinx en-us, general language model' }
      }
      const dictionary = await DictionaryWords.load(join(model, '..', 'cmudict-en-us.dict'))
      const built = languageModel(this.#options.phrases, dictionary)
      await writeFile(join(dir, 'domain.lm'), built.arpa)
      await writeFile(join(dir, 'domain.dict'), built.dictionary)
      args.push('-lm', join(dir, 'domain.lm'), '-dict', join(dir, 'domain.dict'))
      return { dir, args, engine: `pocketsphinx en-us, domain language model of ${built.words} words` }
    })()
    return this.#prepared
  }

  /** Transcribes one WAV recording. Refuses audio that is not a usable WAV (AudioError). */
  async transcribe(wav: Buffer): Promise<Transcript> {
    const input = toSpeechInput(wav)
    const started = performance.now()
    const { dir, args, engine } = await this.#prepare()
    const file = join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}.wav`)
    await writeFile(file, input.wav)
    try {
      const output = await runPocketsphinx([...args, '-infile', file], this.#options.timeoutMs)
      return {
        text: wordsOf(output),
        audioSeconds: Math.round(input.seconds * 100) / 100,
        elapsedSeconds: Math.round((performance.now() - started) / 10) / 100,
        engine,
      }
    } finally {
      await rm(file, { force: true })
    }
  }

  async close(): Promise<void> {
    const prepared = this.#prepared
    this.#prepared = undefined
    if (prepared) await rm((await prepared).dir, { recursive: true, force: true })
  }
}

/** Word error rate: word-level edit distance (substitutions, insertions, deletions) over the reference's words. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9' ]+/g, ' ')
      .split(/\s+/)
      .filter(Boolean)
  const ref = norm(reference)
  const hyp = norm(hypothesis)
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j)
  for (let i = 1; i <= ref.length; i += 1) {
    const row = [i]
    for (let j = 1; j <= hyp.length; j += 1)
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1),
      )
    previous = row
  }
  return { errors: previous[hyp.length]!, words: ref.length }
}
