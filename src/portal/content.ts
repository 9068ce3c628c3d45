// The Portal's own words, per force (decision 0035): Victims' Code rights and support (CP-122),
// how to complain (CP-132), help (CP-143, CP-144) and the links to the force's Single Online Home
// (CP-22, CP-73, CP-75). A force administrator writes them without code (CP-186) in a small,
// safe markup: blank lines between paragraphs, "## " for a heading, "- " for a list item and
// [words](https://…) for a link. Nothing typed is ever HTML: the text is parsed into blocks that
// the page's template writes out escaped, and a link may only go to https://, mailto:, tel: or a
// path on this site.

export const CONTENT_KEYS = ['rights', 'complaints', 'help', 'links'] as const
export type ContentKey = (typeof CONTENT_KEYS)[number]
export const isContentKey = (value: string): value is ContentKey =>
  (CONTENT_KEYS as readonly string[]).includes(value)

export const CONTENT_MAX_LENGTH = 20_000

export const contentTitles: Record<ContentKey, string> = {
  rights: 'Your rights as a victim and support services',
  complaints: 'How to complain',
  help: 'Help using this service',
  links: 'Report, get advice and find out about your area',
}

/** The languages a force's page may be written in: English, and Welsh beside it (decision 0046). */
export type ContentLanguage = 'en' | 'cy'
export const contentLanguages: readonly ContentLanguage[] = ['en', 'cy']
export const languageNames: Record<ContentLanguage, string> = { en: 'English', cy: 'Welsh (Cymraeg)' }

/** Whether a page's words may have a Welsh version: the links are the same in both languages. */
export const hasWelsh = (key: ContentKey): boolean => key !== 'links'

/** The pages' titles in Welsh, shown with the Welsh words. */
export const contentTitlesCy: Record<ContentKey, string> = {
  rights: 'Eich hawliau fel dioddefwr a gwasanaethau cymorth',
  complaints: 'Sut i gwyno',
  help: 'Help i ddefnyddio’r gwasanaeth hwn',
  links: contentTitles.links,
}

/** A run of text, or a link, inside a block. */
export interface Inline {
  text: string
  href?: string
}
export type Block =
  | { kind: 'heading'; parts: Inline[] }
  | { kind: 'paragraph'; parts: Inline[] }
  | { kind: 'list'; items: Inline[][] }

/** What a force's words may say of it; `((force))`, `((phone))` and `((email))` in the text. */
export interface ForceFacts {
  name: string
  phone?: string
  email?: string
}

const safeHref = (href: string) =>
  /^https:\/\/[^\s<>"]+$/.test(href) ||
  /^mailto:[^\s<>"]+@[^\s<>"]+$/.test(href) ||
  /^tel:[+\d ]{3,20}$/.test(href) ||
  /^\/(?!\/)[^\s<>"]*$/.test(href)

function inline(text: string): Inline[] {
  const parts: Inline[] = []
  const link = /\[([^\]\n]{1,200})\]\(([^)\s]{1,500})\)/g
  let last = 0
  for (let m = link.exec(text); m; m = link.exec(text)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) })
    const [, words, href] = m
    parts.push(safeHref(href!) ? { text: words!, href } : { text: m[0] })
    last = m.index + m[0].length
  }
  if (last < text.length) parts.push({ text: text.slice(last) })
  return parts
}

/** The force's facts in place of their placeholders; an unknown one is left as typed. */
export function fillPlaceholders(text: string, force: ForceFacts): string {
  return text.replace(/\(\((force|phone|email)\)\)/g, (whole, name: string) => {
    if (name === 'force') return force.name
    if (name === 'phone') return force.phone ?? '101'
    return force.email ?? whole
  })
}

/** The text as blocks to render; every character typed stays text. */
export function parseContent(body: string, force: ForceFacts): Block[] {
  const blocks: Block[] = []
  const filled = fillPlaceholders(body.replace(/\r\n?/g, '\n'), force)
  for (const chunk of filled.split(/\n\s*\n/)) {
    const lines = chunk
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    if (!lines.length) continue
    if (lines.length === 1 && lines[0]!.startsWith('## ')) {
      blocks.push({ kind: 'heading', parts: inline(lines[0]!.slice(3).trim()) })
    } else if (lines.every((l) => /^[-*] /.test(l))) {
      blocks.push({ kind: 'list', items: lines.map((l) => inline(l.slice(2).trim())) })
    } else {
      blocks.push({ kind: 'paragraph', parts: inline(lines.join(' ')) })
    }
  }
  return blocks
}

/** Problems with a text a force administrator typed: links that may not be followed, length. */
export function checkContent(body: string): string[] {
  const problems: string[] = []
  if (!body.trim()) problems.push('Enter the text of the page')
  if (body.length > CONTENT_MAX_LENGTH)
    problems.push(`The text must be ${CONTENT_MAX_LENGTH.toLocaleString('en-GB')} characters or fewer`)
  for (const m of body.matchAll(/\[([^\]\n]{1,200})\]\(([^)\s]{1,500})\)/g))
    if (!safeHref(m[2]!))
      problems.push(`The link “${m[1]}” must start with https://, mailto:, tel: or / (a page on this site)`)
  if (/<[a-z!/]/i.test(body)) problems.push('The text cannot contain HTML: use the markup shown in the hint')
  return problems
}

/** The force's Single Online Home pages (CP-22, CP-73, CP-75). */
export interface SohLinks {
  report: string
  advice: string
  yourArea: string
  contact: string
}
export const sohLinkFields: { name: keyof SohLinks; label: string; requirement: string }[] = [
  { name: 'report', label: 'Report a crime or incident', requirement: 'CP-22' },
  { name: 'advice', label: 'Advice and information', requirement: 'CP-22' },
  {
    name: 'yourArea',
    label: 'Your area: local news, appeals and your neighbourhood team',
    requirement: 'CP-73',
  },
  { name: 'contact', label: 'Contact us', requirement: 'CP-75' },
]

/** The force websites on Single Online Home; any other force starts from police.uk. */
const sohSites: Record<string, string> = {
  bedfordshire: 'https://www.beds.police.uk',
  cambridgeshire: 'https://www.cambs.police.uk',
  hertfordshire: 'https://www.herts.police.uk',
  norfolk: 'https://www.norfolk.police.uk',
  suffolk: 'https://www.suffolk.police.uk',
  kent: 'https://www.kent.police.uk',
  essex: 'https://www.essex.police.uk',
}

export function defaultSohLinks(forceId: string): SohLinks {
  const site = sohSites[forceId]
  if (!site)
    return {
      report: 'https://www.police.uk/pu/contact-us/',
      advice: 'https://www.police.uk/pu/advice-crime-prevention/',
      yourArea: 'https://www.police.uk/pu/your-area/',
      contact: 'https://www.police.uk/pu/contact-us/',
    }
  return {
    report: `${site}/ro/report/`,
    advice: `${site}/advice/`,
    yourArea: `${site}/a/your-area/`,
    contact: `${site}/contact/af/contact-us/`,
  }
}

/** Each link must be an https:// address; the refusals name their field. */
export function checkSohLinks(links: Partial<Record<keyof SohLinks, string>>): {
  links: SohLinks
  errors: { field: string; message: string }[]
} {
  const errors: { field: string; message: string }[] = []
  const out = {} as SohLinks
  for (const f of sohLinkFields) {
    const value = (links[f.name] ?? '').trim()
    if (!/^https:\/\/[^\s<>"]{3,}$/.test(value) || value.length > 500)
      errors.push({
        field: f.name,
        message: `Enter the address of “${f.label}” starting with https://, up to 500 characters`,
      })
    out[f.name] = value
  }
  return { links: out, errors }
}

export function parseSohLinks(body: string, forceId: string): SohLinks {
  try {
    const parsed = JSON.parse(body) as Partial<SohLinks>
    const { links, errors } = checkSohLinks(parsed)
    return errors.length ? defaultSohLinks(forceId) : links
  } catch {
    return defaultSohLinks(forceId)
  }
}

/** Waypoint's words until a force writes its own. */
export function defaultContent(key: ContentKey, forceId: string): string {
  if (key === 'links') return JSON.stringify(defaultSohLinks(forceId))
  return defaults[key]
}

const defaults: Record<Exclude<ContentKey, 'links'>, string> = {
  rights: `The Code of Practice for Victims of Crime (the Victims' Code) sets out 12 rights you have as a victim of crime. ((force)) must give you these rights.

## Your 12 rights

- to be able to understand and to be understood
- to have the details of the crime recorded without unjustified delay
- to be given information when reporting the crime
- to be referred to services that support victims, with support that suits your needs
- to be given information about compensation
- to be given information about the investigation and prosecution
- to make a Victim Personal Statement
- to be given information about the trial, the trial process and your role as a witness
- to be given information about the outcome of the case and any appeals
- to be paid expenses and have property returned
- to be given information about the offender after a conviction
- to make a complaint about your rights not being met

Read [the Victims' Code on GOV.UK](https://www.gov.uk/government/publications/the-code-of-practice-for-victims-of-crime).

## Support for victims

You can get free, confidential support whether or not you reported the crime and however long ago it happened.

Victim Support's Supportline is open 24 hours a day, every day: call [08 08 16 89 111](tel:08081689111) or visit [Victim Support](https://www.victimsupport.org.uk/).

If you are in danger now, call 999.`,
  complaints: `You have the right to complain if you feel your rights under the Victims' Code have not been met (Right 12), or about the service you have had from ((force)).

## Complain to ((force)) first

Tell the officer dealing with your case, or call ((phone)). Say what happened, when, and what you would like to happen next. The force will tell you how it will deal with your complaint.

## If you are not happy with the answer

If your complaint is about how the police behaved, you can ask for a review. The [Independent Office for Police Conduct](https://www.policeconduct.gov.uk/complaints-and-reviews) explains how.

If your complaint is about your Victims' Code rights, and you are still not happy after the force has answered, you can ask your MP to refer it to the [Parliamentary and Health Service Ombudsman](https://www.ombudsman.org.uk/).`,
  help: `## Signing in

Sign in with the email address and password you chose, or with GOV.UK One Login if your force uses it. Each security code lasts 10 minutes. Codes can take a few minutes to arrive: check your junk email folder.

## Your cases

Your cases page lists every case you have been invited to follow. Open a case to see its status, the officer dealing with it and any updates.

## Messages

You can message the officer dealing with your case while it is open and an officer is assigned. If your message will not send, check the error at the top of the page, copy your message somewhere safe and try again. After several attempts, contact the force instead.

## Leaving the site quickly

Select Exit this page, or press the Shift key 3 times, to leave at once. It opens the BBC weather page. Your browser history still shows the pages you visited: use private browsing if someone may check.

## If this does not help

Contact ((force)) on ((phone)). Tell them you are using this service and what went wrong. In an emergency, call 999.`,
}
