// CP-155: the Welsh catalogue covers every word the citizen pages put through it, keeps each
// entry's values and markup, and the words routes and services make (titles, field errors with
// numbers in them) come out Welsh; dates have Welsh month names (decision 0057).
import assert from 'node:assert/strict'
import { globSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { cy, en } from './catalogue.ts'
import { characterCountText, formatDate, translate, translateHtml } from './i18n.ts'

const sourceRoot = resolve(import.meta.dirname, '../..')

/** Every literal message id a template gives `t()` or `tHtml()`, with the template it is in. */
function templateMessageIds(): { id: string; file: string }[] {
  const found: { id: string; file: string }[] = []
  for (const file of globSync('**/*.njk', { cwd: sourceRoot })) {
    const text = readFileSync(resolve(sourceRoot, file), 'utf8')
    for (const m of text.matchAll(/\b(?:t|tHtml)\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/g)) {
      const literal = m[1]!
      found.push({ id: literal.slice(1, -1).replace(/\\(["'])/g, '$1'), file })
    }
  }
  return found
}

test('CP-155: every word a citizen page puts through the catalogue has Welsh, and the en and cy catalogues have the same entries', () => {
  const ids = templateMessageIds()
  assert.ok(ids.length > 300, `the templates use the catalogue (${ids.length} ids)`)
  const missing = ids.filter(({ id }) => !(id in cy)).map(({ id, file }) => `${file}: ${id}`)
  assert.deepEqual(missing, [])
  assert.deepEqual(Object.keys(en).sort(), Object.keys(cy).sort())
  for (const [id, welsh] of Object.entries(cy)) assert.ok(welsh.trim(), `Welsh for «${id}»`)
})

test('CP-155: each Welsh entry keeps the values and the markup of its English', () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
  const tags = (s: string) =>
    [...s.matchAll(/<\/?([a-z]+)[^>]*?(?:href="([^"]*)")?[^>]*>/g)].map((m) => `${m[1]} ${m[2] ?? ''}`)
  for (const [id, welsh] of Object.entries(cy)) {
    assert.deepEqual(placeholders(welsh), placeholders(id), `placeholders of «${id}»`)
    assert.deepEqual(tags(welsh), tags(id), `markup of «${id}»`)
  }
})

test('CP-155: words the same in both languages are few and named', () => {
  const same = Object.entries(cy)
    .filter(([id, welsh]) => id === welsh)
    .map(([id]) => id)
  assert.deepEqual(same.sort(), ['GOV.UK One Login', 'Help'])
})

test('CP-155: words made by routes and services come out Welsh, values and all; English pages and unknown words are left as they are', () => {
  assert.equal(translate('cy', 'Sign in'), 'Mewngofnodi')
  assert.equal(translate('en', 'Sign in'), 'Sign in')
  assert.equal(
    translate('cy', 'Enter a password of at least 12 characters'),
    'Rhowch gyfrinair sydd ag o leiaf 12 nod',
  )
  assert.equal(
    translate('cy', 'The status of your case changed to: Under investigation'),
    'Newidiodd statws eich achos i: Yn cael ei ymchwilio',
  )
  assert.equal(
    translate(
      'cy',
      'Your officer aims to reply within 2 working days (09:00 to 17:00, Monday to Friday, not bank holidays). They may be on leave or working shifts.',
    ),
    'Mae eich swyddog yn anelu at ateb o fewn 2 diwrnod gwaith (09:00 i 17:00, dydd Llun i ddydd Gwener, nid ar wyliau banc). Efallai y bydd ar wyliau neu’n gweithio shifftiau.',
  )
  assert.equal(translate('cy', 'Messages: Burglary 46/1/26'), 'Negeseuon: Burglary 46/1/26')
  // Short entries are not patterns: "to" in an English sentence is not turned into "tan".
  assert.equal(translate('cy', 'A sentence from 9 to 5'), 'A sentence from 9 to 5')
  assert.equal(
    translate('cy', 'We sent a 6-digit code to {address}. It expires in 10 minutes.', { address: 'a@b.c' }),
    'Rydym wedi anfon cod 6 digid at a@b.c. Bydd yn dod i ben ymhen 10 munud.',
  )
  // Values put into markup are escaped; the catalogue's own markup is kept.
  assert.equal(translateHtml('cy', 'Reference: {reference}', { reference: '<b>' }), 'Cyfeirnod: &lt;b&gt;')
})

test('CP-155: dates on a Welsh page have Welsh month names', () => {
  const at = new Date('2026-06-10T10:00:00Z')
  assert.equal(formatDate(at, 'date', 'cy'), '10 Mehefin 2026')
  assert.equal(formatDate(at, 'date', 'en'), '10 June 2026')
  assert.match(formatDate(new Date('2026-12-06T09:30:00Z'), 'datetime', 'cy'), /^6 Rhag 2026, 09:30$/)
  assert.equal(characterCountText('en').textareaDescriptionText, undefined)
  assert.equal(characterCountText('cy').textareaDescriptionText, 'Gallwch roi hyd at %{count} nod')
})
