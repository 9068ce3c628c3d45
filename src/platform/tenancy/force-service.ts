// Forces, the products each has bought, and sharing agreements between forces (UJ-5, CP-5, CRM-5).
import type { Product } from '../auth/roles.ts'
import type { Clock } from '../clock.ts'
import { NotFoundError, ValidationError } from '../errors.ts'
import type { Force, ForceRepository, SharingAgreement } from './force-repository.ts'

export const products: readonly Product[] = ['journeys', 'portal', 'contact']
export const recordKinds = ['case', 'person', 'message', 'conversation', 'contact'] as const

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
  #cache: { at: number; forces: Map<string, Force> } | undefined

  constructor(repo: ForceRepository, clock: Clock) {
    this.#repo = repo
    this.#clock = clock
  }

  async list(): Promise<Force[]> {
    return [...(await this.#all()).values()]
  }

  async get(id: string): Promise<Force> {
    const force = (await this.#all()).get(id)
    if (!force) throw new NotFoundError('Force')
    return force
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
    this.#cache = undefined
  }

  async update(forceId: string, changes: Parameters<ForceRepository['update']>[1]): Promise<void> {
    await this.get(forceId)
    await this.#repo.update(forceId, changes)
    this.#cache = undefined
  }

  listAgreements(): Promise<SharingAgreement[]> {
    return this.#repo.listAgreements()
  }

  async createAgreement(input: AgreementInput, createdBy: string): Promise<SharingAgreement> {
    const errors = []
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
      errors.push({ field: 'expiresAt', message: 'The end date must be after the start date' })
    if (errors.length) throw new ValidationError(errors)
    return this.#repo.insertAgreement({ ...input, purpose: input.purpose.trim(), createdBy })
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

  // Forces change rarely; a short cache keeps product checks off the hot path.
  async #all(): Promise<Map<string, Force>> {
    const now = Date.now()
    if (!this.#cache || now - this.#cache.at > 5_000) {
      this.#cache = { at: now, forces: new Map((await this.#repo.list()).map((f) => [f.id, f])) }
    }
    return this.#cache.forces
  }
}
