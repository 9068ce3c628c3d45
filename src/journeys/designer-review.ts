// What the journey designer says about a draft before it is saved or published (UJ-18): problems
// in plain English (errors stop publishing, warnings do not), and what changed since the published
// version, step by step, for the confirmation page.
import { journeyPlaceholders } from './message-fields.ts'
import { checkDefinition, describeStep, describeTrigger, type JourneyDefinition } from './definition.ts'

export interface TemplateInfo {
  key: string
  channel: 'sms' | 'email'
  language: string
  subject: string | null
  body: string
}

export interface DesignerProblem {
  level: 'error' | 'warning'
  /** 1-based step number, when the problem is about one step. */
  step?: number
  message: string
}

/** Events that happen once per case: waiting for one that started the journey waits for nothing. */
const onceOnlyEvents = ['incident.opened', 'crime.recorded']

export function reviewDraft(definition: JourneyDefinition, templates: TemplateInfo[]): DesignerProblem[] {
  const problems: DesignerProblem[] = checkDefinition(definition).map((p) => ({
    level: 'error' as const,
    message: p.message,
  }))
  if (problems.length > 0) return problems
  const sends = definition.steps.filter((s) => s.kind === 'send' || s.kind === 'portal-invitation')
  if (sends.length === 0) problems.push({ level: 'error', message: 'The journey never sends a message' })
  definition.steps.forEach((step, index) => {
    const n = index + 1
    if (step.kind === 'send') {
      const channels = step.channel === 'preferred' ? ['sms', 'email'] : [step.channel]
      const found = templates.filter((t) => t.key === step.template && channels.includes(t.channel))
      if (found.length === 0) {
        problems.push({
          level: 'error',
          step: n,
          message: `Step ${n} sends “${step.template}”, which is not one of your force’s ${step.channel === 'preferred' ? '' : `${step.channel === 'sms' ? 'SMS' : 'email'} `}templates`,
        })
      } else if (!found.some((t) => t.language === 'cy')) {
        problems.push({
          level: 'warning',
          step: n,
          message: `Step ${n} sends a template that has no Welsh version`,
        })
      }
      for (const missing of unfillable(found)) {
        problems.push({
          level: 'error',
          step: n,
          message: `Step ${n} sends a template that needs ((${missing})), which journeys cannot fill`,
        })
      }
    }
    if (step.kind === 'wait' && step.forEvent) {
      const startedIt =
        definition.trigger.events.includes(step.forEvent) && onceOnlyEvents.includes(step.forEvent)
      if (startedIt || step.forEvent === 'incident.opened') {
        problems.push({
          level: 'warning',
          step: n,
          message: `Step ${n} waits for an event that cannot happen after the trigger`,
        })
      }
    }
  })
  return problems
}

function unfillable(templates: TemplateInfo[]): string[] {
  const names = new Set<string>()
  for (const t of templates) {
    for (const match of `${t.subject ?? ''} ${t.body}`.matchAll(/\(\(([^()]+?)\)\)/g)) {
      const name = (match[1] as string).split('??')[0]!.trim()
      if (!journeyPlaceholders.includes(name)) names.add(name)
    }
  }
  return [...names]
}

/** Changes from the published version to the draft, in sentences; empty when they are the same. */
export function describeChanges(
  published: JourneyDefinition | undefined,
  draft: JourneyDefinition,
): string[] {
  if (!published) return ['This is the first version: every step is new.']
  const changes: string[] = []
  const before = describeTrigger(published)
  const after = describeTrigger(draft)
  if (before !== after) changes.push(`The trigger changes from “${before}” to “${after}”.`)
  if (published.precedence !== draft.precedence)
    changes.push(
      `The journey changes from ${precedenceWords[published.precedence]} to ${precedenceWords[draft.precedence]}.`,
    )
  for (const change of stepChanges(published, draft)) {
    if (change.from !== undefined && change.to !== undefined)
      changes.push(
        `Step ${change.to + 1} changes from “${describeStep(published.steps[change.from]!)}” to “${describeStep(draft.steps[change.to]!)}”.`,
      )
    else if (change.from !== undefined)
      changes.push(
        `Step ${change.from + 1} of the published version is removed: “${describeStep(published.steps[change.from]!)}”.`,
      )
    else changes.push(`Step ${change.to! + 1} is added: “${describeStep(draft.steps[change.to!]!)}”.`)
  }
  return changes
}

/**
 * The change field by field, for the approval page (issue 13 §7): the trigger and its
 * conditions, the kind of journey, and each step that changes, is added or is removed, each in
 * the designer's own words before and after.
 */
export function journeyChangeFields(
  published: JourneyDefinition | undefined,
  proposed: JourneyDefinition,
): { label: string; before: string; after: string }[] {
  const fields: { label: string; before: string; after: string }[] = []
  const trigger = { before: published ? describeTrigger(published) : '', after: describeTrigger(proposed) }
  if (trigger.before !== trigger.after) fields.push({ label: 'When the journey starts', ...trigger })
  if (published?.precedence !== proposed.precedence)
    fields.push({
      label: 'Kind of journey',
      before: published ? precedenceWords[published.precedence] : '',
      after: precedenceWords[proposed.precedence],
    })
  const empty: JourneyDefinition = { ...proposed, steps: [] }
  for (const change of stepChanges(published ?? empty, proposed)) {
    const before = change.from === undefined ? '' : describeStep(published!.steps[change.from]!)
    const after = change.to === undefined ? '' : describeStep(proposed.steps[change.to]!)
    const label =
      change.to === undefined
        ? `Step ${change.from! + 1} (removed)`
        : change.from === undefined
          ? `Step ${change.to + 1} (new)`
          : `Step ${change.to + 1}`
    fields.push({ label, before, after })
  }
  return fields
}

/**
 * Which steps differ: the longest common subsequence of the two step lists is unchanged; between
 * unchanged steps, removed and added steps pair up as changes, and the rest are removed or added.
 */
function stepChanges(before: JourneyDefinition, after: JourneyDefinition): { from?: number; to?: number }[] {
  const a = before.steps.map((s) => JSON.stringify(s))
  const b = after.steps.map((s) => JSON.stringify(s))
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i -= 1)
    for (let j = b.length - 1; j >= 0; j -= 1)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
  const changes: { from?: number; to?: number }[] = []
  let i = 0
  let j = 0
  const removed: number[] = []
  const added: number[] = []
  const flush = () => {
    const paired = Math.min(removed.length, added.length)
    for (let k = 0; k < paired; k += 1) changes.push({ from: removed[k]!, to: added[k]! })
    for (const r of removed.slice(paired)) changes.push({ from: r })
    for (const n of added.slice(paired)) changes.push({ to: n })
    removed.length = 0
    added.length = 0
  }
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush()
      i += 1
      j += 1
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      added.push(j)
      j += 1
    } else {
      removed.push(i)
      i += 1
    }
  }
  flush()
  return changes
}

const precedenceWords = {
  standard: 'a standard journey',
  replace: 'an enhanced journey that replaces the standard one',
  add: 'an enhanced journey that runs beside the standard one',
} as const
