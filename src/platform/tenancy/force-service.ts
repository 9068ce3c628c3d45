// Forces, the products each has bought, and sharing agreements between forces (UJ-5, CP-5, CRM-5).
import type { Product } from '../auth/roles.ts'
import { HeldValues } from '../cache.ts'
import type { Clock } from '../clock.ts'
import { type FieldError, NotFoundError, ValidationError } from '../errors.ts'
import type { ForceBranding } from '../schema.ts'
import { contrastWithWhite, isHexColour, MINIMUM_CONTRAST_WITH_WHITE } from './branding.ts'
import type { Force, ForceRepository, SharingAgreement } from './force-repository.ts'

export const products: readonly Product[] = ['journeys', 'portal', 'contact']
export const recordKinds = ['case', 'person', 'message', 'conversation', 'contact'] as const

export type AgreementStatus = 'active' | 'not yet started' | 'expired' | 'revoked'

/** What a force administrator may change about their own force (UJ-12, CP-1, CRM-1). */
export interface ForceProfileInput {
  displayName: string
  logoText: string
  logoUrl: string
  primaryColour: string
  senderName: string
  replyToEmail: string
  contactPhone: string
}

export interface ForceSettings {
  senderName?: string
  replyToEmail?: string
  contactPhone?: string
}

export interface AgreementInput {
  fromForceId: string
  toForceId: string
  recordKinds: string[]
  purpose: string
  startsAt: Date
  expiresAt: Date | null
}

export class ForceService {
  readonly #repo: ForceRepository
  readonly #clock: Clock
  /** Forces change rarely; holding them briefly keeps product checks off the hot path. */
  readonly #forces = new HeldValues<Map<string, Force>>()

  constructor(repo: ForceRepository, clock: Clock) {
    this.#repo = repo
    this.#clock = clock
  }

  async list(): Promise<Force[]> {
    return [...(await this.#all()).values()]
  }

  async get(id: string): Promise<Force> {
    const force = await this.find(id)
    if (!force) throw new NotFoundError('Force')
    return force
  }

  /** The force, or undefined when there is none by that id; a failure to read forces still throws. */
  async find(id: string): Promise<Force | undefined> {
    return (await this.#all()).get(id)
  }

  async hasProduct(forceId: string, product: Product): Promise<boolean> {
    return (await this.#all()).get(forceId)?.products.includes(product) ?? false
  }

  async setProducts(forceId: string, chosen: string[]): Promise<void> {
    const unknown = chosen.filter((p) => !products.includes(p as Product))
    if (unknown.length)
      throw new ValidationError([{ field: 'products', message: `Unknown product: ${unknown.join(', ')}` }])
    await this.get(forceId)
    await this.#repo.update(forceId, { products: chosen })
    this.#forces.drop('all')
  }

  async update(forceId: string, changes: Parameters<ForceRepository['update']>[1]): Promise<void> {
    await this.get(forceId)
    await this.#repo.update(forceId, changes)
    this.#forces.drop('all')
  }

  /**
   * Validates and saves a force's branding and contact settings; returns the names of the fields
   * that changed, for the audit trail.
   */
  async updateProfile(forceId: string, input: ForceProfileInput): Promise<string[]> {
    const force = await this.get(forceId)
    const errors = profileErrors(input)
    if (errors.length) throw new ValidationError(errors)
    const branding: ForceBranding = {
      ...force.branding,
      displayName: input.displayName.trim() || undefined,
      logoText: input.logoText.trim() || undefined,
      logoUrl: input.logoUrl.trim() || undefined,
      primaryColour: input.primaryColour.trim().toLowerCase(),
    }
    const settings: ForceSettings = {
      ...(force.settings as ForceSettings),
      senderName: input.senderName.trim() || undefined,
      replyToEmail: input.replyToEmail.trim() || undefined,
      contactPhone: input.contactPhone.trim() || undefined,
    }
    const before = { ...force.branding, ...(force.settings as ForceSettings) } as Record<string, unknown>
    const after = { ...branding, ...settings } as Record<string, unknown>
    const changed = Object.keys(after).filter((k) => (before[k] ?? '') !== (after[k] ?? ''))
    await this.#repo.update(forceId, {
      branding: JSON.parse(JSON.stringify(branding)),
      settings: JSON.parse(JSON.stringify(settings)),
    })
    this.#forces.drop('all')
    return changed
  }

  agreementStatus(agreement: SharingAgreement): AgreementStatus {
    const now = this.#clock.now()
    if (agreement.revokedAt) return 'revoked'
    if (agreement.startsAt > now) return 'not yet started'
    if (agreement.expiresAt && agreement.expiresAt <= now) return 'expired'
    return 'active'
  }

  listAgreements(): Promise<SharingAgreement[]> {
    return this.#repo.listAgreements()
  }

  /** `formErrors`: problems already found while reading the form (unreadable dates), shown together. */
  async createAgreement(
    input: AgreementInput,
    createdBy: string,
    formErrors: FieldError[] = [],
  ): Promise<SharingAgreement> {
    const errors = [...formErrors]
    const known = await this.#all()
    if (!known.has(input.fromForceId))
      errors.push({ field: 'fromForceId', message: 'Select the force that shares' })
    if (!known.has(input.toForceId))
      errors.push({ field: 'toForceId', message: 'Select the force that receives' })
    if (input.fromForceId === input.toForceId)
      errors.push({ field: 'toForceId', message: 'A force cannot share with itself' })
    if (
      input.recordKinds.length === 0 ||
      input.recordKinds.some((k) => !(recordKinds as readonly string[]).includes(k))
    )
      errors.push({ field: 'recordKinds', message: 'Select at least one kind of record' })
    if (!input.purpose.trim())
      errors.push({ field: 'purpose', message: 'Enter the purpose of the agreement' })
    if (input.expiresAt && input.expiresAt <= input.startsAt)
      errors.push({ field: 'expiresAt-day', message: 'The end date must be after the start date' })
    if (errors.length) throw new ValidationError(errors)
    return this.#repo.insertAgreement({ ...input, purpose: input.purpose.trim(), createdBy })
  }

  async getAgreement(id: string): Promise<SharingAgreement> {
    const agreement = await this.#repo.findAgreement(id)
    if (!agreement) throw new NotFoundError('Sharing agreement')
    return agreement
  }

  async revokeAgreement(id: string, by: string): Promise<void> {
    if (!(await this.#repo.revokeAgreement(id, by, this.#clock.now())))
      throw new NotFoundError('Active agreement')
  }

  isAgreementActive(agreement: SharingAgreement): boolean {
    const now = this.#clock.now()
    return (
      !agreement.revokedAt && agreement.startsAt <= now && (!agreement.expiresAt || agreement.expiresAt > now)
    )
  }

  #all(): Promise<Map<string, Force>> {
    return this.#forces.fetch('all', async () => new Map((await this.#repo.list()).map((f) => [f.id, f])))
  }
}

function profileErrors(input: ForceProfileInput): FieldError[] {
  const errors: FieldError[] = []
  const colour = input.primaryColour.trim()
  if (!isHexColour(colour))
    errors.push({ field: 'primaryColour', message: 'Enter the primary colour as a hex code, like #1d3f6e' })
  else if (contrastWithWhite(colour) < MINIMUM_CONTRAST_WITH_WHITE)
    errors.push({
      field: 'primaryColour',
      message: `Choose a darker primary colour: white text on ${colour} has a contrast of ${contrastWithWhite(colour).toFixed(1)}:1 and needs at least ${MINIMUM_CONTRAST_WITH_WHITE}:1`,
    })
  if (input.displayName.length > 100)
    errors.push({ field: 'displayName', message: 'Display name must be 100 characters or fewer' })
  if (input.logoText.length > 100)
    errors.push({ field: 'logoText', message: 'Logo text must be 100 characters or fewer' })
  const logoUrl = input.logoUrl.trim()
  if (logoUrl && !/^(https:\/\/[^\s]+|\/[^\s/][^\s]*)$/.test(logoUrl))
    errors.push({
      field: 'logoUrl',
      message: 'Enter the logo address starting with https:// or /, like https://www.kent.police.uk/logo.png',
    })
  const sender = input.senderName.trim()
  if (sender.length > 60)
    errors.push({ field: 'senderName', message: 'Sender name must be 60 characters or fewer' })
  else if (sender && !/^[\p{L}0-9 '&.-]+$/u.test(sender))
    errors.push({
      field: 'senderName',
      message: "Sender name can only contain letters, numbers, spaces and . & ' -",
    })
  const email = input.replyToEmail.trim()
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    errors.push({
      field: 'replyToEmail',
      message: 'Enter a reply-to email address in the correct format, like contact@kent.police.uk',
    })
  const phone = input.contactPhone.trim()
  if (phone && !/^\+?[0-9 ()-]{3,20}$/.test(phone))
    errors.push({ field: 'contactPhone', message: 'Enter a contact phone number, like 101 or 01622 690690' })
  return errors
}
