// Contact (LOT 3) as a module of product 'contact': the contact-centre overlay on the force's CAD
// and RMS. It builds on cases (people with provenance, read through CaseService), conversations
// (every contact is one), the write-back outbox (corrections go back to the sources), push and
// audit; it owns only its own tables (src/contact/migrations).
import type { CaseService } from '../cases/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import type { Module } from '../platform/modules.ts'
import type { WritebackService } from '../writeback/service.ts'
import { ContactRepository } from './repository.ts'
import { SingleViewService } from './single-view.ts'
import { contactStaff, registerSingleViewRoutes } from './single-view-routes.ts'

export interface ContactServices {
  contact: {
    singleView: SingleViewService
  }
}

export function createContact(deps: {
  db: Database
  clock: Clock
  audit: AuditService
  cases: CaseService
  writeback: WritebackService
}): Module<ContactServices> {
  const repo = new ContactRepository()
  const singleView = new SingleViewService({
    db: deps.db,
    repo,
    cases: deps.cases,
    audit: deps.audit,
    clock: deps.clock,
    writeback: deps.writeback,
  })
  return {
    name: 'contact',
    services: { contact: { singleView } },
    routes: (http) => {
      registerSingleViewRoutes(http, { singleView, cases: deps.cases, audit: deps.audit })
    },
    navigation: [
      {
        text: 'Find a person',
        href: '/console/contact/people',
        roles: contactStaff,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Discrepancies',
        href: '/console/contact/discrepancies',
        roles: contactStaff,
        group: 'contact',
        forceOnly: true,
      },
    ],
  }
}
