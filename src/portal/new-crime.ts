// Spotting a new crime in a person's message to their officer (CP-84) and telling them where to
// report it (CP-85). The default is a set of rules a force can read and change without code (kept
// as JSON in its portal message settings): each rule names what it looks for (phrases, with `*`
// for any word ending) and, optionally, words that must come with it in the same sentence (that
// it is happening now or again, or happened to someone since). A sentence that says nothing new
// has happened, or only talks about the crime already reported, is left out. A match is
// explained: the rule, and the words that matched it. `bench/new-crime.ts` prints its precision
// and recall on a labelled set.

export interface NewCrimeRule {
  /** A short name a force recognises ("threats", "criminal damage"). */
  id: string
  /** What the rule is for, shown to staff beside a match. */
  label: string
  /** Any of these in a sentence (case and spacing ignored; `*` matches any word ending). */
  phrases: string[]
  /** When given, the same sentence must also hold one of these (it is new, or happening again). */
  withAny?: string[]
}

export interface NewCrimeRules {
  rules: NewCrimeRule[]
  /** A sentence holding any of these is never read as a new crime (negations, the reported crime). */
  unless: string[]
  /** A question ("Is the order still in place?") is not read as a report. */
  questionsAreNotReports: boolean
  /** What the person is told when their message reads as a new crime (CP-85). */
  signpost: { text: string; reportUrl: string }
}

export interface NewCrimeVerdict {
  newCrime: boolean
  /** `rule id: "matched words"`, for staff and for the audit of why the person was signposted. */
  because: string | null
}

/** Words that make a sentence about something that has just happened, or is happening again. */
const recently = [
  'again',
  'last night',
  'this morning',
  'this afternoon',
  'this evening',
  'tonight',
  'today',
  'yesterday',
  'just now',
  'right now',
  'since',
  'another',
  'at the moment',
  'currently',
  'keeps',
  'keep',
  'still',
  'now',
  'new',
  'earlier',
  'over the weekend',
  'on monday',
  'on tuesday',
  'on wednesday',
  'on thursday',
  'on friday',
  'on saturday',
  'on sunday',
  'this week',
  'a few minutes ago',
  'an hour ago',
  'outside',
  'has started',
  'started',
  'turned up',
  'came back',
  'come back',
  'overnight',
  'at night',
  'every night',
  'every evening',
  'last week',
  'this week',
  'just',
  'have been',
  'has been',
  'am being',
  'is being',
  'on my way',
  'on his way',
  'on her way',
  'at 1am',
  'at 2am',
  'at 3am',
  'at 4am',
  'at 5am',
  'for the last',
]

export const defaultNewCrimeRules: NewCrimeRules = {
  rules: [
    {
      id: 'threats',
      label: 'Threats to hurt or kill',
      phrases: [
        'threaten*',
        'said he would kill',
        'said she would kill',
        'said they would kill',
        'going to kill',
        'gonna kill',
        'will kill me',
        'kill me',
        'hurt me',
        'going to hurt',
        'will hurt',
        'hurt the children',
        'would get me',
        'threatening calls',
        'threatening messages',
        'death threat*',
        'burn the house',
        'burn my house',
      ],
    },
    {
      id: 'violence',
      label: 'Someone was assaulted',
      phrases: [
        'assault*',
        'punch*',
        'hit me',
        'hit my',
        'kicked me',
        'kicked my son',
        'kicked my daughter',
        'attack*',
        'beat me',
        'beaten',
        'strangl*',
        'pushed me',
        'grabbed me',
        'stabbed',
        'slapped',
        'headbutt*',
        'beaten up',
        'hit by',
        'thrown at me',
        'spat at',
        'pushed over',
        'knife point',
        'with a knife',
      ],
      withAny: recently,
    },
    {
      id: 'break-in',
      label: 'A break-in or theft',
      phrases: [
        'broke in',
        'broken into',
        'break in',
        'burgl*',
        'stole',
        'stolen',
        'nicked',
        'robbed',
        'mugged',
        'took my',
        'taken my',
        'taken from him',
        'taken from her',
        'shoplift*',
        'tried to break in',
      ],
      withAny: recently,
    },
    {
      id: 'damage',
      label: 'Criminal damage or arson',
      phrases: [
        'smashed',
        'slashed',
        'keyed my',
        'graffiti',
        'set fire',
        'set alight',
        'on fire',
        'vandalis*',
        'damaged my',
        'kicked in',
        'kicked the door',
        'broke my window',
        'brick through',
        'scratched my car',
        'thrown at my window',
        'broke a window',
        'lock is broken',
        'my window',
      ],
      withAny: recently,
    },
    {
      id: 'harassment',
      label: 'Harassment, stalking or breach of an order',
      phrases: [
        'following me',
        'followed me',
        'stalk*',
        'harass*',
        'watching my house',
        'watching the house',
        'outside my house',
        'outside my home',
        'outside my flat',
        'keeps calling',
        'keeps messaging',
        'keeps texting',
        'messaged me',
        'texted me',
        'contacted me',
        'turned up at',
        'breach*',
        'bail conditions',
        'restraining order',
        'non-molestation',
        'not supposed to contact',
        'contacting me',
        'contacting my',
        'tracking my',
        'banging',
        'at my door',
        'followed home',
        'following me',
        'threatening me',
      ],
      withAny: recently,
    },
    {
      id: 'online-abuse',
      label: 'Abuse or threats online',
      phrases: [
        'fake profile',
        'posted my',
        'shared my photo*',
        'shared pictures',
        'share the pictures',
        'told to pay',
        'sextort*',
        'blackmail*',
      ],
    },
    {
      id: 'fraud',
      label: 'Fraud',
      phrases: ['scam*', 'fraud*', 'took money from my account', 'money was taken', 'money taken', 'conned'],
      withAny: recently,
    },
  ],
  unless: [
    'still in place',
    'the day it was',
    'nothing else has happened',
    'nothing has happened',
    'nothing new',
    'no further',
    'no more',
    "hasn't happened again",
    'has not happened again',
    "haven't seen",
    'have not seen',
    "hasn't contacted",
    'has not contacted',
    "hasn't been back",
    'has not been back',
    "haven't heard",
    'have not heard',
    'not been any',
    "haven't been any",
    'no sign of',
    'the burglary i reported',
    'the theft i reported',
    'the assault i reported',
    'the incident i reported',
    'when i reported',
    'in my statement',
    'my statement',
    'what i reported',
    'the original',
    'at the time of',
    'crime reference',
    'update on',
    'any update',
    'any news',
    'insurance',
    'compensation',
    'court date',
    'victim personal statement',
    'worried that',
    'worried they',
    'scared that',
    'afraid that',
    'in case',
    'what if',
    'should i',
    'could i',
    'would it',
  ],
  questionsAreNotReports: true,
  signpost: {
    text: 'If something new has happened, report it separately so it can be dealt with: your officer may not read this message straight away. If you are in danger now, call 999. Otherwise report it online or call 101.',
    reportUrl: 'https://www.police.uk/pu/contact-us/report-a-crime/',
  },
}

/** Lower case, curly quotes straight, runs of space as one. */
function normalise(text: string, keep = ''): string {
  return ` ${text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(keep ? /[^a-z0-9' *-]+/g : /[^a-z0-9' -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `
}

function phrasePattern(phrase: string): RegExp {
  const words = normalise(phrase, '*')
    .trim()
    .split(' ')
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '*' ? '[a-z]*' : `\\${c}`)))
  return new RegExp(`(?<=\\s)${words.join(' ')}(?=\\s)`)
}

const compiled = new Map<string, NewCrimeDetector>()

/**
 * The detector for these rules, compiled once per process for each set of rules seen (a force's
 * settings are read afresh for every message, so the same rules arrive as new objects): building
 * the patterns cost more than reading a message with them. At most 64 sets are kept; a force that
 * edits its rules gets a new entry, and the oldest is dropped.
 */
export function newCrimeDetectorFor(rules: NewCrimeRules = defaultNewCrimeRules): NewCrimeDetector {
  const key = JSON.stringify(rules)
  let detector = compiled.get(key)
  if (!detector) {
    detector = new NewCrimeDetector(rules)
    if (compiled.size >= 64) compiled.delete(compiled.keys().next().value as string)
    compiled.set(key, detector)
  }
  return detector
}

/** Compiles a force's rules once; `check` then reads each message. */
export class NewCrimeDetector {
  readonly #rules: { rule: NewCrimeRule; phrases: RegExp[]; withAny: RegExp[] }[]
  readonly #unless: RegExp[]
  readonly #questions: boolean

  constructor(rules: NewCrimeRules = defaultNewCrimeRules) {
    this.#questions = rules.questionsAreNotReports
    this.#rules = rules.rules.map((rule) => ({
      rule,
      phrases: rule.phrases.map(phrasePattern),
      withAny: (rule.withAny ?? []).map(phrasePattern),
    }))
    this.#unless = rules.unless.map(phrasePattern)
  }

  check(message: string): NewCrimeVerdict {
    for (const sentence of message.split(/(?<=[.!?\n])\s*|\s+but\s+/i)) {
      const s = normalise(sentence)
      if (s.trim() === '' || this.#unless.some((u) => u.test(s))) continue
      if (this.#questions && sentence.trim().endsWith('?')) continue
      for (const { rule, phrases, withAny } of this.#rules) {
        const hit = phrases.map((p) => p.exec(s)?.[0]).find(Boolean)
        if (!hit) continue
        if (withAny.length > 0 && !withAny.some((w) => w.test(s))) continue
        return { newCrime: true, because: `${rule.id}: "${hit}"` }
      }
    }
    return { newCrime: false, because: null }
  }
}

/** A force's rules as JSON from its settings page, checked before they are kept. */
export function parseNewCrimeRules(json: string): NewCrimeRules | { error: string } {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return { error: 'The rules are not valid JSON' }
  }
  const v = value as Partial<NewCrimeRules>
  const strings = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'string' && x.length <= 200)
  if (!v || !Array.isArray(v.rules) || v.rules.length > 100)
    return { error: 'Give a list of rules (at most 100)' }
  for (const r of v.rules) {
    if (
      typeof r?.id !== 'string' ||
      typeof r.label !== 'string' ||
      !strings(r.phrases) ||
      r.phrases.length === 0
    )
      return { error: 'Each rule needs an id, a label and at least one phrase' }
    if (r.withAny !== undefined && !strings(r.withAny))
      return { error: `Rule ${r.id}: withAny must be phrases` }
  }
  if (!strings(v.unless)) return { error: 'unless must be a list of phrases' }
  if (typeof v.questionsAreNotReports !== 'boolean')
    return { error: 'questionsAreNotReports must be true or false' }
  if (typeof v.signpost?.text !== 'string' || typeof v.signpost.reportUrl !== 'string')
    return { error: 'The signpost needs text and a reportUrl' }
  if (!/^https:\/\//.test(v.signpost.reportUrl)) return { error: 'The reportUrl must start https://' }
  return v as NewCrimeRules
}
