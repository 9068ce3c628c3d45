// Contact's telephony, caller verification and gazetteer (CRM-6, CRM-8, CRM-15, CRM-32), built on
// Contact's queue: the CTI event API the telephony platform posts to, the caller page of each
// contact, and the gazetteer the deployment chooses (the embedded AddressBase-style CSV, or the
// OS Places API only to hosts OUTBOUND_GAZETTEER_HOSTS allows).
import type { ConversationService } from '../messaging/conversations/service.ts'
import type { SchedulingService } from '../messaging/scheduling-service.ts'
import type { TemplateService } from '../messaging/template-service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Database } from '../platform/db/database.ts'
import type { Module } from '../platform/modules.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import type { PushService } from '../platform/push/push-service.ts'
import { CallerService } from './caller.ts'
import { EmbeddedGazetteer, type Gazetteer } from './gazetteer.ts'
import { OsPlacesGazetteer } from './gazetteer-os-places.ts'
import type { QueueService } from './queue.ts'
import { QueueRepository } from './queue-repository.ts'
import { ContactRepository } from './repository.ts'
import { type SpokenReasonOnOffer, TelephonyService } from './telephony.ts'
import { registerTelephonyApi } from './telephony-api.ts'
import { TelephonyRepository } from './telephony-repository.ts'
import { registerTelephonyRoutes } from './telephony-routes.ts'
import { VerificationService } from './verification.ts'

export interface ContactPhoneServices {
  contactPhone: {
    telephony: TelephonyService
    verification: VerificationService
    caller: CallerService
    gazetteer: Gazetteer
  }
}

/** The gazetteer the deployment chose (config.gazetteer). */
export function gazetteerFor(config: Config, outbound: OutboundPolicy): Gazetteer {
  if (config.gazetteer.provider === 'os-places') {
    if (!config.gazetteer.osPlacesKey) throw new Error('GAZETTEER=os-places needs OS_PLACES_API_KEY')
    return new OsPlacesGazetteer({
      baseUrl: config.gazetteer.osPlacesBaseUrl,
      key: config.gazetteer.osPlacesKey,
      outbound,
    })
  }
  return EmbeddedGazetteer.fromFile(config.gazetteer.csvPath)
}

export function createContactPhone(deps: {
  db: Database
  clock: Clock
  audit: AuditService
  config: Config
  outbound: OutboundPolicy
  queue: QueueService
  conversations: ConversationService
  scheduling: SchedulingService
  templates: TemplateService
  push?: PushService
  forceHasContact: (forceId: string) => Promise<boolean>
  /** What a caller said in the IVR before their call was offered (Assist's speech; CRM-6). */
  spokenReason?: SpokenReasonOnOffer
  /** Another gazetteer than the deployment's (tests). */
  gazetteer?: Gazetteer
}): Module<ContactPhoneServices> {
  const repo = new TelephonyRepository()
  const queueRepo = new QueueRepository()
  const telephony = new TelephonyService({
    db: deps.db,
    repo,
    queueRepo,
    queue: deps.queue,
    conversations: deps.conversations,
    clock: deps.clock,
    audit: deps.audit,
    ...(deps.push ? { push: deps.push } : {}),
    ...(deps.spokenReason ? { spokenReason: deps.spokenReason } : {}),
  })
  const verification = new VerificationService({
    db: deps.db,
    repo,
    queueRepo,
    people: new ContactRepository(),
    scheduling: deps.scheduling,
    templates: deps.templates,
    clock: deps.clock,
    audit: deps.audit,
    secret: deps.config.sessionSecret,
  })
  const gazetteer = deps.gazetteer ?? gazetteerFor(deps.config, deps.outbound)
  const caller = new CallerService({
    db: deps.db,
    repo,
    queueRepo,
    telephony,
    verification,
    gazetteer,
    clock: deps.clock,
    audit: deps.audit,
  })
  return {
    name: 'contact',
    services: { contactPhone: { telephony, verification, caller, gazetteer } },
    routes: (http) => {
      registerTelephonyApi(http, telephony, deps.forceHasContact)
      registerTelephonyRoutes(http, { caller, telephony, verification, audit: deps.audit })
    },
  }
}
