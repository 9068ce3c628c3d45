// Personal data taken out of text before it leaves Waypoint for a force's model provider, when the
// force asks for it (issue 16, item 7; decision 0048). Rules, not a model, so they can be read and
// tested: email addresses, telephone numbers, dates (a date of birth is a date), postcodes, street
// addresses (a house number and a street word), and names: the names the caller knows (the person
// and the officer on the case), names after a title (Mr, Mrs, DC, PC...) and names a person gives
// ("my name is ..."). Each distinct value becomes a numbered placeholder such as [NAME 1], and the
// caller may put the values back into the provider's answer locally with `restore`. A name nobody
// has told Waypoint and that follows no title is not found: the settings page says so.

export interface Redacted {
  text: string
  /** Placeholder to the value it stands for, kept only in memory. */
  values: Map<string, string>
  /** How many of each kind were replaced (for the audit trail: counts, never values). */
  counts: Record<string, number>
}

const patterns: { kind: string; pattern: RegExp }[] = [
  { kind: 'EMAIL', pattern: /\b[\w.+'-]+@[\w-]+(\.[\w-]+)+\b/g },
  // UK numbers (07..., 01..., 02..., +44 ...), with spaces, dashes or brackets.
  {
    kind: 'PHONE',
    pattern: /(?<![\w+])(\+44\s?\(?0?\)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b/g,
  },
  {
    kind: 'DATE',
    pattern:
      /\b(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}(st|nd|rd|th)? (of )?(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?),? \d{4})\b/gi,
  },
  { kind: 'POSTCODE', pattern: /\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b/gi },
  {
    kind: 'ADDRESS',
    pattern:
      /\b\d{1,4}[a-z]? [A-Z][\w'-]*( [A-Z][\w'-]*)* (Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Court|Place|Gardens|Grove|Terrace|Hill|Square|Row|Walk|Mews|Park)\b/g,
  },
  {
    kind: 'NAME',
    pattern:
      /\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|DC|DS|PC|PS|DI|Insp|Sgt|Officer)\.? [A-Z][a-z'-]+( [A-Z][a-z'-]+)?\b/g,
  },
]

/**
 * Each letter of a pattern's source as a class of both its cases ("my" -> "[mM][yY]"), so a phrase
 * is matched in any case while the name after it must still be capitalised. This is what a `(?i:…)`
 * group says, without that newer syntax: V8 has had bugs with alternatives inside such groups (its
 * issue 447583670), and one whole test run saw the pattern fail to match "My name is Jo Bloggs".
 */
function anyCase(source: string): string {
  return source.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`)
}

/** What a person says their name is: "my name is Jo Bloggs", "I'm called Jo". */
const namedAs = new RegExp(
  `\\b(?<said>(?:${anyCase("my name is|my name's|i am called|i'm called|this is|my (?:son|daughter|partner|husband|wife|neighbour|ex)(?: is)?(?: called)?")}) )(?<name>[A-Z][a-z'-]+(?: [A-Z][a-z'-]+)?)`,
  'g',
)

function literal(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function redact(text: string, known: (string | null | undefined)[] = []): Redacted {
  const values = new Map<string, string>()
  const byValue = new Map<string, string>()
  const counts: Record<string, number> = {}
  const placeholder = (kind: string, value: string) => {
    const key = `${kind}:${value.toLowerCase()}`
    let found = byValue.get(key)
    if (!found) {
      counts[kind] = (counts[kind] ?? 0) + 1
      found = `[${kind} ${counts[kind]}]`
      byValue.set(key, found)
      values.set(found, value)
    }
    return found
  }
  const names = known.filter((n): n is string => !!n?.trim()).map((n) => n.trim())
  const parts = names
    .flatMap((n) => n.split(/\s+/))
    .filter((p) => p.length >= 2 && !/^(mr|mrs|ms|miss|mx|dr|dc|ds|pc|ps|di)$/i.test(p))
  const replaceName = (within: string, name: string) =>
    within.replace(new RegExp(`(?<![\\w[])${literal(name)}(?![\\w\\]])`, 'gi'), (m) => placeholder('NAME', m))
  // The names the caller knows first, whole and in the order given (so the person is [NAME 1]).
  let out = text
  for (const name of names) out = replaceName(out, name)
  for (const { kind, pattern } of patterns) out = out.replace(pattern, (m) => placeholder(kind, m))
  out = out.replace(namedAs, (...match) => {
    const groups = match.at(-1) as { said: string; name: string }
    return groups.said + placeholder('NAME', groups.name)
  })
  // Then each part of a known name of two letters or more, wherever it stands alone.
  for (const part of parts) out = replaceName(out, part)
  return { text: out, values, counts }
}

/** Puts the values back into a provider's answer, locally; a placeholder it made up stays as written. */
export function restore(text: string, values: Map<string, string>): string {
  return text.replace(/\[(NAME|EMAIL|PHONE|DATE|POSTCODE|ADDRESS) (\d+)\]/g, (m) => values.get(m) ?? m)
}
