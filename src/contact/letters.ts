// Letters from a contact (CRM-21): a handler chooses one of the force's letter templates (message
// templates written for the channel `letter`, in any language, versioned) and one of the person's
// cases; the template is filled with the same values as a text or email of a journey (the case's
// references, officer, status; the force's name), laid out as a plain letter with the force's name,
// the date, the person's name and address on record and the reference, and previewed. Made, it is
// a PDF kept as the attachment of an outbound `letter` message in the contact's conversation (so
// it is on the person's single view, and downloaded once scanned, by those who read
// conversations), with the template version and case recorded here and audited.
import { sql } from 'drizzle-orm'
import type { CaseService } from '../cases/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { DomainError, type FieldError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { type ItemRow, QueueRepository } from './queue-repository.ts'
import type { Acting } from './single-view.ts'

/** A letter template's newest version in one language, as the handler chooses it. */
export interface LetterTemplate {
  id: string
  key: string
  title: string
  language: string
  version: number
  body: string
}

/** One of the person's cases, whose values fill the letter. */
export interface LetterCase {
  /** `crime:<id>` or `incident:<id>`. */
  value: string
  kind: 'crime' | 'incident'
  id: string
  reference: string
  description: string | null
}

/** A message template row, as Messaging's templates hand it over. */
export interface TemplateVersionRow {
  id: string
  key: string
  title: string
  channel: string
  language: string
  version: number
  body: string
}

export type LetterValues = Record<string, string | number | boolean | null | undefined>

/** What the letter is made from, read in one transaction. */
export interface LetterChoices {
  item: ItemRow
  person: { id: string; name: string; address: string[] | null }
  templates: LetterTemplate[]
  cases: LetterCase[]
}

/** A letter ready to make: what the PDF will say. */
export interface LetterDraft extends LetterChoices {
  template: LetterTemplate
  chosenCase: LetterCase | null
  forceName: string
  date: Date
  reference: string | null
  /** The template's text with its values put in: paragraphs separated by blank lines. */
  text: string
}

export interface StoredLetter {
  id: string
  itemId: string
  personId: string
  personName: string | null
  conversationId: string
  messageId: string
  attachmentId: string
  scanStatus: string
  templateKey: string
  templateVersion: number
  templateTitle: string
  language: string
  reference: string | null
  body: string
  sha256: string
  createdByName: string
  createdAt: Date
}

/** The longest letter text, once filled in (a template's text is at most 10,000 characters). */
export const letterTextMax = 20_000

const longDate = (at: Date) =>
  at.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  })

/** A postal address on record as lines: split at commas and line breaks. */
export function addressLines(address: string): string[] {
  return address
    .split(/[,\n]/)
    .map((l) => l.trim())
    .filter(Boolean)
}

/** Keeps a made letter in the contact's conversation, its PDF attached (Messaging's conversations). */
export type StoreLetter = (
  tx: Tx,
  forceId: string,
  letter: {
    conversationId: string
    author: { staffId: string; displayName: string }
    to: string
    subject: string
    body: string
    filename: string
    pdf: Buffer
  },
) => Promise<{ messageId: string; attachmentId: string; sha256: string }>

/** Renders a letter's text with values; throws when a value is missing (the message's rule). */
export type RenderLetter = (body: string, values: LetterValues) => string

export class LetterService {
  readonly #db: Database
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #cases: Pick<CaseService, 'getPerson'>
  readonly #queue = new QueueRepository()
  readonly #templates: (tx: Tx, forceId: string) => Promise<TemplateVersionRow[]>
  readonly #values: (
    tx: Tx,
    forceId: string,
    key: { crimeId?: string; incidentId?: string } | null,
  ) => Promise<LetterValues>
  readonly #render: RenderLetter
  readonly #store: StoreLetter
  readonly #forceName: (tx: Tx, forceId: string) => Promise<string | undefined>

  constructor(deps: {
    db: Database
    audit: AuditService
    clock: Clock
    cases: Pick<CaseService, 'getPerson'>
    /** The force's message templates, every version (Messaging). */
    templates: (tx: Tx, forceId: string) => Promise<TemplateVersionRow[]>
    /** The values a journey's message would have for a case (none: the force's alone). */
    values: (
      tx: Tx,
      forceId: string,
      key: { crimeId?: string; incidentId?: string } | null,
    ) => Promise<LetterValues>
    render: RenderLetter
    /** Keeps the letter in the conversation, its PDF attached (Messaging's conversations). */
    store: StoreLetter
    forceName: (tx: Tx, forceId: string) => Promise<string | undefined>
  }) {
    this.#db = deps.db
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#cases = deps.cases
    this.#templates = deps.templates
    this.#values = deps.values
    this.#render = deps.render
    this.#store = deps.store
    this.#forceName = deps.forceName
  }

  /** The letter templates and the person's cases, for the page; `audit` runs in the transaction. */
  async choices(
    forceId: string,
    itemId: string,
    audit: (tx: Tx, item: ItemRow) => Promise<unknown>,
  ): Promise<LetterChoices> {
    return this.#db.withForce(forceId, async (tx) => {
      const found = await this.#read(tx, forceId, itemId)
      await audit(tx, found.item)
      return found
    })
  }

  /**
   * The letter as it will be made from the choices: refused, naming the field, when a choice is
   * missing or not one offered, when the person has no address on record, or when the template
   * needs a value the chosen case does not have. `audit` runs in the transaction that read it.
   */
  async preview(
    forceId: string,
    itemId: string,
    choice: { template?: string | undefined; case?: string | undefined },
    audit: (tx: Tx, item: ItemRow) => Promise<unknown>,
  ): Promise<LetterDraft> {
    return this.#db.withForce(forceId, async (tx) => {
      const draft = await this.#draft(tx, forceId, itemId, choice)
      await audit(tx, draft.item)
      return draft
    })
  }

  /**
   * Makes the letter: the PDF, kept as the attachment of an outbound letter in the contact's
   * conversation (waiting for its scan like any file), recorded with its template version and
   * case, and audited, all in one transaction.
   */
  async create(
    forceId: string,
    itemId: string,
    choice: { template?: string | undefined; case?: string | undefined },
    acting: Acting & { name: string },
  ): Promise<{ id: string; conversationId: string }> {
    return this.#db.withForce(forceId, async (tx) => {
      const draft = await this.#draft(tx, forceId, itemId, choice)
      const pdf = await renderLetterPdf(draft)
      const filename = `letter-${draft.template.key}-${draft.date.toISOString().slice(0, 10)}.pdf`
      const stored = await this.#store(tx, forceId, {
        conversationId: draft.item.conversationId,
        author: { staffId: acting.staffId, displayName: acting.name },
        to: [draft.person.name, ...(draft.person.address ?? [])].join(', '),
        subject: `Letter: ${draft.template.title}`,
        body: draft.text,
        filename,
        pdf,
      })
      const [letter] = await rows<{ id: string }>(
        tx,
        sql`insert into contact_letters (force_id, item_id, person_id, conversation_id, message_id, attachment_id,
              template_id, template_key, template_version, language, crime_id, incident_id, sha256, created_by,
              created_by_name, created_at)
            values (${forceId}, ${itemId}, ${draft.person.id}, ${draft.item.conversationId}, ${stored.messageId},
              ${stored.attachmentId}, ${draft.template.id}, ${draft.template.key}, ${draft.template.version},
              ${draft.template.language}, ${draft.chosenCase?.kind === 'crime' ? draft.chosenCase.id : null},
              ${draft.chosenCase?.kind === 'incident' ? draft.chosenCase.id : null}, ${stored.sha256},
              ${acting.staffId}, ${acting.name.slice(0, 200)}, ${this.#clock.now()})
            returning id`,
      )
      await this.#audit.record(
        {
          action: 'contact-letter.created',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact-letter',
          recordId: letter!.id,
          detail: {
            contact: itemId,
            person: draft.person.id,
            template: draft.template.key,
            version: draft.template.version,
            language: draft.template.language,
            ...(draft.chosenCase ? { [draft.chosenCase.kind]: draft.chosenCase.id } : {}),
            attachment: stored.attachmentId,
            sha256: stored.sha256,
            bytes: pdf.length,
          },
        },
        tx,
      )
      return { id: letter!.id, conversationId: draft.item.conversationId }
    })
  }

  /** One letter of the force, with its file's scan status; `audit` runs in the transaction. */
  async letter(
    forceId: string,
    id: string,
    audit: (tx: Tx, letter: StoredLetter) => Promise<unknown>,
  ): Promise<StoredLetter> {
    return this.#db.withForce(forceId, async (tx) => {
      const [found] = await rows<StoredLetter>(tx, sql`${letterSelect} where l.id = ${id}`)
      if (!found) throw new NotFoundError('The letter')
      const letter = { ...found, createdAt: new Date(found.createdAt) }
      await audit(tx, letter)
      return letter
    })
  }

  /** The letters made from a contact, oldest first (for its page; read with the contact). */
  async forContact(forceId: string, itemId: string): Promise<StoredLetter[]> {
    return this.#db.withForce(forceId, async (tx) =>
      (
        await rows<StoredLetter>(
          tx,
          sql`${letterSelect} where l.item_id = ${itemId} order by l.created_at, l.id limit 50`,
        )
      ).map((l) => ({ ...l, createdAt: new Date(l.createdAt) })),
    )
  }

  async #read(tx: Tx, forceId: string, itemId: string): Promise<LetterChoices> {
    const item = await this.#queue.item(tx, itemId)
    if (!item) throw new NotFoundError('The contact')
    if (!item.personId)
      throw new DomainError(
        'letter-needs-person',
        'A letter can only be made for a person on record: match the sender to a person first.',
        { status: 409 },
      )
    const record = await this.#cases.getPerson(forceId, item.personId, { tx, timeline: false })
    const addresses = record.contactPoints
      .filter((c) => c.kind === 'address')
      .sort(
        (a, b) =>
          Number(b.preferred) - Number(a.preferred) || b.lastSeenAt.getTime() - a.lastSeenAt.getTime(),
      )
    const newest = new Map<string, LetterTemplate>()
    for (const t of await this.#templates(tx, forceId)) {
      if (t.channel !== 'letter') continue
      const key = `${t.key}|${t.language}`
      const seen = newest.get(key)
      if (!seen || seen.version < t.version)
        newest.set(key, {
          id: t.id,
          key: t.key,
          title: t.title,
          language: t.language,
          version: t.version,
          body: t.body,
        })
    }
    const cases = await rows<{
      crimeId: string | null
      incidentId: string | null
      crimeRef: string | null
      crimeType: string | null
      cadRef: string | null
      incidentType: string | null
    }>(
      tx,
      sql`select distinct p.crime_id as "crimeId", p.incident_id as "incidentId", c.crime_ref as "crimeRef",
            c.crime_type as "crimeType", i.cad_ref as "cadRef", i.incident_type as "incidentType"
          from case_parties p left join crimes c on c.id = p.crime_id left join incidents i on i.id = p.incident_id
          where p.force_id = ${forceId} and p.person_id = ${item.personId}
          order by 3 nulls last, 5 limit 100`,
    )
    return {
      item,
      person: {
        id: record.person.id,
        name: record.person.displayName ?? item.personName ?? '',
        address: addresses[0] ? addressLines(addresses[0].value) : null,
      },
      templates: [...newest.values()].sort(
        (a, b) =>
          a.title.localeCompare(b.title) ||
          Number(b.language === 'en') - Number(a.language === 'en') ||
          a.language.localeCompare(b.language),
      ),
      cases: cases.flatMap((c): LetterCase[] =>
        c.crimeId && c.crimeRef
          ? [
              {
                value: `crime:${c.crimeId}`,
                kind: 'crime',
                id: c.crimeId,
                reference: c.crimeRef,
                description: c.crimeType,
              },
            ]
          : c.incidentId && c.cadRef
            ? [
                {
                  value: `incident:${c.incidentId}`,
                  kind: 'incident',
                  id: c.incidentId,
                  reference: c.cadRef,
                  description: c.incidentType,
                },
              ]
            : [],
      ),
    }
  }

  async #draft(
    tx: Tx,
    forceId: string,
    itemId: string,
    choice: { template?: string | undefined; case?: string | undefined },
  ): Promise<LetterDraft> {
    const found = await this.#read(tx, forceId, itemId)
    const errors: FieldError[] = []
    const template = found.templates.find((t) => t.id === choice.template)
    if (!template)
      errors.push({
        field: 'template',
        message: found.templates.length
          ? 'Select a letter template'
          : 'Your force has no letter templates yet: a template designer writes them in Message templates',
      })
    const chosenCase =
      choice.case === 'none' ? null : (found.cases.find((c) => c.value === choice.case) ?? undefined)
    if (chosenCase === undefined)
      errors.push({ field: 'case', message: 'Select the case the letter is about, or no case' })
    if (!found.person.address)
      errors.push({
        field: 'template',
        message: 'The person has no address on record: a letter cannot be made until a source records one',
      })
    if (!found.person.name)
      errors.push({ field: 'template', message: 'The person has no name on record: a letter needs one' })
    if (errors.length || !template || chosenCase === undefined) throw new ValidationError(errors)
    const values = await this.#values(
      tx,
      forceId,
      chosenCase === null
        ? null
        : chosenCase.kind === 'crime'
          ? { crimeId: chosenCase.id }
          : { incidentId: chosenCase.id },
    )
    let text: string
    try {
      text = this.#render(template.body, values)
    } catch (error) {
      const missing = (error as { missing?: string[] }).missing
      if (!missing) throw error
      throw new ValidationError([
        {
          field: 'case',
          message: `The template needs ${missing.map((m) => `((${m}))`).join(', ')}, which ${chosenCase ? 'this case does not have' : 'comes from a case'}: choose ${chosenCase ? 'another case' : 'a case'} or another template`,
        },
      ])
    }
    if (text.length > letterTextMax)
      throw new ValidationError([
        {
          field: 'template',
          message: `The letter is too long once filled in (over ${letterTextMax} characters)`,
        },
      ])
    return {
      ...found,
      template,
      chosenCase,
      forceName: (await this.#forceName(tx, forceId)) ?? forceId,
      date: this.#clock.now(),
      reference: chosenCase?.reference ?? null,
      text,
    }
  }
}

const letterSelect = sql`select l.id, l.item_id as "itemId", l.person_id as "personId", p.display_name as "personName",
    l.conversation_id as "conversationId", l.message_id as "messageId", l.attachment_id as "attachmentId",
    a.scan_status as "scanStatus", l.template_key as "templateKey", l.template_version as "templateVersion",
    t.title as "templateTitle", l.language, coalesce(c.crime_ref, i.cad_ref) as reference, m.body, l.sha256,
    l.created_by_name as "createdByName", l.created_at as "createdAt"
  from contact_letters l
    join conversation_messages m on m.id = l.message_id
    join conversation_attachments a on a.id = l.attachment_id
    join message_templates t on t.id = l.template_id
    left join people p on p.id = l.person_id
    left join crimes c on c.id = l.crime_id
    left join incidents i on i.id = l.incident_id`

/**
 * The letter as a PDF, in the plain layout of a GOV.UK letter: the force's name, the person's name
 * and address, the date and reference, the template's title as the heading, then its text. In the
 * PDF standard fonts, so nothing is fetched.
 */
export async function renderLetterPdf(draft: LetterDraft): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit')
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 70, right: 70 },
    info: { Title: draft.template.title, Author: draft.forceName },
    lang: draft.template.language === 'cy' ? 'cy-GB' : 'en-GB',
  })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.font('Helvetica-Bold').fontSize(16).fillColor('#0b0c0c').text(draft.forceName)
  doc.moveDown(2).font('Helvetica').fontSize(12)
  for (const line of [draft.person.name, ...(draft.person.address ?? [])]) doc.text(line)
  doc.moveDown(1.5)
  doc.text(longDate(draft.date))
  if (draft.reference) doc.text(`Reference: ${draft.reference}`)
  doc.moveDown(1.5).font('Helvetica-Bold').fontSize(16).text(draft.template.title)
  doc.moveDown(0.8).font('Helvetica').fontSize(12)
  for (const paragraph of draft.text.split(/\n\s*\n/)) {
    doc.text(paragraph.trim(), { lineGap: 2 })
    doc.moveDown(0.8)
  }
  doc.end()
  return done
}
