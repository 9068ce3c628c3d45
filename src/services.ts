// Every service a running Waypoint offers: the platform's own and each capability's, as the
// composition root (`app.ts`) assembles them from the modules. Tests and commands reach them
// through `app.services`.
import type { CaseService } from './cases/service.ts'
import type { EnrolmentService } from './journeys/enrolment-service.ts'
import type { JourneyService } from './journeys/service.ts'
import type { ConversationService } from './messaging/conversations/service.ts'
import type { MessagingServices } from './messaging/messaging-services.ts'
import type { PlatformServices } from './platform/services.ts'
import type { AssistServices } from './assist/module.ts'
import type { ContactServices } from './contact/module.ts'
import type { ContactPhoneServices } from './contact/telephony-module.ts'
import type { OfficerServices } from './officers/module.ts'
import type { PortalServices } from './portal/module.ts'
import type { SpeechService } from './assist/speech-service.ts'
import type { SummaryService } from './assist/summary-service.ts'
import type { FormsService } from './assist/forms-service.ts'
import type { LetterService } from './contact/letters.ts'
import type { SocialService } from './contact/social.ts'
import type { OfficerHelpService } from './assist/officer-help-service.ts'
import type { ProviderService } from './assist/provider-service.ts'
import type { ReportingService } from './reporting/service.ts'
import type { RetentionService } from './retention/service.ts'
import type { SourceService } from './sources/service.ts'
import type { WarehousePoller } from './sources/warehouse.ts'
import type { WritebackService } from './writeback/service.ts'

export interface Services
  extends PlatformServices,
    PortalServices,
    ContactServices,
    ContactPhoneServices,
    AssistServices,
    OfficerServices {
  cases: CaseService
  sources: SourceService
  warehouse: WarehousePoller
  writeback: WritebackService
  messaging: MessagingServices
  /** Two-way communication: inbound SMS and email, and (later) portal and chat messages. */
  conversations: ConversationService
  journeys: JourneyService
  /** Enrols victims on case events and takes their journeys' steps. */
  enrolments: EnrolmentService
  reporting: ReportingService
  retention: RetentionService
  /** Automated summaries of a person or a case (Assist; CRM-11, CP-120). */
  summaries: SummaryService
  /** Standard forms filled in from a contact and the person's records (Assist; CRM-20). */
  forms: FormsService
  /** Help for the officer on portal messages: suggestions and case questions (Assist; CP-89, CP-93, CP-121). */
  officerHelp: OfficerHelpService
  /** Offline transcription of call recordings and the voice IVR's decisions (Assist; CRM-22, CRM-6). */
  speech: SpeechService
  /** A force's OpenAI-compatible model provider for Assist, per feature (decision 0048). */
  assistProvider: ProviderService
  /** Letters made from a contact with the force's letter templates, as PDFs (Contact; CRM-21). */
  letters: LetterService
  /** The social media channel: the connector's signed messages and the replies to it (Contact; CRM-8). */
  social: SocialService
}
