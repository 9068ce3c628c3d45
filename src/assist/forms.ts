// Assist's standard forms (issue 16, item 5; CRM-20): forms defined as data (fields, labels,
// limits), and what Waypoint suggests for each field from a contact and the person's single view,
// every suggestion with the records it came from. Offline and deterministic: classical NLP with
// wink-nlp (sentences and stems) finds the sentences that describe a concern and the kinds of risk
// they name; nothing is written or reworded but the few joining words of a field (a THRIVE rating
// in words, a list of references). The handler reviews, edits and submits: nothing here decides.
import type { ItsFunction } from 'wink-nlp'
import type { ContactRecord } from '../contact/contact-record.ts'
import type { TimelineEntry } from '../contact/repository.ts'
import { dimensionNames, ratingNames } from '../contact/thrive.ts'
import type { FieldError } from '../platform/errors.ts'
import { its, sentencePipeline } from './nlp.ts'
import type { SummaryItem } from './summary.ts'

const stem = its.stem as unknown as ItsFunction<string>

/** Where a suggested value came from: a record, named as the console names it, linked to it. */
export interface FieldSource {
  label: string
  href: string | null
}

/** A suggested value and its sources. */
export interface Suggestion {
  value: string | string[]
  sources: FieldSource[]
}

export type FieldKind = 'text' | 'date' | 'textarea' | 'radios' | 'checkboxes'

export interface FormField {
  name: string
  label: string
  hint?: string
  kind: FieldKind
  /** Characters, for free text (declared on the page and checked on submission). */
  max?: number
  required?: boolean
  options?: readonly { value: string; text: string }[]
  /** What fills it (a key of the suggestions made from the records), if anything. */
  fill?: FillKey
}

export interface FormDefinition {
  id: string
  title: string
  /** The link on a contact's page. */
  action: string
  intro: string
  fields: readonly FormField[]
}

export type FillKey =
  | 'subjectName'
  | 'dateOfBirth'
  | 'address'
  | 'contactDetails'
  | 'atRisk'
  | 'riskCategory'
  | 'concern'
  | 'whatWasSaid'
  | 'thrive'
  | 'related'
  | 'referrer'
  | 'agency'

/** Kinds of risk, each with the words that name it (matched on their stems). */
export const riskCategories: readonly { value: string; text: string; words: readonly string[] }[] = [
  {
    value: 'domestic-abuse',
    text: 'Domestic abuse',
    words: ['domestic', 'partner', 'boyfriend', 'girlfriend', 'husband', 'wife', 'coercive', 'controlling'],
  },
  {
    value: 'violence',
    text: 'Violence or threats of violence',
    words: [
      'threatened',
      'threat',
      'threaten',
      'knife',
      'weapon',
      'gun',
      'hit',
      'punched',
      'kicked',
      'assaulted',
      'attacked',
      'strangled',
      'choked',
      'kill',
      'hurt',
      'injured',
    ],
  },
  {
    value: 'stalking-harassment',
    text: 'Stalking or harassment',
    words: [
      'stalking',
      'stalked',
      'followed',
      'harassment',
      'harassed',
      'harassing',
      'watching',
      'turns up',
      'keeps calling',
    ],
  },
  {
    value: 'self-harm',
    text: 'Suicide or self-harm',
    words: ['suicide', 'suicidal', 'self-harm', 'overdose', 'end my life', 'kill myself', 'hurt myself'],
  },
  {
    value: 'child-welfare',
    text: 'A child’s welfare',
    words: ['child', 'children', 'kids', 'baby', 'son', 'daughter', 'school', 'toddler', 'teenager'],
  },
  {
    value: 'sexual-abuse',
    text: 'Sexual abuse or exploitation',
    words: ['sexual', 'rape', 'raped', 'groomed', 'grooming', 'indecent', 'exploitation', 'exploited'],
  },
  {
    value: 'neglect',
    text: 'Neglect or self-neglect',
    words: ['neglect', 'neglected', 'hoarding', 'no food', 'not eating', 'unkempt'],
  },
  {
    value: 'financial-abuse',
    text: 'Financial abuse or fraud',
    words: ['money', 'bank', 'fraud', 'scam', 'scammed', 'savings', 'pension'],
  },
  {
    value: 'mental-health',
    text: 'Mental health',
    words: ['mental', 'depressed', 'depression', 'psychosis', 'confused', 'dementia', 'crisis'],
  },
  {
    value: 'missing',
    text: 'Missing person',
    words: ['missing', 'run away', 'ran away', 'not come home', 'disappeared'],
  },
]

const agencies = [
  { value: 'childrens-social-care', text: 'Children’s social care' },
  { value: 'adult-social-care', text: 'Adult social care' },
  { value: 'mash', text: 'Multi-agency safeguarding hub (MASH)' },
  { value: 'health', text: 'Health (GP, mental health team)' },
  { value: 'education', text: 'Education (school safeguarding lead)' },
  { value: 'idva', text: 'Independent domestic violence adviser (IDVA) service' },
] as const

const categoryOptions = riskCategories.map(({ value, text }) => ({ value, text }))

const person = (name: string): FormField[] => [
  {
    name: 'subjectName',
    label: `${name}’s full name`,
    kind: 'text',
    max: 200,
    required: true,
    fill: 'subjectName',
  },
  {
    name: 'dateOfBirth',
    label: 'Date of birth',
    hint: 'For example, 27/3/2007. Leave it empty if it is not known.',
    kind: 'date',
    max: 10,
    fill: 'dateOfBirth',
  },
  { name: 'address', label: 'Address', kind: 'textarea', max: 300, fill: 'address' },
  {
    name: 'contactDetails',
    label: 'Contact details',
    hint: 'Phone numbers and email addresses, one a line.',
    kind: 'textarea',
    max: 300,
    fill: 'contactDetails',
  },
]

const concernFields: FormField[] = [
  {
    name: 'riskCategory',
    label: 'Kind of risk',
    hint: 'Select all that apply.',
    kind: 'checkboxes',
    required: true,
    options: categoryOptions,
    fill: 'riskCategory',
  },
  {
    name: 'concern',
    label: 'Nature of the concern',
    hint: 'What has happened or may happen, and to whom.',
    kind: 'textarea',
    max: 2000,
    required: true,
    fill: 'concern',
  },
]

const referrer: FormField = {
  name: 'referrer',
  label: 'Referrer',
  hint: 'Your name and role.',
  kind: 'text',
  max: 200,
  required: true,
  fill: 'referrer',
}

const thriveField: FormField = {
  name: 'thrive',
  label: 'THRIVE assessment',
  hint: 'Threat, harm, risk, investigation, vulnerability and engagement, if the contact was assessed.',
  kind: 'textarea',
  max: 1000,
  fill: 'thrive',
}

const relatedField: FormField = {
  name: 'related',
  label: 'Related crimes and incidents',
  hint: 'References, one a line.',
  kind: 'textarea',
  max: 1000,
  fill: 'related',
}

/** The forms Waypoint offers, as data: a new one is a new entry. */
export const formDefinitions: readonly FormDefinition[] = [
  {
    id: 'safeguarding-referral',
    title: 'Safeguarding referral',
    action: 'Prepare a safeguarding referral',
    intro: 'A referral to a partner agency about an adult or a child at risk.',
    fields: [
      ...person('The subject'),
      {
        name: 'atRisk',
        label: 'Who is at risk?',
        kind: 'radios',
        required: true,
        options: [
          { value: 'adult', text: 'An adult' },
          { value: 'child', text: 'A child (under 18)' },
        ],
        fill: 'atRisk',
      },
      ...concernFields,
      {
        name: 'whatWasSaid',
        label: 'What was said',
        hint: 'The person’s own words, as they were given.',
        kind: 'textarea',
        max: 4000,
        fill: 'whatWasSaid',
      },
      thriveField,
      relatedField,
      referrer,
      {
        name: 'agency',
        label: 'Agency referred to',
        kind: 'radios',
        required: true,
        options: agencies,
        fill: 'agency',
      },
    ],
  },
  {
    id: 'public-protection-notice',
    title: 'Public protection notice',
    action: 'Prepare a public protection notice',
    intro: 'A notice to the force’s public protection unit about a vulnerable person.',
    fields: [
      ...person('The person'),
      ...concernFields,
      thriveField,
      relatedField,
      {
        name: 'actionTaken',
        label: 'Action taken so far',
        kind: 'textarea',
        max: 1000,
      },
      referrer,
    ],
  },
]

export function formDefinition(id: string): FormDefinition | undefined {
  return formDefinitions.find((f) => f.id === id)
}

/** What the suggestions are made from: the contact, the person's single view and the handler. */
export interface FormRecords {
  contact: ContactRecord
  /** The person's single view, when the contact is matched to a person. */
  person: {
    id: string
    displayName: string | null
    dateOfBirth: string | null
    contactPoints: readonly { kind: string; value: string; sourceSystem: string }[]
    markers: readonly { kind: string; sourceSystem: string }[]
    /** Their history across systems (CAD, RMS, messages), newest first. */
    entries: readonly TimelineEntry[]
    /** The same history as the summary reads it, each item linked to its record. */
    items: readonly SummaryItem[]
  } | null
  referrer: { name: string }
  now: Date
}

/** Each category's stems (one entry a word; a phrase is its stems in order), read on first use. */
let categoryStemList: { value: string; phrases: string[][] }[] | undefined
function categoryStems(): { value: string; phrases: string[][] }[] {
  categoryStemList ??= riskCategories.map((c) => ({
    value: c.value,
    phrases: c.words.map((w) => stemsOf(w)),
  }))
  return categoryStemList
}

function stemsOf(text: string): string[] {
  const doc = sentencePipeline().readDoc(text.toLowerCase())
  const types = doc.tokens().out(its.type) as string[]
  const stems = doc.tokens().out(stem) as string[]
  return stems.filter((_, i) => types[i] === 'word' || types[i] === 'number')
}

/** The kinds of risk a sentence names: each category one of whose words or phrases it holds. */
export function categoriesIn(text: string): string[] {
  const words = stemsOf(text)
  const found: string[] = []
  for (const c of categoryStems())
    if (c.phrases.some((p) => p.length > 0 && words.some((_, i) => p.every((s, j) => words[i + j] === s))))
      found.push(c.value)
  return found
}

/** A text's sentences, as wink-nlp splits them. */
export function sentencesOf(text: string): string[] {
  return (
    sentencePipeline()
      .readDoc(text.length > 4000 ? text.slice(0, 4000) : text)
      .sentences()
      .out() as string[]
  )
    .map((s) => s.trim())
    .filter(Boolean)
}

const ukDate = (iso: string) => {
  const [y, m, d] = iso.slice(0, 10).split('-')
  return `${Number(d)}/${Number(m)}/${y}`
}

const when = (at: Date | string) =>
  new Date(at).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  })

const markerCategories: Record<string, string> = {
  DA: 'domestic-abuse',
  domestic_abuse: 'domestic-abuse',
  stalking: 'stalking-harassment',
  harassment: 'stalking-harassment',
  mental_health: 'mental-health',
  suicide: 'self-harm',
  self_harm: 'self-harm',
  missing: 'missing',
  child_protection: 'child-welfare',
}

/** A text the contact holds, as a place a sentence can come from. */
interface Passage {
  text: string
  source: FieldSource
  /** The caller's own words (an inbound message), rather than staff's. */
  callers: boolean
}

/**
 * What Waypoint suggests for each field it can fill, with the records each came from. A field with
 * nothing to go on gets no suggestion: the handler fills it.
 */
export function suggest(records: FormRecords): Partial<Record<FillKey, Suggestion>> {
  const { contact, person } = records
  const { item } = contact
  const out: Partial<Record<FillKey, Suggestion>> = {}
  const contactHref = `/console/contact/queue/contacts/${item.id}`
  const personSource: FieldSource | null = person
    ? {
        label: `Single view of ${person.displayName ?? 'the person'}`,
        href: `/console/contact/people/${person.id}`,
      }
    : null

  // Who they are: the single view's record, else the name the contact came with.
  if (person?.displayName && personSource)
    out.subjectName = { value: person.displayName, sources: [personSource] }
  else if (item.personName)
    out.subjectName = { value: item.personName, sources: [{ label: 'This contact', href: contactHref }] }
  if (person?.dateOfBirth && personSource)
    out.dateOfBirth = { value: ukDate(person.dateOfBirth), sources: [personSource] }
  const points = (kinds: string[]) => (person?.contactPoints ?? []).filter((c) => kinds.includes(c.kind))
  const named = (c: { sourceSystem: string }) => ({
    label: `${c.sourceSystem.toUpperCase()} record, on the single view`,
    href: personSource?.href ?? null,
  })
  const addresses = points(['address'])
  if (addresses.length) out.address = { value: addresses[0]!.value, sources: [named(addresses[0]!)] }
  const reach = points(['phone', 'mobile', 'email'])
  const distinct = [...new Map(reach.map((c) => [c.value.replace(/\s+/g, ''), c])).values()]
  if (distinct.length)
    out.contactDetails = {
      value: distinct.map((c) => c.value).join('\n'),
      sources: [...new Map(distinct.map((c) => [c.sourceSystem, named(c)])).values()],
    }
  else if (item.citizenAddress)
    out.contactDetails = {
      value: item.citizenAddress,
      sources: [{ label: 'This contact', href: contactHref }],
    }

  // The contact's words: the caller's messages, staff's notes, the THRIVE note and the outcome.
  const passages: Passage[] = []
  for (const m of contact.messages)
    if (m.direction === 'inbound')
      passages.push({
        text: m.body,
        callers: true,
        source: {
          label: `Message received ${when(m.sentAt)}`,
          href: `/console/conversations/${item.conversationId}#message-${m.id}`,
        },
      })
  for (const n of contact.notes)
    passages.push({
      text: n.body,
      callers: false,
      source: { label: `Note by ${n.authorName}, ${when(n.at)}`, href: `${contactHref}/notes` },
    })
  const latest = contact.assessments[0]
  if (latest?.note)
    passages.push({
      text: latest.note,
      callers: false,
      source: { label: `THRIVE assessment, ${when(latest.assessedAt)}`, href: `${contactHref}#thrive` },
    })
  if (item.outcomeNote)
    passages.push({
      text: item.outcomeNote,
      callers: false,
      source: { label: 'Outcome of this contact', href: contactHref },
    })

  // Sentences naming a risk: first the contact's, then the person's history as the summary reads it.
  const concern: { text: string; source: FieldSource; categories: string[] }[] = []
  for (const p of passages)
    for (const s of sentencesOf(p.text)) {
      const categories = categoriesIn(s)
      if (categories.length) concern.push({ text: s, source: p.source, categories })
    }
  const history: typeof concern = []
  for (const i of person?.items ?? []) {
    if (history.length >= 3) break
    // The contact's own messages and assessments are read above, each with its own link.
    if (
      i.href?.startsWith(contactHref) ||
      i.href?.startsWith(`/console/conversations/${item.conversationId}`)
    )
      continue
    if (i.href && passages.some((p) => p.source.href === i.href)) continue
    for (const s of sentencesOf(i.body ?? '')) {
      const categories = categoriesIn(s)
      if (categories.length && !concern.some((c) => c.text === s) && history.length < 3)
        history.push({
          text: s,
          source: { label: `${i.kind}: ${i.title}, ${when(i.at)}`, href: i.href },
          categories,
        })
    }
  }
  const chosen = [...concern.slice(0, 6), ...history]
  if (chosen.length)
    out.concern = {
      value: chosen.map((c) => c.text).join('\n'),
      sources: unique(chosen.map((c) => c.source)),
    }
  const categories = new Map<string, FieldSource[]>()
  for (const c of chosen)
    for (const k of c.categories) categories.set(k, [...(categories.get(k) ?? []), c.source])
  for (const m of person?.markers ?? []) {
    const k = markerCategories[m.kind]
    if (k && personSource)
      categories.set(k, [
        ...(categories.get(k) ?? []),
        {
          label: `${m.kind.replace(/_/g, ' ')} marker (${m.sourceSystem.toUpperCase()})`,
          href: personSource.href,
        },
      ])
  }
  if (categories.size)
    out.riskCategory = {
      value: riskCategories.filter((c) => categories.has(c.value)).map((c) => c.value),
      sources: unique([...categories.values()].flat()),
    }

  // Who is at risk: a child if the date of birth says under 18, or the words speak of a child.
  const age = person?.dateOfBirth ? ageOn(person.dateOfBirth, records.now) : null
  if (age !== null && personSource)
    out.atRisk = {
      value: age < 18 ? 'child' : 'adult',
      sources: [{ ...personSource, label: `Date of birth on the single view (${age} years old)` }],
    }
  const childSources = categories.get('child-welfare')
  if (childSources && out.atRisk?.value !== 'child')
    out.atRisk = { value: 'child', sources: unique(childSources) }
  if (out.atRisk)
    out.agency = {
      value: out.atRisk.value === 'child' ? 'childrens-social-care' : 'adult-social-care',
      sources: out.atRisk.sources,
    }

  const said = contact.messages.filter((m) => m.direction === 'inbound')
  if (said.length) {
    const lines: string[] = []
    let length = 0
    for (const m of said) {
      const line = `${when(m.sentAt)}: ${m.body}`
      if (length + line.length + 1 > 4000) break
      lines.push(line)
      length += line.length + 1
    }
    out.whatWasSaid = {
      value: lines.join('\n'),
      sources: said.slice(0, lines.length).map((m) => ({
        label: `Message received ${when(m.sentAt)}`,
        href: `/console/conversations/${item.conversationId}#message-${m.id}`,
      })),
    }
  }

  if (latest) {
    const ratings = (['threat', 'harm', 'risk', 'investigation', 'vulnerability', 'engagement'] as const)
      .map((d) => `${dimensionNames[d]}: ${ratingNames[latest[d]] ?? latest[d]}`)
      .join('; ')
    const lines = [
      `${ratings}.`,
      `Grading: ${latest.grading}${latest.vulnerable ? ', vulnerable' : ''}.`,
      ...(latest.note ? [`Note: ${latest.note}`] : []),
    ]
    out.thrive = {
      value: lines.join('\n'),
      sources: [
        {
          label: `THRIVE assessment, ${when(latest.assessedAt)}${latest.byName ? ` by ${latest.byName}` : ''}`,
          href: `${contactHref}#thrive`,
        },
      ],
    }
  }

  // Crimes and incidents the person is on: the CAD and RMS entries of their history, by case.
  const cases = new Map<string, { reference: string; kind: string; href: string }>()
  for (const e of person?.entries ?? []) {
    if ((e.source !== 'cad' && e.source !== 'rms') || !e.href || cases.has(e.href)) continue
    const reference = e.title.includes(': ') ? e.title.slice(0, e.title.indexOf(': ')) : e.title
    cases.set(e.href, { reference, kind: e.href.includes('/crimes/') ? 'crime' : 'incident', href: e.href })
  }
  if (cases.size) {
    const list = [...cases.values()].slice(0, 20)
    out.related = {
      value: list.map((c) => `${c.reference} (${c.kind})`).join('\n'),
      sources: list.map((c) => ({
        label: `${c.kind === 'crime' ? 'Crime' : 'Incident'} ${c.reference}`,
        href: c.href,
      })),
    }
  }

  out.referrer = {
    value: `${records.referrer.name}, contact centre`,
    sources: [{ label: 'You, signed in', href: null }],
  }
  return out
}

function unique(sources: FieldSource[]): FieldSource[] {
  return [...new Map(sources.map((s) => [`${s.href}|${s.label}`, s])).values()]
}

function ageOn(dateOfBirth: string, now: Date): number | null {
  const [y, m, d] = dateOfBirth.slice(0, 10).split('-').map(Number)
  if (!y || !m || !d) return null
  let age = now.getUTCFullYear() - y
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age--
  return age
}

/** The form's fields with what was suggested for each, as shown to the handler. */
export function prefill(
  form: FormDefinition,
  suggestions: Partial<Record<FillKey, Suggestion>>,
): Record<string, Suggestion> {
  const out: Record<string, Suggestion> = {}
  for (const f of form.fields) {
    const s = f.fill ? suggestions[f.fill] : undefined
    if (!s) continue
    // A suggestion longer than the field is cut at the limit, as the handler would have to.
    const value = typeof s.value === 'string' && f.max ? s.value.slice(0, f.max) : s.value
    out[f.name] = { value, sources: s.sources }
  }
  return out
}

export type FormValues = Record<string, string | string[]>

/** The values as submitted, tidied (trimmed, a list for checkboxes), and the errors, GOV.UK-worded. */
export function validate(
  form: FormDefinition,
  input: Record<string, unknown>,
  now: Date,
): { values: FormValues; errors: FieldError[] } {
  const values: FormValues = {}
  const errors: FieldError[] = []
  for (const f of form.fields) {
    const raw = input[f.name]
    if (f.kind === 'checkboxes') {
      const chosen = [raw ?? []].flat().filter((v): v is string => typeof v === 'string' && v !== '')
      const allowed = new Set(f.options?.map((o) => o.value))
      values[f.name] = [...new Set(chosen)].filter((v) => allowed.has(v))
      if (chosen.some((v) => !allowed.has(v)))
        errors.push({ field: f.name, message: `Select ${f.label.toLowerCase()} from the list` })
      else if (f.required && values[f.name]!.length === 0)
        errors.push({ field: f.name, message: `Select at least one ${f.label.toLowerCase()}` })
      continue
    }
    const text = typeof raw === 'string' ? raw.replace(/\r\n/g, '\n').trim() : ''
    values[f.name] = text
    if (f.kind === 'radios') {
      if (text && !f.options?.some((o) => o.value === text))
        errors.push({
          field: f.name,
          message: `Select ${f.label.toLowerCase().replace(/\?$/, '')} from the list`,
        })
      else if (f.required && !text)
        errors.push({ field: f.name, message: `Select ${f.label.toLowerCase().replace(/\?$/, '')}` })
      continue
    }
    if (f.required && !text) {
      errors.push({ field: f.name, message: `Enter ${f.label.charAt(0).toLowerCase()}${f.label.slice(1)}` })
      continue
    }
    if (f.max && text.length > f.max) {
      errors.push({
        field: f.name,
        message: `${f.label} must be ${f.max.toLocaleString('en-GB')} characters or fewer`,
      })
      continue
    }
    if (f.kind === 'date' && text) {
      const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text)
      const date = m ? new Date(Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]))) : null
      if (!m || !date || date.getUTCDate() !== Number(m[1]) || date.getUTCMonth() !== Number(m[2]) - 1)
        errors.push({ field: f.name, message: `${f.label} must be a real date, like 27/3/2007` })
      else if (date > now || Number(m[3]) < 1900)
        errors.push({ field: f.name, message: `${f.label} must be in the past` })
    }
  }
  return { values, errors }
}

/** How the submitted value stands to the suggestion: kept, changed, cleared, or the handler's own. */
export type FieldChange = 'accepted' | 'edited' | 'cleared' | 'entered' | 'empty'

export function changeOf(suggested: Suggestion | undefined, final: string | string[]): FieldChange {
  const empty = Array.isArray(final) ? final.length === 0 : final === ''
  if (!suggested) return empty ? 'empty' : 'entered'
  if (empty) return 'cleared'
  const same = Array.isArray(final)
    ? Array.isArray(suggested.value) &&
      [...final].sort().join('\n') === [...suggested.value].sort().join('\n')
    : final === String(suggested.value).trim()
  return same ? 'accepted' : 'edited'
}

/** A value as words: a chosen option's text, checkboxes' texts on lines, or the text itself. */
export function displayValue(field: FormField, value: string | string[] | undefined): string {
  if (value === undefined) return ''
  const text = (v: string) => field.options?.find((o) => o.value === v)?.text ?? v
  return Array.isArray(value) ? value.map(text).join('\n') : field.options ? text(value) : value
}
