// Assist (issue 16) as a module: offline language features for Contact and the Portal. This first
// slice is the web chat's chatbot (CRM-7): a per-force switch, a knowledge base the force edits,
// and the first responder Contact's chat asks (decision 0020). It owns only its own tables
// (src/assist/migrations).
import type { FirstResponderFor } from '../contact/chat.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import type { Module } from '../platform/modules.ts'
import type { ProviderService } from './provider-service.ts'
import { AssistRepository } from './repository.ts'
import { chatbotAdmins, registerAssistRoutes } from './routes.ts'
import { AssistService } from './service.ts'

export interface AssistServices {
  assist: AssistService
  /** The chatbot for Contact's web chat, when the force has switched it on. */
  firstResponder: FirstResponderFor
}

export function createAssist(deps: {
  db: Database
  clock: Clock
  audit: AuditService
  /** The force's model provider (decision 0048), asked first when the force chooses. */
  provider?: ProviderService
}): Module<AssistServices> {
  const assist = new AssistService({
    db: deps.db,
    repo: new AssistRepository(),
    clock: deps.clock,
    audit: deps.audit,
    provider: deps.provider,
  })
  return {
    name: 'assist',
    services: { assist, firstResponder: (forceId) => assist.responderFor(forceId) },
    routes: (http) => registerAssistRoutes(http, { assist }),
    navigation: [
      {
        text: 'Chatbot',
        href: '/console/assist/chatbot',
        roles: chatbotAdmins,
        group: 'contact',
        forceOnly: true,
      },
    ],
  }
}
