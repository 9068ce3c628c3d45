// The journeys every force starts with (facts §4: about five standard journeys by incident
// grading, plus enhanced journeys by crime type; about five messages per journey), and the
// wording of the messages they send. Forces change both in the console; this is the seed.
import type { Condition } from './conditions.ts'
import type { JourneyDefinition, Step } from './definition.ts'

export interface SeedJourney {
  key: string
  name: string
  kind: 'standard' | 'enhanced'
  description: string
  definition: JourneyDefinition
}

export interface SeedTemplate {
  key: string
  name: string
  sms: string
  emailSubject: string
  /** The email's text: the text message without "Reply STOP" (emails carry an unsubscribe link). */
  email?: string
  /** The same message in Welsh (UJ-19), with the same placeholders. */
  cy: { sms: string; emailSubject: string; email?: string }
}

const optedOut: Step = {
  kind: 'stop-when',
  when: { op: 'equals', fact: 'person.optedOut', value: true },
  reason: 'The victim opted out',
}
const crimeClosed: Step = {
  kind: 'stop-when',
  when: { op: 'in', fact: 'crime.status', values: ['closed', 'no-further-action'] },
  reason: 'The crime is closed',
}
const afterOfficer: Step[] = [
  { kind: 'wait', forEvent: 'crime.officer-assigned', timeout: { days: 5 } },
  {
    kind: 'branch',
    when: { op: 'not', of: { op: 'equals', fact: 'case.isCrime', value: true } },
    goto: 'survey',
  },
  { kind: 'send', template: 'officer-details', channel: 'preferred' },
  { kind: 'portal-invitation' },
  // Victims' Code right 6: an update within 5 working days of a key decision.
  { kind: 'wait', until: { workingDays: 5, at: '10:00' } },
  { kind: 'send', template: 'case-update', channel: 'preferred' },
  { kind: 'wait', label: 'survey', for: { days: 14 } },
  { kind: 'send', template: 'survey', channel: 'preferred' },
]

const gradingJourney = (grading: string, first: Step[]): SeedJourney => ({
  key: `standard-${grading.toLowerCase().replace(' ', '-')}`,
  name: `${grading} response`,
  kind: 'standard',
  description: `Victims of incidents graded ${grading}, whatever the crime type.`,
  definition: {
    trigger: {
      events: ['incident.opened', 'incident.updated', 'case.party-added'],
      when: { op: 'equals', fact: 'incident.grading', value: grading },
    },
    precedence: 'standard',
    steps: [
      optedOut,
      crimeClosed,
      { kind: 'send', template: 'incident-reference', channel: 'preferred' },
      ...first,
      { kind: 'wait', for: { hours: 24 } },
      { kind: 'send', template: 'victim-support', channel: 'preferred' },
      ...afterOfficer,
    ],
  },
})

const crimeTypeTrigger = (types: string[], extra?: Condition): JourneyDefinition['trigger'] => ({
  events: ['crime.recorded', 'crime.updated', 'case.party-added'],
  when: extra
    ? { op: 'any', of: [{ op: 'in', fact: 'crime.type', values: types }, extra] }
    : { op: 'in', fact: 'crime.type', values: types },
})

export const defaultJourneys: SeedJourney[] = [
  gradingJourney('Immediate', [
    { kind: 'send', template: 'officer-on-the-way', channel: 'sms', urgent: true },
  ]),
  gradingJourney('Prompt', [{ kind: 'send', template: 'officer-attending-soon', channel: 'preferred' }]),
  gradingJourney('Scheduled', [
    { kind: 'send', template: 'appointment-confirmation', channel: 'preferred' },
    { kind: 'wait', until: { workingDays: 1, at: '09:00' } },
    { kind: 'send', template: 'appointment-reminder', channel: 'preferred' },
  ]),
  gradingJourney('Appointment', [
    { kind: 'send', template: 'appointment-confirmation', channel: 'preferred' },
    { kind: 'wait', until: { workingDays: 1, at: '09:00' } },
    { kind: 'send', template: 'appointment-reminder', channel: 'preferred' },
  ]),
  gradingJourney('No Response', [
    { kind: 'send', template: 'no-attendance-next-steps', channel: 'preferred' },
  ]),
  {
    key: 'enhanced-burglary',
    name: 'Burglary',
    kind: 'enhanced',
    description: 'Replaces the standard journey for burglary victims, with crime prevention advice.',
    definition: {
      trigger: crimeTypeTrigger(['Burglary', 'Residential burglary', 'Business burglary']),
      precedence: 'replace',
      steps: [
        optedOut,
        crimeClosed,
        { kind: 'send', template: 'crime-reference', channel: 'preferred' },
        { kind: 'wait', for: { hours: 2 } },
        { kind: 'send', template: 'burglary-prevention-advice', channel: 'preferred' },
        { kind: 'wait', for: { hours: 24 } },
        { kind: 'send', template: 'victim-support', channel: 'preferred' },
        ...afterOfficer,
      ],
    },
  },
  {
    key: 'enhanced-domestic-abuse',
    name: 'Domestic abuse',
    kind: 'enhanced',
    description:
      'Replaces the standard journey. Sends only on a channel the victim confirmed is safe; enhanced Victims’ Code rights (1 working day).',
    definition: {
      trigger: crimeTypeTrigger(['Domestic abuse', 'Controlling or coercive behaviour', 'Stalking'], {
        op: 'equals',
        fact: 'person.markers',
        value: 'domestic_abuse',
      }),
      precedence: 'replace',
      steps: [
        optedOut,
        crimeClosed,
        { kind: 'send', template: 'crime-reference-discreet', channel: 'preferred' },
        { kind: 'wait', until: { workingDays: 1, at: '10:00' } },
        { kind: 'send', template: 'domestic-abuse-support', channel: 'preferred' },
        { kind: 'wait', forEvent: 'crime.officer-assigned', timeout: { days: 1 } },
        { kind: 'send', template: 'officer-details', channel: 'preferred' },
        { kind: 'wait', until: { workingDays: 1, at: '10:00' } },
        { kind: 'send', template: 'case-update', channel: 'preferred' },
      ],
    },
  },
  {
    key: 'enhanced-hate-crime',
    name: 'Hate crime',
    kind: 'enhanced',
    description: 'Replaces the standard journey for hate crime victims, with specialist support details.',
    definition: {
      trigger: crimeTypeTrigger(['Hate crime', 'Racially or religiously aggravated offence']),
      precedence: 'replace',
      steps: [
        optedOut,
        crimeClosed,
        { kind: 'send', template: 'crime-reference', channel: 'preferred' },
        { kind: 'wait', for: { hours: 24 } },
        { kind: 'send', template: 'hate-crime-support', channel: 'preferred' },
        ...afterOfficer,
      ],
    },
  },
]

const optOut = 'Reply STOP to stop these messages.'
const optOutCy = 'Atebwch STOP i atal y negeseuon hyn.'
const seedTemplates: SeedTemplate[] = [
  {
    key: 'incident-reference',
    name: 'Incident reference number',
    emailSubject: 'Your incident reference ((reference))',
    sms: `((force_name)): thank you for contacting us. Your reference is ((reference)). Please quote it if you call 101. ${optOut}`,
    cy: {
      emailSubject: 'Eich cyfeirnod digwyddiad ((reference))',
      sms: `((force_name)): diolch am gysylltu â ni. Eich cyfeirnod yw ((reference)). Rhowch y cyfeirnod hwn os byddwch yn ffonio 101. ${optOutCy}`,
    },
  },
  {
    key: 'crime-reference',
    name: 'Crime reference number',
    emailSubject: 'Your crime reference ((reference))',
    sms: `((force_name)): your crime has been recorded. Your crime reference is ((reference)). ${optOut}`,
    cy: {
      emailSubject: 'Eich cyfeirnod trosedd ((reference))',
      sms: `((force_name)): mae'r drosedd wedi'i chofnodi. Eich cyfeirnod trosedd yw ((reference)). ${optOutCy}`,
    },
  },
  {
    key: 'crime-reference-discreet',
    name: 'Crime reference (discreet)',
    emailSubject: 'Your reference ((reference))',
    sms: 'Your reference is ((reference)). Call 101 and quote it if you need us. In an emergency call 999.',
    cy: {
      emailSubject: 'Eich cyfeirnod ((reference))',
      sms: 'Eich cyfeirnod yw ((reference)). Ffoniwch 101 a rhowch y cyfeirnod os oes arnoch ein hangen. Mewn argyfwng ffoniwch 999.',
    },
  },
  {
    key: 'officer-on-the-way',
    name: 'Officer on the way',
    emailSubject: 'Officers are on their way',
    sms: '((force_name)): officers are on their way to you. If you are in danger call 999.',
    cy: {
      emailSubject: 'Mae swyddogion ar eu ffordd',
      sms: '((force_name)): mae swyddogion ar eu ffordd atoch. Os ydych mewn perygl ffoniwch 999.',
    },
  },
  {
    key: 'officer-attending-soon',
    name: 'Officer attending soon',
    emailSubject: 'An officer will attend',
    sms: `((force_name)): an officer will come to see you, usually within a few hours. Reference ((reference)). ${optOut}`,
    cy: {
      emailSubject: "Bydd swyddog yn dod i'ch gweld",
      sms: `((force_name)): bydd swyddog yn dod i'ch gweld, fel arfer o fewn ychydig oriau. Cyfeirnod ((reference)). ${optOutCy}`,
    },
  },
  {
    key: 'appointment-confirmation',
    name: 'Appointment confirmation',
    emailSubject: 'Your appointment with ((force_name))',
    sms: `((force_name)): we will contact you to arrange an appointment about ((reference)). ${optOut}`,
    cy: {
      emailSubject: 'Eich apwyntiad gyda ((force_name))',
      sms: `((force_name)): byddwn yn cysylltu â chi i drefnu apwyntiad ynghylch ((reference)). ${optOutCy}`,
    },
  },
  {
    key: 'appointment-reminder',
    name: 'Appointment reminder',
    emailSubject: 'Reminder: your appointment',
    sms: `((force_name)): a reminder of your appointment about ((reference)). To change it call 101. ${optOut}`,
    cy: {
      emailSubject: 'Nodyn atgoffa: eich apwyntiad',
      sms: `((force_name)): nodyn i'ch atgoffa am eich apwyntiad ynghylch ((reference)). I'w newid, ffoniwch 101. ${optOutCy}`,
    },
  },
  {
    key: 'no-attendance-next-steps',
    name: 'No attendance: next steps',
    emailSubject: 'What happens next',
    sms: `((force_name)): we will not send an officer for ((reference)). Find out what happens next at police.uk. ${optOut}`,
    cy: {
      emailSubject: "Beth sy'n digwydd nesaf",
      sms: `((force_name)): ni fyddwn yn anfon swyddog ar gyfer ((reference)). Dysgwch beth sy'n digwydd nesaf ar police.uk. ${optOutCy}`,
    },
  },
  {
    key: 'victim-support',
    name: 'Victim Support information',
    emailSubject: 'Support for victims of crime',
    sms: `Victim Support offers free, confidential help whether or not you report a crime: 08 08 16 89 111 or victimsupport.org.uk. ${optOut}`,
    cy: {
      emailSubject: 'Cymorth i ddioddefwyr trosedd',
      sms: `Mae Cymorth i Ddioddefwyr yn cynnig help cyfrinachol am ddim, p'un a ydych wedi rhoi gwybod am drosedd ai peidio: 08 08 16 89 111 neu victimsupport.org.uk. ${optOutCy}`,
    },
  },
  {
    key: 'burglary-prevention-advice',
    name: 'Burglary crime prevention advice',
    emailSubject: 'Keeping your home safe',
    sms: `((force_name)): advice on securing your home after a burglary: https://www.police.uk/cp/crime-prevention/ ${optOut}`,
    cy: {
      emailSubject: 'Cadw eich cartref yn ddiogel',
      sms: `((force_name)): cyngor ar ddiogelu eich cartref ar ôl bwrgleriaeth: https://www.police.uk/cp/crime-prevention/ ${optOutCy}`,
    },
  },
  {
    key: 'domestic-abuse-support',
    name: 'Domestic abuse support',
    emailSubject: 'Support available to you',
    sms: 'Support is available 24 hours a day: National Domestic Abuse Helpline 0808 2000 247. In an emergency call 999.',
    cy: {
      emailSubject: 'Cymorth sydd ar gael i chi',
      sms: 'Mae cymorth ar gael 24 awr y dydd: Llinell Gymorth Genedlaethol Cam-drin Domestig 0808 2000 247. Mewn argyfwng ffoniwch 999.',
    },
  },
  {
    key: 'hate-crime-support',
    name: 'Hate crime support',
    emailSubject: 'Support for victims of hate crime',
    sms: `((force_name)): support for hate crime victims is available from True Vision: https://www.report-it.org.uk ${optOut}`,
    cy: {
      emailSubject: 'Cymorth i ddioddefwyr troseddau casineb',
      sms: `((force_name)): mae cymorth i ddioddefwyr troseddau casineb ar gael gan True Vision: https://www.report-it.org.uk ${optOutCy}`,
    },
  },
  {
    key: 'officer-details',
    name: 'Investigating officer details',
    emailSubject: 'Your investigating officer',
    sms: `((force_name)): ((officer_name)) is investigating ((reference)). ${optOut}`,
    cy: {
      emailSubject: 'Eich swyddog ymchwilio',
      sms: `((force_name)): ((officer_name)) sy'n ymchwilio i ((reference)). ${optOutCy}`,
    },
  },
  {
    key: 'portal-invitation',
    name: 'My Police Portal invitation',
    emailSubject: 'Follow your case online',
    sms: '((force_name)): follow your case and message your officer online: ((portal_link))',
    cy: {
      emailSubject: 'Dilynwch eich achos ar-lein',
      sms: '((force_name)): dilynwch eich achos ac anfonwch neges at eich swyddog ar-lein: ((portal_link))',
    },
  },
  {
    key: 'case-update',
    name: 'Case progress update',
    emailSubject: 'An update on ((reference))',
    sms: `((force_name)): an update on ((reference)): ((case_status)). ${optOut}`,
    cy: {
      emailSubject: 'Y wybodaeth ddiweddaraf am ((reference))',
      sms: `((force_name)): y wybodaeth ddiweddaraf am ((reference)): ((case_status)). ${optOutCy}`,
    },
  },
  {
    key: 'survey',
    name: 'Satisfaction survey',
    emailSubject: 'Tell us how we did',
    sms: `((force_name)): how satisfied are you with the service you received about ((reference))? Reply with a number from 1 (not at all) to 5 (very). ${optOut}`,
    cy: {
      emailSubject: 'Rhowch wybod i ni sut wnaethon ni',
      sms: `((force_name)): pa mor fodlon ydych chi â'r gwasanaeth a gawsoch ynghylch ((reference))? Atebwch gyda rhif o 1 (ddim o gwbl) i 5 (bodlon iawn). ${optOutCy}`,
    },
  },
]

/** A reply of STOP works for text messages only: emails end with an unsubscribe link instead. */
const withoutStop = (text: string) => text.replace(` ${optOut}`, '').replace(` ${optOutCy}`, '')

export const defaultTemplates: SeedTemplate[] = seedTemplates.map((t) => ({
  ...t,
  email: withoutStop(t.sms),
  cy: { ...t.cy, email: withoutStop(t.cy.sms) },
}))
