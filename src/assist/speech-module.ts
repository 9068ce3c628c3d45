// Assist's offline speech as a module (issue 16, items 2 and 3; CRM-22, CRM-6; decision 0041): the
// transcription of the telephony platform's call recordings, the voice IVR's decision from a
// caller's spoken reason, the force administrator's switch and the search of transcripts. It
// reaches Contact's calls through a port the composition root hands in, never their tables.
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import type { JobQueue } from '../platform/jobs.ts'
import type { Module } from '../platform/modules.ts'
import { contactStaff } from '../contact/single-view-routes.ts'
import type { AssistService } from './service.ts'
import { SpeechRepository } from './speech-repository.ts'
import { registerSpeechRoutes, speechSettingsEditors } from './speech-routes.ts'
import { type CallPort, SpeechService } from './speech-service.ts'
import type { ProviderService } from './provider-service.ts'
import type { TranscriberOptions } from './transcription.ts'

export function createAssistSpeech(deps: {
  db: Database
  clock: Clock
  audit: AuditService
  jobs: JobQueue
  assist: AssistService
  calls: () => CallPort
  forceHasContact: (forceId: string) => Promise<boolean>
  /** Another recogniser's settings than speechTuning (the bench). */
  transcriber?: TranscriberOptions
  /** The force's model provider, when it transcribes for the force (decision 0048). */
  provider?: ProviderService
}): Module<{ speech: SpeechService }> {
  const speech = new SpeechService({ ...deps, repo: new SpeechRepository() })
  return {
    name: 'assist-speech',
    services: { speech },
    jobs: [speech.job],
    routes: (http) =>
      registerSpeechRoutes(http, { speech, audit: deps.audit, forceHasContact: deps.forceHasContact }),
    navigation: [
      {
        text: 'Call transcription',
        href: '/console/assist/speech',
        roles: speechSettingsEditors,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Call transcripts',
        href: '/console/contact/transcripts',
        roles: contactStaff,
        group: 'contact',
        forceOnly: true,
      },
    ],
    stop: () => speech.close(),
  }
}
