// The mapping-profile form (UJ-4, CP-162): a force admin says where each case field comes from
// in rows of plain fields, never JSON. This turns a stored profile into those rows, the rows the
// browser sends back into a profile document (the stored form), and says what is wrong in a row
// on that row's own field. Rows are added and removed with submit buttons, so no script is needed.
import { changeKinds } from '../cases/model.ts'
import { MAX_LENGTH } from '../platform/http/limits.ts'
import {
  allowedValues,
  type FieldSpec,
  type MappingProfile,
  personFields,
  recordFields,
  translatedFields,
} from './mapping.ts'

export type ProfileFormBody = Record<string, string | string[] | undefined>
export interface FormError {
  field: string
  message: string
}

/** Every free-text field of the form and its limit (anything longer is refused on its field). */
export const profileFormLimits = {
  source: 500,
  default: 200,
  separator: 10,
  code: 100,
  value: 200,
  peoplePath: 200,
  dateFormat: 50,
  note: MAX_LENGTH.shortText,
  sample: MAX_LENGTH.backstop,
} as const

/** What each case field is, in words, for the row's pick-list and the try's results. */
export const targetLabels: Record<string, string> = {
  eventId: 'Event id',
  eventType: 'Event type',
  occurredAt: 'Event time',
  'incident.cadRef': 'Incident: CAD log reference',
  'incident.openedAt': 'Incident: opened at',
  'incident.closedAt': 'Incident: closed at',
  'incident.grading': 'Incident: grading',
  'incident.incidentType': 'Incident: incident type',
  'incident.openingCode': 'Incident: opening code',
  'incident.closingCode': 'Incident: closing code',
  'incident.location': 'Incident: location',
  'incident.linkedCrimeRefs': 'Incident: crime references it became',
  'crime.crimeRef': 'Crime: crime reference',
  'crime.linkedCadRefs': 'Crime: CAD logs it came from',
  'crime.crimeType': 'Crime: crime type',
  'crime.homeOfficeClass': 'Crime: Home Office class',
  'crime.status': 'Crime: status',
  'crime.outcome': 'Crime: outcome',
  'crime.recordedAt': 'Crime: recorded at',
  'crime.closedAt': 'Crime: closed at',
  'crime.vcopCategory': 'Crime: Victims’ Code category',
  'crime.vcopReason': 'Crime: Victims’ Code reason',
  'crime.officer.collar': 'Officer in charge: collar number',
  'crime.officer.name': 'Officer in charge: name',
  'crime.officer.email': 'Officer in charge: email',
  'crime.officer.team': 'Officer in charge: team',
  'crime.supervisor.collar': 'Supervisor: collar number',
  'crime.supervisor.name': 'Supervisor: name',
  'crime.supervisor.email': 'Supervisor: email',
  'crime.supervisor.team': 'Supervisor: team',
  'person.stormNominal': 'Person: STORM nominal',
  'person.athenaUrn': 'Person: Athena URN',
  'person.name': 'Person: name',
  'person.dateOfBirth': 'Person: date of birth',
  'person.role': 'Person: role',
  'person.actsFor': 'Person: acts for (URN or nominal)',
  'person.phone': 'Person: phone',
  'person.email': 'Person: email',
  'person.address': 'Person: address',
  'person.preferredChannel': 'Person: preferred contact',
  'person.language': 'Person: language',
  'person.markers': 'Person: markers',
  'person.removedMarkers': 'Person: markers ended',
}

/** Fields whose source codes can be given a value mapping. */
export const codedFields = [...translatedFields, ...Object.keys(allowedValues)]

const envelope = ['eventId', 'eventType', 'occurredAt'] as const
type From = 'path' | 'join' | 'value'

export interface SpecRow {
  from: From
  source: string
  default: string
  separator: string
}
export interface FieldRow extends SpecRow {
  target: string
  required: boolean
}
export interface ProfileForm {
  envelope: Record<(typeof envelope)[number], SpecRow>
  dateFormat: string
  fields: FieldRow[]
  peoplePath: string
  people: FieldRow[]
  types: { code: string; kind: string }[]
  codes: { field: string; from: string; to: string }[]
}

const blankSpec = (): SpecRow => ({ from: 'path', source: '', default: '', separator: '' })

function specRow(spec: FieldSpec | undefined): SpecRow {
  if (spec === undefined) return blankSpec()
  if (typeof spec === 'string') return { ...blankSpec(), source: spec }
  if ('value' in spec) return { ...blankSpec(), from: 'value', source: spec.value }
  if ('join' in spec)
    return {
      from: 'join',
      source: spec.join.join(', '),
      default: spec.default ?? '',
      separator: spec.separator ?? '',
    }
  return { ...blankSpec(), source: spec.path, default: spec.default ?? '' }
}

/** A stored profile as the form's rows, in the order the model lists its fields. */
export function formOf(profile: MappingProfile): ProfileForm {
  const required = new Set(profile.required ?? [])
  const ordered = (names: readonly string[], of: Record<string, FieldSpec>) =>
    [...names.filter((n) => n in of), ...Object.keys(of).filter((n) => !names.includes(n))].map((n) => ({
      ...specRow(of[n]),
      target: n,
      required: required.has(n),
    }))
  return {
    envelope: {
      eventId: specRow(profile.eventId),
      eventType: specRow(profile.eventType),
      occurredAt: specRow(profile.occurredAt),
    },
    dateFormat: profile.dateFormat ?? 'iso',
    fields: ordered(recordFields, profile.fields),
    peoplePath: profile.people?.path ?? '',
    people: ordered(personFields, profile.people?.fields ?? {}),
    types: Object.entries(profile.eventTypes).map(([code, kind]) => ({ code, kind })),
    codes: Object.entries(profile.codes ?? {}).flatMap(([field, map]) =>
      Object.entries(map).map(([from, to]) => ({ field, from, to })),
    ),
  }
}

/** The form as the browser would post it: names such as `field-2-source` (tests post the same). */
export function formBody(form: ProfileForm): Record<string, string> {
  const body: Record<string, string> = { dateFormat: form.dateFormat, peoplePath: form.peoplePath }
  const spec = (prefix: string, row: SpecRow) => {
    body[`${prefix}-from`] = row.from
    body[`${prefix}-source`] = row.source
    body[`${prefix}-default`] = row.default
    body[`${prefix}-separator`] = row.separator
  }
  for (const key of envelope) spec(key, form.envelope[key])
  form.fields.forEach((row, i) => {
    spec(`field-${i}`, row)
    body[`field-${i}-target`] = row.target
    if (row.required) body[`field-${i}-required`] = 'yes'
  })
  form.people.forEach((row, i) => {
    spec(`person-${i}`, row)
    body[`person-${i}-target`] = row.target
  })
  form.types.forEach((row, i) => {
    body[`type-${i}-code`] = row.code
    body[`type-${i}-kind`] = row.kind
  })
  form.codes.forEach((row, i) => {
    body[`code-${i}-field`] = row.field
    body[`code-${i}-from`] = row.from
    body[`code-${i}-to`] = row.to
  })
  return body
}

const one = (body: ProfileFormBody, name: string) => {
  const v = body[name]
  return String((Array.isArray(v) ? v[0] : v) ?? '')
}
/** The row numbers the browser sent for a kind of row, in order. */
const rowNumbers = (body: ProfileFormBody, kind: string) =>
  [
    ...new Set(
      Object.keys(body)
        .map((k) => new RegExp(`^${kind}-(\\d{1,3})-`).exec(k)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number),
    ),
  ].sort((a, b) => a - b)

function readSpecRow(body: ProfileFormBody, prefix: string): SpecRow {
  const from = one(body, `${prefix}-from`)
  return {
    from: from === 'join' || from === 'value' ? from : 'path',
    source: one(body, `${prefix}-source`).trim(),
    default: one(body, `${prefix}-default`),
    separator: one(body, `${prefix}-separator`),
  }
}

/** The form as posted, with a row added or removed when that is the button pressed. */
export function readForm(body: ProfileFormBody): ProfileForm {
  const form: ProfileForm = {
    envelope: {
      eventId: readSpecRow(body, 'eventId'),
      eventType: readSpecRow(body, 'eventType'),
      occurredAt: readSpecRow(body, 'occurredAt'),
    },
    dateFormat: one(body, 'dateFormat').trim(),
    fields: rowNumbers(body, 'field').map((n) => ({
      ...readSpecRow(body, `field-${n}`),
      target: one(body, `field-${n}-target`),
      required: one(body, `field-${n}-required`) === 'yes',
    })),
    peoplePath: one(body, 'peoplePath').trim(),
    people: rowNumbers(body, 'person').map((n) => ({
      ...readSpecRow(body, `person-${n}`),
      target: one(body, `person-${n}-target`),
      required: false,
    })),
    types: rowNumbers(body, 'type').map((n) => ({
      code: one(body, `type-${n}-code`).trim(),
      kind: one(body, `type-${n}-kind`),
    })),
    codes: rowNumbers(body, 'code').map((n) => ({
      field: one(body, `code-${n}-field`),
      from: one(body, `code-${n}-from`).trim(),
      to: one(body, `code-${n}-to`).trim(),
    })),
  }
  const action = one(body, 'action')
  const blank = { ...blankSpec(), target: '', required: false }
  if (action === 'add-field') form.fields.push({ ...blank })
  if (action === 'add-person') form.people.push({ ...blank })
  if (action === 'add-type') form.types.push({ code: '', kind: '' })
  if (action === 'add-code') form.codes.push({ field: '', from: '', to: '' })
  const removed = /^remove-(field|person|type|code)-(\d{1,3})$/.exec(action)
  if (removed) {
    const list = { field: form.fields, person: form.people, type: form.types, code: form.codes }[
      removed[1] as 'field' | 'person' | 'type' | 'code'
    ] as unknown[]
    list.splice(Number(removed[2]), 1)
  }
  return form
}

/** Whether the button pressed only changed the rows (nothing to try or save yet). */
export const changesRows = (action: string) => /^(add|remove)-/.test(action)

const rowIsEmpty = (row: SpecRow & { target?: string }) =>
  !row.target && !row.source && !row.default && !row.separator

/** The profile document the form describes, or what is wrong, each on its own field. */
export function documentOf(form: ProfileForm): { document?: MappingProfile; errors: FormError[] } {
  const errors: FormError[] = []
  const tooLong = (field: string, value: string, limit: number, what: string) => {
    if (value.length > limit)
      errors.push({ field, message: `${what} must be ${limit.toLocaleString('en-GB')} characters or fewer` })
  }
  const spec = (prefix: string, row: SpecRow, what: string): FieldSpec | undefined => {
    tooLong(`${prefix}-source`, row.source, profileFormLimits.source, `Where ${what} comes from`)
    tooLong(`${prefix}-default`, row.default, profileFormLimits.default, `The default for ${what}`)
    tooLong(`${prefix}-separator`, row.separator, profileFormLimits.separator, `The separator for ${what}`)
    if (!row.source) {
      errors.push({
        field: `${prefix}-source`,
        message:
          row.from === 'value'
            ? `Enter the value ${what} always has`
            : `Enter where ${what} is in the event, for example log.reference`,
      })
      return undefined
    }
    if (row.from === 'value') return { value: row.source }
    const paths = row.from === 'join' ? row.source.split(',').map((p) => p.trim()) : [row.source]
    for (const path of paths) {
      if (!path || (path !== '.' && path.split('.').some((part) => !part.trim()))) {
        errors.push({
          field: `${prefix}-source`,
          message: `“${row.source}” for ${what} has an empty step: write names joined by single dots${row.from === 'join' ? ', and paths separated by commas' : ''}`,
        })
        return undefined
      }
    }
    const fallback = row.default ? { default: row.default } : {}
    if (row.from === 'join')
      return { join: paths, ...(row.separator ? { separator: row.separator } : {}), ...fallback }
    return row.default ? { path: row.source, ...fallback } : row.source
  }

  const document: MappingProfile = {
    eventId: spec('eventId', form.envelope.eventId, 'the event id') ?? '',
    eventType: spec('eventType', form.envelope.eventType, 'the event type') ?? '',
    occurredAt: spec('occurredAt', form.envelope.occurredAt, 'the event time') ?? '',
    dateFormat: form.dateFormat || 'iso',
    eventTypes: {},
    fields: {},
  }
  tooLong('dateFormat', form.dateFormat, profileFormLimits.dateFormat, 'The date format')

  const rows = (kind: 'field' | 'person', list: FieldRow[], targets: readonly string[]) => {
    const into: Record<string, FieldSpec> = {}
    const seen = new Map<string, number>()
    list.forEach((row, i) => {
      if (rowIsEmpty(row)) return
      const name = kind === 'person' ? `person.${row.target}` : row.target
      if (!targets.includes(row.target)) {
        errors.push({ field: `${kind}-${i}-target`, message: `Select the case field row ${i + 1} fills` })
        return
      }
      const what = targetLabels[name]!.toLowerCase()
      if (seen.has(row.target)) {
        errors.push({
          field: `${kind}-${i}-target`,
          message: `${targetLabels[name]} is already filled by row ${seen.get(row.target)! + 1}: remove one of them`,
        })
        return
      }
      seen.set(row.target, i)
      const read = spec(`${kind}-${i}`, row, what)
      if (read !== undefined) into[row.target] = read
    })
    return into
  }
  document.fields = rows('field', form.fields, recordFields)
  const required = form.fields.filter((r) => r.required && r.target in document.fields).map((r) => r.target)
  if (required.length) document.required = required

  tooLong('peoplePath', form.peoplePath, profileFormLimits.peoplePath, 'Where the people are')
  const peopleFields = rows('person', form.people, personFields)
  if (form.peoplePath) document.people = { path: form.peoplePath, fields: peopleFields }
  else if (Object.keys(peopleFields).length)
    errors.push({
      field: 'peoplePath',
      message: 'Enter where the list of people is in the event, for example log.persons',
    })

  form.types.forEach((row, i) => {
    if (!row.code && !row.kind) return
    tooLong(`type-${i}-code`, row.code, profileFormLimits.code, 'An event type')
    if (!row.code)
      errors.push({
        field: `type-${i}-code`,
        message: `Enter the event type the source sends in row ${i + 1}`,
      })
    else if (Object.hasOwn(document.eventTypes, row.code))
      errors.push({
        field: `type-${i}-code`,
        message: `Event type “${row.code}” is listed twice: remove one`,
      })
    if (!(changeKinds as readonly string[]).includes(row.kind))
      errors.push({ field: `type-${i}-kind`, message: `Select what event type “${row.code}” means` })
    else if (row.code) document.eventTypes[row.code] = row.kind as MappingProfile['eventTypes'][string]
  })
  if (!Object.keys(document.eventTypes).length && !errors.some((e) => e.field.startsWith('type-')))
    errors.push({ field: 'types', message: 'Add at least one event type the source sends and what it means' })

  const codes: Record<string, Record<string, string>> = {}
  form.codes.forEach((row, i) => {
    if (!row.field && !row.from && !row.to) return
    tooLong(`code-${i}-from`, row.from, profileFormLimits.code, 'A source code')
    tooLong(`code-${i}-to`, row.to, profileFormLimits.value, 'A value')
    if (!codedFields.includes(row.field)) {
      errors.push({
        field: `code-${i}-field`,
        message: `Select the case field value mapping ${i + 1} is for`,
      })
      return
    }
    if (!row.from) errors.push({ field: `code-${i}-from`, message: 'Enter the code the source sends' })
    const allowed = allowedValues[row.field]
    if (!row.to) errors.push({ field: `code-${i}-to`, message: `Enter the value “${row.from}” becomes` })
    else if (allowed && !allowed.includes(row.to))
      errors.push({
        field: `code-${i}-to`,
        message: `${targetLabels[row.field]} cannot be “${row.to}”: use one of ${allowed.join(', ')}`,
      })
    if (!row.from || !row.to) return
    codes[row.field] ??= {}
    const map = codes[row.field]!
    if (Object.hasOwn(map, row.from))
      errors.push({
        field: `code-${i}-from`,
        message: `Code “${row.from}” is mapped twice for ${targetLabels[row.field]}`,
      })
    else map[row.from] = row.to
  })
  if (Object.keys(codes).length) document.codes = codes
  return errors.length ? { errors } : { document, errors }
}

/** Pick-list items for the rows, with the row's choice selected. */
export function formView(form: ProfileForm) {
  const items = (names: readonly string[], prefix: string, chosen: string) => [
    { value: '', text: 'Choose a case field', selected: !chosen },
    ...names.map((n) => ({ value: n, text: targetLabels[prefix + n] ?? n, selected: n === chosen })),
  ]
  const fromItems = (chosen: From) =>
    [
      { value: 'path', text: 'A path in the event' },
      { value: 'join', text: 'Several paths joined together' },
      { value: 'value', text: 'The same value for every event' },
    ].map((i) => ({ ...i, selected: i.value === chosen }))
  return {
    envelope: envelope.map((key) => ({
      key,
      label: targetLabels[key],
      row: form.envelope[key],
      fromItems: fromItems(form.envelope[key].from),
    })),
    dateFormat: form.dateFormat,
    peoplePath: form.peoplePath,
    fields: form.fields.map((row) => ({
      ...row,
      targetItems: items(recordFields, '', row.target),
      fromItems: fromItems(row.from),
    })),
    people: form.people.map((row) => ({
      ...row,
      targetItems: items(personFields, 'person.', row.target),
      fromItems: fromItems(row.from),
    })),
    types: form.types.map((row) => ({
      ...row,
      kindItems: [
        { value: '', text: 'Choose what it means', selected: !row.kind },
        ...changeKinds.map((k) => ({ value: k, text: k, selected: k === row.kind })),
      ],
    })),
    codes: form.codes.map((row) => ({
      ...row,
      fieldItems: [
        { value: '', text: 'Choose a case field', selected: !row.field },
        ...codedFields.map((f) => ({ value: f, text: targetLabels[f] ?? f, selected: f === row.field })),
      ],
    })),
    allowed: Object.entries(allowedValues).map(([field, values]) => ({ label: targetLabels[field], values })),
  }
}
