// Contact in the demo (`npm start`): Essex's contact handler finds people whose CAD and RMS
// records disagree (a date of birth with day and month swapped), a second record of one of them
// under a misspelt name, and a queue fed by texts and an email those people sent, one of them
// urgent for a vulnerable caller. Everything arrives by the paths real data takes: STORM and
// Athena events through the sources capability, messages through conversations. Run again on a
// kept database, it adds nothing (the same event and message ids are taken once).
import { DateTime } from 'luxon'
import type { CaseService } from '../cases/service.ts'
import type { ConversationService } from '../messaging/conversations/service.ts'
import type { StaffService } from '../platform/auth/staff-service.ts'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import { demoUsers } from '../platform/seed.ts'
import type { SourceService } from '../sources/service.ts'
import type { DutiesService, ShiftInput } from './duties.ts'
import type { QueueService } from './queue.ts'

export const contactDemoForce = 'essex'
/** The demo people's numbers: the demo's telephony platform has them call now and then. */
export const contactDemoNumbers = ['07700900401', '07700900402'] as const
/**
 * The telephony agent extension of each of the demo's Essex handlers, one of those the telephony
 * simulator answers on: the demo's simulator answers only on these, so an answered call is theirs.
 */
export const contactDemoExtensions = ['ext-2041'] as const

/**
 * The demo's Essex handlers get their telephony extension (unless a supervisor gave them one) and
 * a duty roster from six days ago to a week ahead: a day shift and a night shift each day, so
 * whenever the demo runs they are on duty. The roster's id is the day it was made: started again
 * that day, nothing changes; the next day, its shifts replace those still to come.
 */
export async function seedContactDemoDuties(app: {
  clock: Clock
  services: {
    staff: StaffService
    contact: { queue: QueueService; duties: DutiesService }
  }
}): Promise<void> {
  const handlers = demoUsers.filter(
    (u) => u.forceId === contactDemoForce && u.roles.includes('contact_handler'),
  )
  const actor = { kind: 'system' as const, name: 'Contact demo' }
  const shifts: ShiftInput[] = []
  const today = DateTime.fromJSDate(app.clock.now(), { zone: ukZone }).startOf('day')
  for (const [i, demo] of handlers.entries()) {
    const user = await app.services.staff.repository.findByEmail(demo.email)
    const extension = contactDemoExtensions[i]
    if (!user) continue
    if (extension)
      await app.services.contact.queue.enrolWithCtiAgent(
        contactDemoForce,
        { staffId: user.id, name: user.displayName },
        extension,
        actor,
      )
    for (let day = -6; day <= 7; day++) {
      const date = today.plus({ days: day })
      for (const [from, to, team] of [
        [7, 19, 'Day team'],
        [19, 31, 'Night team'],
      ] as const)
        shifts.push({
          email: demo.email,
          start: date.plus({ hours: from }).toISO()!,
          end: date.plus({ hours: to }).toISO()!,
          skills: ['sms', 'email', 'chat', 'phone'],
          team,
        })
    }
  }
  if (shifts.length === 0) return
  await app.services.contact.duties.import(
    contactDemoForce,
    {
      rosterRef: `demo-${contactDemoForce}-${today.toISODate()}`,
      systemName: 'Demo duty system',
      shifts,
      source: 'api',
    },
    { actor, name: 'Contact demo' },
  )
}

export async function seedContactDemo(app: {
  clock: Clock
  services: { sources: SourceService; cases: CaseService; conversations: ConversationService }
}): Promise<void> {
  const { sources, conversations } = app.services
  const now = app.clock.now()
  const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000).toISOString()
  const receive = (system: 'storm' | 'athena', event: Record<string, unknown>) =>
    sources.receive(contactDemoForce, system, JSON.stringify(event), 'application/json')
  await receive('storm', {
    eventId: 'STORM-CONTACT-DEMO-1',
    eventType: 'LOG_CREATED',
    timestamp: at(72),
    log: {
      reference: 'ESX-CONTACT-DEMO-1',
      grading: 'PRI',
      openedAt: at(72),
      incidentType: 'Burglary - residential',
      persons: [
        {
          nominalId: 'N-CD-1',
          name: 'Morgan Ellis',
          dateOfBirth: '1979-11-03',
          role: 'VIC',
          phone: '07700900401',
          address: '14 Rainsford Road, Chelmsford CM1 2QL',
        },
      ],
    },
  })
  await receive('athena', {
    messageId: 'ATH-CONTACT-DEMO-1',
    messageType: 'INVESTIGATION_CREATED',
    eventTime: at(70),
    investigation: {
      crimeReference: '42/95001/26',
      linkedLogs: ['ESX-CONTACT-DEMO-1'],
      crimeType: 'Burglary - residential',
      status: 'OPEN',
    },
    persons: [
      {
        urn: 'P-CD-1',
        name: 'Morgan Ellis',
        dateOfBirth: '1979-03-11',
        role: 'VIC',
        phone: '07700900401',
        address: '14 Rainsford Road, Chelmsford CM1 2QL',
      },
    ],
  })
  await receive('athena', {
    messageId: 'ATH-CONTACT-DEMO-2',
    messageType: 'INVESTIGATION_CREATED',
    eventTime: at(400),
    investigation: { crimeReference: '42/94010/26', crimeType: 'Theft from the person', status: 'OPEN' },
    persons: [
      {
        urn: 'P-CD-2',
        name: 'Morgen Elis',
        dateOfBirth: '1979-11-03',
        role: 'VIC',
        email: 'morgan.ellis@example.org',
      },
    ],
  })
  await receive('storm', {
    eventId: 'STORM-CONTACT-DEMO-3',
    eventType: 'LOG_CREATED',
    timestamp: at(30),
    log: {
      reference: 'ESX-CONTACT-DEMO-3',
      grading: 'IMM',
      openedAt: at(30),
      incidentType: 'Domestic incident',
      persons: [
        {
          nominalId: 'N-CD-3',
          name: 'Chris Dale',
          role: 'VIC',
          phone: '07700900402',
          address: '3 Baddow Road, Chelmsford CM2 0DG',
          markers: ['VUL'],
        },
      ],
    },
  })
  const text = (ref: string, from: string, body: string) =>
    conversations.receiveText(
      contactDemoForce,
      {
        channel: 'sms',
        provider: 'notify',
        providerRef: ref,
        from,
        fromName: null,
        to: null,
        subject: null,
        body,
        receivedAt: null,
        attachments: [],
      },
      { system: 'Contact demo' },
    )
  await text('contact-demo-1', '07700900401', 'Has anyone looked at my burglary yet? Nobody has called me.')
  await text('contact-demo-2', '07700900402', 'I am worried he will come back tonight.')
}
