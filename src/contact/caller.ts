// The caller beside a contact: its calls (with their CTI events, wait and handling time), its
// call-backs, the verification of who the caller is (CRM-15) and the addresses confirmed with them
// against the gazetteer (CRM-32). One read for the contact's caller page, audited by the page.
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import type { Gazetteer, GazetteerAddress } from './gazetteer.ts'
import { QUERY_MAX } from './gazetteer.ts'
import type { Acting } from './queue.ts'
import type { ItemRow, QueueRepository } from './queue-repository.ts'
import type { ConfirmedAddressRow, TelephonyRepository } from './telephony-repository.ts'
import type { TelephonyService } from './telephony.ts'
import type { VerificationService, VerificationState } from './verification.ts'

export interface CallerPage {
  item: ItemRow
  calls: Awaited<ReturnType<TelephonyService['ofContact']>>['calls']
  callbacks: Awaited<ReturnType<TelephonyService['ofContact']>>['callbacks']
  verification: VerificationState
  addresses: ConfirmedAddressRow[]
}

export class CallerService {
  readonly #db: Database
  readonly #repo: TelephonyRepository
  readonly #queueRepo: QueueRepository
  readonly #telephony: TelephonyService
  readonly #verification: VerificationService
  readonly #gazetteer: Gazetteer
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: {
    db: Database
    repo: TelephonyRepository
    queueRepo: QueueRepository
    telephony: TelephonyService
    verification: VerificationService
    gazetteer: Gazetteer
    clock: Clock
    audit: AuditService
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#queueRepo = deps.queueRepo
    this.#telephony = deps.telephony
    this.#verification = deps.verification
    this.#gazetteer = deps.gazetteer
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  get gazetteerName(): string {
    return this.#gazetteer.name
  }

  async page(
    forceId: string,
    itemId: string,
    audit: (tx: Tx, page: CallerPage) => Promise<unknown>,
  ): Promise<CallerPage> {
    return this.#db.withForce(forceId, async (tx) => {
      const item = await this.#queueRepo.item(tx, itemId)
      if (!item) throw new NotFoundError('The contact')
      const { calls, callbacks } = await this.#telephony.ofContact(tx, itemId)
      const page: CallerPage = {
        item,
        calls,
        callbacks,
        verification: await this.#verification.state(tx, item),
        addresses: await this.#repo.addresses(tx, itemId),
      }
      await audit(tx, page)
      return page
    })
  }

  /** Addresses like what the caller says, from the gazetteer. */
  async searchAddresses(query: string): Promise<GazetteerAddress[]> {
    const text = query.trim()
    if (!text)
      throw new ValidationError([
        { field: 'address', message: 'Enter an address, a street or a postcode to search for' },
      ])
    if (text.length > QUERY_MAX)
      throw new ValidationError([
        { field: 'address', message: `Address must be ${QUERY_MAX} characters or fewer` },
      ])
    return this.#gazetteer.search(text, 10)
  }

  /** The handler who has the contact confirms the caller's address by its UPRN. */
  async confirmAddress(
    forceId: string,
    itemId: string,
    input: { uprn?: string },
    acting: Acting,
  ): Promise<GazetteerAddress> {
    const uprn = (input.uprn ?? '').trim()
    if (!/^\d{1,12}$/.test(uprn))
      throw new ValidationError([{ field: 'uprn', message: 'Choose the caller’s address' }])
    const found = await this.#gazetteer.byUprn(uprn)
    if (!found)
      throw new ValidationError([
        { field: 'uprn', message: 'The gazetteer has no address with that UPRN: search again' },
      ])
    await this.#db.withForce(forceId, async (tx) => {
      const item = await this.#queueRepo.item(tx, itemId)
      if (!item) throw new NotFoundError('The contact')
      if (item.assignedTo !== acting.staffId || item.status === 'closed' || item.status === 'waiting')
        throw new ValidationError([
          {
            field: 'uprn',
            message: 'Only the handler who has this contact may confirm the caller’s address',
          },
        ])
      await this.#repo.insertAddress(tx, {
        forceId,
        itemId,
        uprn: found.uprn,
        address: found.address,
        gazetteer: this.#gazetteer.name,
        by: acting.staffId,
        at: this.#clock.now(),
      })
      await this.#audit.record(
        {
          action: 'contact.address-confirmed',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact',
          recordId: itemId,
          detail: { uprn: found.uprn, gazetteer: this.#gazetteer.name },
        },
        tx,
      )
    })
    return found
  }
}
