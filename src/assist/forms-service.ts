// Assist's standard forms (CRM-20): the force's switch (off until its administrator turns it on,
// audited), preparing a form from a contact (the suggestions shown, and their sources, kept and
// audited), the handler's submission (their values, and how each field stands to the suggestion,
// kept; each change audited by field name) and the submitted forms. Waypoint suggests; the handler
// decides: nothing is sent or acted on until they submit, and what they submit is theirs.
import { sql } from 'drizzle-orm'
import type { ContactRecord } from '../contact/contact-record.ts'
import type { ItemRow } from '../contact/queue-repository.ts'
import type { SingleViewService } from '../contact/single-view.ts'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.ts'
import {
  changeOf,
  type FieldChange,
  type FormDefinition,
  type FormValues,
  formDefinition,
  formDefinitions,
  prefill,
  type Suggestion,
  suggest,
  validate,
} from './forms.ts'
import { personItems } from './summary-module.ts'

/** Contact's reader of a contact (handed in); `audit` runs in the transaction that read it. */
export type ReadContact = (
  forceId: string,
  itemId: string,
  audit: (tx: Tx, item: ItemRow) => Promise<unknown>,
) => Promise<ContactRecord>

export type PersonHistoryWithRecord = Awaited<ReturnType<SingleViewService['history']>>

/** How many of the person's newest history entries (of each source) a form reads. */
export const formHistoryRead = 200

export interface Acting extends Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'> {
  staffId: string
  name: string
}

export interface FormChange {
  suggested: string | string[] | null
  final: string | string[]
  change: FieldChange
}

export interface StoredForm {
  id: string
  form: FormDefinition
  itemId: string
  personId: string | null
  status: 'draft' | 'submitted'
  suggested: Record<string, Suggestion>
  preparedAt: Date
  submitted: FormValues | null
  changes: Record<string, FormChange> | null
  submittedByName: string | null
  submittedAt: Date | null
}

export interface SubmittedListing {
  id: string
  title: string
  subject: string
  itemId: string
  submittedByName: string | null
  submittedAt: Date
}

interface FormRow {
  id: string
  form: string
  itemId: string
  personId: string | null
  status: 'draft' | 'submitted'
  suggested: Record<string, Suggestion>
  preparedAt: Date | string
  submitted: FormValues | null
  changes: Record<string, FormChange> | null
  submittedByName: string | null
  submittedAt: Date | string | null
}

const formColumns = sql.raw(`id, form, item_id as "itemId", person_id as "personId", status, suggested,
  prepared_at as "preparedAt", submitted, changes, submitted_by_name as "submittedByName",
  submitted_at as "submittedAt"`)

export class FormsService {
  readonly #db: Database
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #readContact: ReadContact
  readonly #personHistory: (
    forceId: string,
    personId: string,
    limit: number,
  ) => Promise<PersonHistoryWithRecord>

  constructor(deps: {
    db: Database
    audit: AuditService
    clock: Clock
    readContact: ReadContact
    personHistory: (forceId: string, personId: string, limit: number) => Promise<PersonHistoryWithRecord>
  }) {
    this.#db = deps.db
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#readContact = deps.readContact
    this.#personHistory = deps.personHistory
  }

  /** The force's switch: off until its administrator turns it on. */
  async setting(forceId: string): Promise<{ enabled: boolean; updatedAt: Date | null }> {
    const [row] = await this.#db.withForce(forceId, (tx) =>
      rows<{ enabled: boolean; updatedAt: Date }>(
        tx,
        sql`select enabled, updated_at as "updatedAt" from assist_form_settings where force_id = ${forceId}`,
      ),
    )
    return { enabled: row?.enabled ?? false, updatedAt: row?.updatedAt ?? null }
  }

  /** Turns form filling on or off for the force, audited with who did it and the choice. */
  async setEnabled(forceId: string, choice: string | undefined, acting: Acting): Promise<void> {
    if (choice !== 'yes' && choice !== 'no')
      throw new ValidationError([{ field: 'enabled', message: 'Select whether to fill in standard forms' }])
    const enabled = choice === 'yes'
    await this.#db.withForce(forceId, async (tx) => {
      await tx.execute(
        sql`insert into assist_form_settings (force_id, enabled, updated_by, updated_at)
            values (${forceId}, ${enabled}, ${acting.staffId}, ${this.#clock.now()})
            on conflict (force_id) do update set enabled = excluded.enabled, updated_by = excluded.updated_by,
              updated_at = excluded.updated_at`,
      )
      await this.#record(tx, forceId, acting, 'assist.forms-switched', 'assist-form-settings', forceId, {
        enabled,
      })
    })
  }

  /** The forms a contact's page offers: none while the force has form filling off. */
  async offered(forceId: string, itemId: string): Promise<{ text: string; href: string }[]> {
    if (!(await this.setting(forceId)).enabled) return []
    return formDefinitions.map((f) => ({
      text: f.action,
      href: `/console/contact/queue/contacts/${itemId}/forms/${f.id}`,
    }))
  }

  async #requireEnabled(forceId: string): Promise<void> {
    if (!(await this.setting(forceId)).enabled)
      throw new ForbiddenError('Form filling is switched off for your force')
  }

  /**
   * Prepares a form from a contact: reads the contact (its view audited with `audit`) and the
   * person's single view, suggests each field it can with its sources, and keeps and audits what
   * is shown. Returns the draft.
   */
  async prepare(
    forceId: string,
    formId: string,
    itemId: string,
    acting: Acting,
    audit: (tx: Tx, item: ItemRow) => Promise<unknown>,
  ): Promise<StoredForm> {
    const form = formDefinition(formId)
    if (!form) throw new NotFoundError('The form')
    await this.#requireEnabled(forceId)
    const contact = await this.#readContact(forceId, itemId, audit)
    const personId = contact.item.personId
    const history = personId ? await this.#personHistory(forceId, personId, formHistoryRead) : null
    const now = this.#clock.now()
    const shown = prefill(
      form,
      suggest({
        contact,
        person:
          history && personId
            ? {
                id: personId,
                displayName: history.record.person.displayName,
                dateOfBirth: history.record.person.dateOfBirth,
                contactPoints: history.record.contactPoints,
                markers: history.markers,
                entries: history.entries,
                items: personItems(history).items,
              }
            : null,
        referrer: { name: acting.name },
        now,
      }),
    )
    return this.#db.withForce(forceId, async (tx) => {
      const [row] = await rows<{ id: string }>(
        tx,
        sql`insert into assist_forms (force_id, form, item_id, person_id, status, suggested, prepared_by, prepared_at)
            values (${forceId}, ${form.id}, ${itemId}, ${personId}, 'draft', ${JSON.stringify(shown)}::jsonb,
              ${acting.staffId}, ${now}) returning id`,
      )
      await this.#record(tx, forceId, acting, 'assist.form-prefilled', 'assist-form', row!.id, {
        form: form.id,
        contact: itemId,
        ...(personId ? { person: personId } : {}),
        // Which fields were filled and from how many records: names, never the values.
        filled: Object.fromEntries(Object.entries(shown).map(([k, s]) => [k, s.sources.length])),
      })
      return {
        id: row!.id,
        form,
        itemId,
        personId,
        status: 'draft' as const,
        suggested: shown,
        preparedAt: now,
        submitted: null,
        changes: null,
        submittedByName: null,
        submittedAt: null,
      }
    })
  }

  /** One of the force's forms; `audit` runs in the transaction that read it. */
  async open(
    forceId: string,
    id: string,
    audit: (tx: Tx, form: StoredForm) => Promise<unknown>,
  ): Promise<StoredForm> {
    return this.#db.withForce(forceId, async (tx) => {
      const found = await this.#find(tx, id)
      await audit(tx, found)
      return found
    })
  }

  async #find(tx: Tx, id: string): Promise<StoredForm> {
    const [row] = await rows<FormRow>(tx, sql`select ${formColumns} from assist_forms where id = ${id}`)
    const form = row ? formDefinition(row.form) : undefined
    if (!row || !form) throw new NotFoundError('The form')
    return {
      ...row,
      form,
      preparedAt: new Date(row.preparedAt),
      submittedAt: row.submittedAt ? new Date(row.submittedAt) : null,
    }
  }

  /**
   * The handler's submission: checked against the form's fields and limits; their values kept,
   * with how each field stands to what was suggested; each change and the submission audited.
   */
  async submit(
    forceId: string,
    id: string,
    input: Record<string, unknown>,
    acting: Acting,
  ): Promise<StoredForm> {
    await this.#requireEnabled(forceId)
    return this.#db.withForce(forceId, async (tx) => {
      const found = await this.#find(tx, id)
      if (found.status !== 'draft')
        throw new ValidationError([{ field: 'form', message: 'This form has already been submitted' }])
      const now = this.#clock.now()
      const { values, errors } = validate(found.form, input, now)
      if (errors.length) throw new ValidationError(errors)
      const changes: Record<string, FormChange> = {}
      for (const f of found.form.fields) {
        const suggested = found.suggested[f.name]
        changes[f.name] = {
          suggested: suggested?.value ?? null,
          final: values[f.name] ?? '',
          change: changeOf(suggested, values[f.name] ?? ''),
        }
      }
      await tx.execute(
        sql`update assist_forms set status = 'submitted', submitted = ${JSON.stringify(values)}::jsonb,
              changes = ${JSON.stringify(changes)}::jsonb, submitted_by = ${acting.staffId},
              submitted_by_name = ${acting.name.slice(0, 200)}, submitted_at = ${now}
            where id = ${id} and status = 'draft'`,
      )
      const counts: Record<FieldChange, number> = { accepted: 0, edited: 0, cleared: 0, entered: 0, empty: 0 }
      for (const [field, c] of Object.entries(changes)) {
        counts[c.change]++
        if (c.change === 'edited' || c.change === 'cleared' || c.change === 'entered')
          await this.#record(tx, forceId, acting, 'assist.form-field-changed', 'assist-form', id, {
            form: found.form.id,
            field,
            change: c.change,
          })
      }
      await this.#record(tx, forceId, acting, 'assist.form-submitted', 'assist-form', id, {
        form: found.form.id,
        contact: found.itemId,
        ...(found.personId ? { person: found.personId } : {}),
        ...counts,
      })
      return {
        ...found,
        status: 'submitted',
        submitted: values,
        changes,
        submittedByName: acting.name,
        submittedAt: now,
      }
    })
  }

  /** The force's submitted forms, newest first; `audit` runs with the read. */
  async submitted(
    forceId: string,
    limit: number,
    audit: (tx: Tx, shown: SubmittedListing[]) => Promise<unknown>,
  ): Promise<SubmittedListing[]> {
    return this.#db.withForce(forceId, async (tx) => {
      const found = await rows<{
        id: string
        form: string
        subject: string | null
        itemId: string
        submittedByName: string | null
        submittedAt: Date | string
      }>(
        tx,
        sql`select id, form, submitted->>'subjectName' as subject, item_id as "itemId",
              submitted_by_name as "submittedByName", submitted_at as "submittedAt"
            from assist_forms where status = 'submitted' order by submitted_at desc, id limit ${limit}`,
      )
      const listing = found.map((r) => ({
        id: r.id,
        title: formDefinition(r.form)?.title ?? r.form,
        subject: r.subject ?? '',
        itemId: r.itemId,
        submittedByName: r.submittedByName,
        submittedAt: new Date(r.submittedAt),
      }))
      await audit(tx, listing)
      return listing
    })
  }

  /** Records that a submitted form was downloaded as a PDF. */
  async downloaded(forceId: string, found: StoredForm, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, (tx) =>
      this.#record(tx, forceId, acting, 'assist-form.downloaded', 'assist-form', found.id, {
        form: found.form.id,
        format: 'pdf',
      }),
    )
  }

  async #record(
    tx: Tx,
    forceId: string,
    acting: Acting,
    action: string,
    recordType: string,
    recordId: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.#audit.record(
      {
        action,
        forceId,
        actor: acting.actor,
        ip: acting.ip ?? null,
        correlationId: acting.correlationId ?? null,
        recordType,
        recordId,
        detail,
      },
      tx,
    )
  }
}
