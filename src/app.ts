// The composition root (STYLE.md rule 1): it builds the platform and each capability's module
// (src/platform/modules.ts) in dependency order, handing each the services it needs, then
// registers what the modules declare: routes on the one HTTP server, jobs in the one job
// registry, readiness checks, metrics and the console navigation.
// Tests call the same factory with a test configuration and get a whole Waypoint.
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { createAssistSummary, personItems } from './assist/summary-module.ts'
import { createAssistForms } from './assist/forms-module.ts'
import { createContactLetters } from './contact/letters-module.ts'
import { createContactSocial } from './contact/social-module.ts'
import { createAssistOfficerHelp } from './assist/officer-help-module.ts'
import { createCases } from './cases/module.ts'
import { createAssist } from './assist/module.ts'
import { createAssistSpeech } from './assist/speech-module.ts'
import { createAssistProvider } from './assist/provider-module.ts'
import { createContact } from './contact/module.ts'
import { createContactPhone } from './contact/telephony-module.ts'
import { createJourneys } from './journeys/module.ts'
import { caseMessagesProvider } from './journeys/case-messages-routes.ts'
import {
  journeyPlaceholders,
  messageFields,
  personalisationFor,
  sampleCase,
} from './journeys/message-fields.ts'
import type { InboundEmailListener } from './messaging/conversations/inbound-email.ts'
import type { SentMessageListener } from './messaging/dispatch.ts'
import { createMessaging } from './messaging/module.ts'
import { renderLetterBody } from './messaging/template-rendering.ts'
import { registerApiPlatform } from './platform/api/api-platform.ts'
import { readApiVersion } from './platform/api/version.ts'
import { type Clock, systemClock } from './platform/clock.ts'
import type { Config } from './platform/config.ts'
import { resealCredentials } from './platform/credential-keys.ts'
import { ConsoleNavigation } from './platform/console/navigation.ts'
import { registerProductRoutes } from './platform/console/product-routes.ts'
import { type Database, openDatabase, rows, type Tx } from './platform/db/database.ts'
import { migrate } from './platform/db/migrate.ts'
import { parsePostgresUrl } from './platform/db/postgres-hosts.ts'
import type { CitizenSessions } from './platform/http/citizen-sessions.ts'
import { createHttpServer } from './platform/http/server.ts'
import { JobQueue } from './platform/jobs.ts'
import { createLogger, type Logger } from './platform/logger.ts'
import { createPlatform } from './platform/module.ts'
import { attentionTiles, type Module, navigationEntries, registerModules } from './platform/modules.ts'
import {
  createMetricsRegistry,
  type ReadinessCheck,
  registerHealthRoutes,
} from './platform/observability/health-routes.ts'
import { registerJobMetrics } from './platform/observability/job-metrics.ts'
import { registerOperationsMetrics } from './platform/observability/operations-metrics.ts'
import { provisionSandboxForce } from './platform/tenancy/sandbox-force.ts'
import { OutboundPolicy, type OwnDatabase, SYSTEM_IDENTIFIER_SQL } from './platform/outbound.ts'
import type { PushService } from './platform/push/push-service.ts'
import { createOfficers } from './officers/module.ts'
import { createPortal } from './portal/module.ts'
import { createReporting } from './reporting/module.ts'
import { createRetention } from './retention/module.ts'
import type { Services } from './services.ts'
import { createSources } from './sources/module.ts'
import { createWriteback } from './writeback/module.ts'
import { writeCaseNotes } from './writeback/case-notes.ts'
import { writeBackOptOuts } from './writeback/opt-outs.ts'
import { writeBackSentMessages } from './writeback/sent-messages.ts'

export interface AppOptions {
  clock?: Clock
  /** An already-open database (tests share one per process). */
  db?: Database
  log?: Logger
  /**
   * Routes a test adds before the server is sealed (e.g. signing a citizen in through the same
   * `CitizenSessions.signIn` an identity provider uses).
   */
  testRoutes?(http: FastifyInstance, seams: { citizenSessions: CitizenSessions; push: PushService }): void
}

export interface App {
  config: Config
  log: Logger
  clock: Clock
  db: Database
  jobs: JobQueue
  http: FastifyInstance
  metrics: Registry
  services: Services
  /** Where Waypoint may connect out to: warehouses, write-back endpoints (decision 0016). */
  outbound: OutboundPolicy
  /** What /health/ready checks; a capability pushes a check for each external peer it needs. */
  readiness: ReadinessCheck[]
  /** The inbound email SMTP listener, started by `waypoint all`/`web` when a port is configured. */
  inboundEmail: InboundEmailListener
  /** Starts the job workers (role `worker` or `all`). */
  startWorkers(): void
  /**
   * Drains (readiness fails for `http.drainSeconds` while requests are still served), then stops
   * taking work, lets requests and jobs in hand finish, closes the database.
   */
  stop(): Promise<void>
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel)
  const clock = options.clock ?? systemClock
  const ownsDb = !options.db
  const db =
    options.db ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      tenantUrl: config.databaseTenantUrl,
      systemUrl: config.databaseSystemUrl,
      pool: config.databasePool,
      dataDir: config.dataDir,
    }))
  await migrate(db, (line) => log.info(line))
  // PORTAL_SANDBOX=on: the sandbox force of generated test data for iHub (decision 0029).
  if (config.sandbox.enabled) await provisionSandboxForce(db)

  const outbound = new OutboundPolicy({
    rules: config.outbound,
    ownDatabase: () => readOwnDatabase(db, config, log),
  })
  const jobs = new JobQueue(db, log.child({ component: 'jobs' }), config.jobs.schema)

  // The modules, each built on those before it.
  const platform = await createPlatform({
    config,
    db,
    clock,
    log,
    jobs,
    // The home page's tiles come from the capability modules built below.
    attention: () => attentionTiles(modules),
    // The Portal's built-in accounts (below) are a way for citizens to sign in.
    // GOV.UK One Login (decision 0027) is offered while any force uses it.
    citizenSignIn: async () => [
      ...((await portal.services.portal.oneLogin.forces()).length
        ? [{ text: 'Sign in with GOV.UK One Login', href: '/portal/one-login' }]
        : []),
      { text: 'Sign in with your email address and password', href: '/portal/sign-in' },
    ],
  })
  // The installation's credential keys: built once by the platform, used by every capability.
  const { audit, credentials, forces, push } = platform.services
  const forceIds = platform.forceIds
  const writeback = createWriteback({ config, db, jobs, audit, clock, log, outbound, credentials })
  const cases = createCases({
    db,
    clock,
    log,
    jobs,
    audit,
    // The person page shows the person's messages in both directions (conversations, below).
    personMessages: (request, forceId, personId) => messaging.personMessages(request, forceId, personId),
    // Case pages show what Journeys sent each person and why (Journeys, below).
    caseMessages: (request, forceId, page) => caseMessages(request, forceId, page),
    // The person page shows the person's opt-outs and their history (messaging, below).
    personOptOuts: (request, forceId, personId, contactPoints) =>
      messaging.personOptOuts(request, forceId, personId, contactPoints),
    // Whether people have a portal account or were invited (Portal, below; CP-50, CP-78).
    portalStanding: (request, forceId, page) => portal.standing(request, forceId, page),
    // Incident and crime pages show the case's automated summary (Assist, below; CP-120).
    caseSummary: (forceId, found) => assistSummary.services.summaries.forCase(forceId, found),
  })
  const sources = await createSources({
    config,
    db,
    clock,
    log,
    audit,
    cases: cases.services.cases,
    cipher: credentials,
    outbound,
    forceIds,
  })
  // Templates, quiet hours, channels and dispatch (UJ-6, UJ-8, UJ-11, UJ-12, UJ-19), and
  // conversations: inbound SMS and email land in them, beside the journeys' messages (CP-76).
  const messaging = createMessaging({
    config,
    db,
    clock,
    log,
    jobs,
    audit,
    push,
    onSent: publishSent(writeBackSentMessages(cases.services.cases, writeback.services.writeback), push),
    onOptedOut: writeBackOptOuts(cases.services.cases, writeback.services.writeback),
    editing: {
      placeholders: journeyPlaceholders,
      sample: sampleCase('', config.http.publicUrl),
      fields: messageFields.map(({ name, description, example }) => ({ name, description, example })),
    },
    approvals: platform.services.approvals,
    forceIds,
    force: (forceId) => forces.get(forceId),
    outbound,
    credentials,
  })
  // Journeys: definitions, eligibility, enrolment on case events, timed steps (UJ-4, UJ-7, UJ-8, CP-61, CP-65).
  const journeys = createJourneys({
    db,
    clock,
    audit,
    jobs,
    cases: cases.services.cases,
    messaging: messaging.services.messaging,
    publicUrl: config.http.publicUrl,
    mappedCrimeTypes: (forceId) => sources.services.sources.mappedCrimeTypes(forceId),
    // A journey's portal-invitation step invites through the Portal (below; CP-6).
    portal: () => ({
      invite: (tx, request) => portal.services.portal.invitations.inviteFromJourney(tx, request),
    }),
    approvals: platform.services.approvals,
  })
  // The Portal (LOT 2): invitations, citizen accounts across forces, case tracking (decision 0023).
  const portal = createPortal({
    config,
    db,
    clock,
    audit,
    cases: cases.services.cases,
    messaging: messaging.services.messaging,
    conversations: messaging.services.conversations,
    writeback: writeback.services.writeback,
    loadCase: (tx, key) => journeys.caseReader.loadCase(tx, key),
    citizenSessions: platform.services.citizenSessions,
    forceHasPortal: (forceId) => forces.hasProduct(forceId, 'portal'),
    forceName: async (forceId) => (await forces.list()).find((f) => f.id === forceId)?.name,
    cipher: credentials,
    outbound,
    // A change to a person's details reaches each force's CAD log and crime record (CP-30, CP-31).
    writeCaseNote: writeCaseNotes(cases.services.cases, writeback.services.writeback),
    jobs,
    apiVersion: readApiVersion(),
    staffMember: (id) => platform.services.staff.member(id),
    // Replies through the API are the officer console's (below; decision 0028).
    officerReply: () => (forceId, conversationId, input, acting) =>
      officers.services.officers.send(forceId, conversationId, { text: input.text, kind: 'message' }, acting),
    approvals: platform.services.approvals,
    portalForce: async (forceId) =>
      (await forces.hasProduct(forceId, 'portal')) ? forces.get(forceId) : undefined,
  })
  // The officer and supervisor console for portal messages (decision 0028).
  const officers = createOfficers({
    config,
    db,
    clock,
    audit,
    log,
    conversations: messaging.services.conversations,
    messages: portal.services.portal.messages,
    cases: cases.services.cases,
    writeback: writeback.services.writeback,
    mail: platform.services.staffMail,
    forceIds,
    // Assist's suggested replies and actions and case questions (below; CP-89, CP-93, CP-121).
    help: () => assistOfficerHelp.services.officerHelp,
    push,
  })
  const caseMessages = caseMessagesProvider(journeys.caseMessages)
  // Journeys reports, the Power BI feed and the Victims' Code report (UJ-13..UJ-16, CP-65).
  const reporting = createReporting({ config, db, clock, audit, forces })
  // Review, retention and deletion under the PIRM Code (UJ-3, CP-4, CRM-4).
  const retention = createRetention({
    db,
    clock,
    audit,
    cases: cases.services.cases,
    messaging: messaging.services.messaging,
    journeys: journeys.services.journeys,
    writeback: writeback.services.writeback,
    sources: sources.services.sources,
    forceIds,
  })
  // Assist's model provider (decision 0048): a force may send some features to an
  // OpenAI-compatible server on OUTBOUND_AI_HOSTS; every other feature stays embedded.
  const assistProvider = createAssistProvider({
    db,
    audit,
    clock,
    cipher: credentials,
    outbound,
    allowHttp: config.environment !== 'production',
    log: log.child({ component: 'assist-provider' }),
  })
  // Assist: the web chat's offline chatbot, switched on per force (CRM-7).
  const assist = createAssist({ db, clock, audit, provider: assistProvider.services.assistProvider })
  // Contact (LOT 3): the single view of a person across systems (CRM-10, CRM-12, CRM-14) and the
  // omnichannel queue every conversation's new message joins.
  const contact = createContact({
    db,
    clock,
    audit,
    cases: cases.services.cases,
    writeback: writeback.services.writeback,
    conversations: messaging.services.conversations,
    push,
    forceIds,
    chat: {
      force: (id) => forces.find(id),
      direct: () => messaging.services.messaging.direct,
      firstResponder: assist.services.firstResponder,
      production: config.environment === 'production',
    },
    // The single view shows the person's automated summary (Assist, below; CRM-11).
    personSummary: (forceId, personId) => assistSummary.services.summaries.forPerson(forceId, personId),
    // A contact's page offers the standard forms when the force has them on (Assist, below; CRM-20).
    // and always a letter from the force's letter templates (below; CRM-21).
    contactForms: async (forceId, itemId) => [
      ...(await assistForms.services.forms.offered(forceId, itemId)),
      { text: 'Make a letter', href: `/console/contact/queue/contacts/${itemId}/letter` },
    ],
    // Scheduled reports are emailed to the force's staff like their set-up links (decision 0054).
    reports: {
      mail: platform.services.staffMail,
      publicUrl: config.http.publicUrl,
      hasContact: (forceId) => forces.hasProduct(forceId, 'contact'),
      log: log.child({ component: 'contact-reports' }),
    },
    // The contact page shows the automated transcripts of its calls (Assist's speech, below; CRM-22).
    callSpeech: (forceId, itemId) => assistSpeech.services.speech.forContact(forceId, itemId),
  })
  // Assist's automated summaries (issue 16, item 4), extractive and offline, over the single
  // view's history of a person and a case page's records.
  const assistSummary = createAssistSummary({
    db,
    audit,
    clock,
    personHistory: async (forceId, personId, limit) =>
      personItems(await contact.services.contact.singleView.history(forceId, personId, limit)),
  })
  // Assist's standard forms (issue 16, item 5): a safeguarding referral or a public protection
  // notice filled in from a contact and the person's single view, checked and submitted by staff.
  const assistForms = createAssistForms({
    db,
    audit,
    clock,
    readContact: (forceId, itemId, audited) => contact.services.contact.record.read(forceId, itemId, audited),
    personHistory: (forceId, personId, limit) =>
      contact.services.contact.singleView.history(forceId, personId, limit),
    forceName: async (forceId) => (await forces.find(forceId))?.name,
  })
  // Letters (issue 15; CRM-21): a letter template (Messaging's templates, channel `letter`) filled
  // from a contact's person and case with the values journeys' messages use, made into a PDF kept
  // in the contact's conversation and on the single view.
  const contactLetters = createContactLetters({
    db,
    audit,
    clock,
    cases: cases.services.cases,
    templates: (tx, forceId) => messaging.services.messaging.templates.templates(tx, forceId),
    // The force's name is read in the letter's transaction: forces.find() reads in a transaction
    // of its own once its 5 s hold has lapsed, and a second transaction inside the first waits
    // for ever on PGlite's one connection (a letter made after a slow page hung the process).
    values: async (tx, forceId, key) => {
      const forceName = (await forceNameIn(tx, forceId)) ?? forceId
      const snapshot = key ? await journeys.caseReader.loadCase(tx, { forceId, ...key }) : undefined
      const values = personalisationFor(
        snapshot ?? {
          forceId,
          forceName,
          forceProducts: [],
          occurrence: { id: '', incidentIds: [], crimeIds: [] },
          people: [],
        },
        config.http.publicUrl,
      )
      return { ...values, force_name: forceName }
    },
    render: renderLetterBody,
    store: (tx, forceId, letter) => messaging.services.conversations.addLetter(tx, forceId, letter),
    forceName: forceNameIn,
  })
  // Social media (issue 15 item 2; CRM-8): the force's connector posts messages signed with its
  // secret; they join the contact queue, and replies go back signed to the connector's address on
  // the webhook allow-list (OUTBOUND_WEBHOOK_HOSTS).
  const contactSocial = createContactSocial({
    db,
    audit,
    clock,
    cipher: credentials,
    outbound,
    jobs,
    conversations: messaging.services.conversations,
    allowHttp: config.environment !== 'production',
  })
  // Assist's help for the investigating officer on portal messages (issue 16, item 6), offline:
  // suggested replies and actions, and questions answered only from the case's records.
  const assistOfficerHelp = createAssistOfficerHelp({
    db,
    audit,
    clock,
    provider: assistProvider.services.assistProvider,
    conversation: (forceId, id, acting) => officers.services.officers.conversation(forceId, id, acting),
    caseRecords: async (forceId, crimeId) => {
      const crime = await cases.services.cases.getCrime(forceId, crimeId)
      const messages = await journeys.caseMessages.list(forceId, {
        incidentIds: crime.incidents.map((i) => i.id),
        crimeIds: [crimeId],
      })
      return { crime, messages }
    },
  })
  // Contact's telephony (CTI events), caller verification and gazetteer (CRM-6, CRM-15, CRM-32).
  const contactPhone = createContactPhone({
    db,
    clock,
    audit,
    config,
    outbound,
    queue: contact.services.contact.queue,
    conversations: messaging.services.conversations,
    scheduling: messaging.services.messaging.scheduling,
    templates: messaging.services.messaging.templates,
    push,
    forceHasContact: (forceId) => forces.hasProduct(forceId, 'contact'),
    // A caller's spoken reason, transcribed before the call was offered, sets its place (below).
    spokenReason: (tx, forceId, call) => assistSpeech.services.speech.reasonOnOffer(tx, forceId, call),
  })
  // Assist's offline speech (issue 16, items 2 and 3): call recordings transcribed, and a caller's
  // spoken reason setting the call's place in the queue (CRM-22, CRM-6; decision 0041).
  const assistSpeech = createAssistSpeech({
    db,
    clock,
    audit,
    jobs,
    assist: assist.services.assist,
    calls: () => contactPhone.services.contactPhone.telephony,
    forceHasContact: (forceId) => forces.hasProduct(forceId, 'contact'),
    provider: assistProvider.services.assistProvider,
  })
  const modules: Module[] = [
    writeback,
    cases,
    sources,
    messaging,
    journeys,
    portal,
    contact,
    contactPhone,
    assist,
    officers,
    platform,
    reporting,
    retention,
    assistSummary,
    assistForms,
    assistOfficerHelp,
    assistSpeech,
    assistProvider,
    contactLetters,
    contactSocial,
  ]
  const services: Services = {
    ...platform.services,
    ...writeback.services,
    ...cases.services,
    ...sources.services,
    ...messaging.services,
    ...journeys.services,
    ...portal.services,
    ...contact.services,
    ...contactPhone.services,
    ...assist.services,
    ...officers.services,
    ...reporting.services,
    ...retention.services,
    ...assistSummary.services,
    ...assistForms.services,
    ...assistOfficerHelp.services,
    ...assistSpeech.services,
    ...assistProvider.services,
    ...contactLetters.services,
    ...contactSocial.services,
  }

  const navigation = new ConsoleNavigation(navigationEntries(modules))
  const http = await createHttpServer({
    config,
    log,
    sessions: services.sessions,
    loadStaff: (session) => services.staff.loadPrincipal(session),
    // A Portal page's session, account and case links in one query (decision 0031).
    findCitizenSession: (sessionId) => services.portal.accounts.findCitizenSession(sessionId),
    forceHasProduct: (forceId, product) => forces.hasProduct(forceId, product),
    // Citizen pages in Welsh or English (CP-155, decision 0057).
    pageLanguage: (request) => services.portal.pageLanguage(request),
    pageGlobals: async (request) => {
      const userForce = request.staff?.forceId ? await forces.get(request.staff.forceId) : undefined
      const path = request.url.split('?')[0]
      return {
        serviceName: 'Waypoint',
        userForce,
        navigation: navigation.primaryFor(request.staff, path, userForce?.products),
        navigationGroups: navigation.groupsFor(request.staff, userForce?.products, path),
      }
    },
  })

  // Before any /api route, so bearer tokens, formats, rate limits and OpenAPI apply to all.
  await registerApiPlatform(http, {
    config,
    clients: services.apiClients,
    version: readApiVersion(),
    idempotency: services.apiIdempotency,
    clock,
  })

  const metrics = createMetricsRegistry()
  // Job queue age, dispatch lag, dead letters, quarantine, audit-forward lag (the SLO alerts).
  registerOperationsMetrics(metrics, db, config.jobs.schema)
  // What this process's job runs did: counts by queue and outcome, and durations.
  registerJobMetrics(metrics, jobs)
  const readiness: ReadinessCheck[] = [
    {
      name: 'database',
      check: async () => {
        await db.asSystem((tx) => tx.execute(sql`select 1`))
        return { engine: db.kind }
      },
    },
    { name: 'jobs', check: async () => ({ backlog: await jobs.backlog() }) },
  ]
  // Draining (stop(), below): the load balancer's health checks see this process leave first.
  let draining = false
  readiness.push({
    name: 'shutdown',
    check: async () => {
      if (draining) throw new Error('shutting down: draining connections')
      return undefined
    },
  })
  // While draining, each answer closes its connection, so kept-alive connections (the load
  // balancer's among them) end after a whole response, never in the middle of one.
  http.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close')
  })
  registerHealthRoutes(http, readiness, metrics, { metricsToken: config.metricsToken })
  // Every module's jobs, readiness checks, metrics and routes, in one place.
  await registerModules(modules, { http, jobs, readiness, metrics })
  registerProductRoutes(http, navigation)
  options.testRoutes?.(http, { citizenSessions: services.citizenSessions, push })

  await jobs.start()
  // While WRITEBACK_CREDENTIAL_KEY_PREVIOUS is set, every credential the modules keep sealed
  // under it is sealed again under WRITEBACK_CREDENTIAL_KEY (decision 0049).
  await resealCredentials(
    modules.flatMap((m) => m.sealedCredentials ?? []),
    { db, audit, log: log.child({ component: 'credential-keys' }) },
  )
  for (const m of modules) await m.start?.()
  await http.ready()

  const inboundEmail = messaging.inboundEmail
  let stopping: Promise<void> | undefined
  return {
    config,
    log,
    clock,
    db,
    jobs,
    http,
    metrics,
    services,
    outbound,
    readiness,
    inboundEmail,
    startWorkers: () => jobs.startWorking(),
    stop: () => {
      stopping ??= (async () => {
        if (http.server.listening && config.http.drainSeconds > 0) {
          draining = true
          log.info(
            { seconds: config.http.drainSeconds },
            'draining: readiness fails, requests are still served',
          )
          await new Promise((resolve) => setTimeout(resolve, config.http.drainSeconds * 1000))
        }
        await inboundEmail.close()
        await http.close()
        await jobs.stop()
        for (const m of [...modules].reverse()) await m.stop?.()
        if (ownsDb) await db.close()
      })()
      return stopping
    },
  }
}

/** What identifies Waypoint's own database, so no outbound connection can reach it. */
async function readOwnDatabase(db: Database, config: Config, log: Logger): Promise<OwnDatabase> {
  const [seen] = await db.asSystem((tx) =>
    rows<{ database: string; address: string | null; port: number | null }>(
      tx,
      sql`select current_database() as database, host(inet_server_addr()) as address, inet_server_port() as port`,
    ),
  )
  // pg_control_system() is for the owner (the system login may not run it).
  const system = await db
    .execAsOwner(SYSTEM_IDENTIFIER_SQL)
    .then((r) => (r[0]?.system_identifier as string | undefined) ?? null)
    .catch((error) => {
      // Not allowed here (a managed database): the name and address still identify it.
      log.warn({ err: error }, 'the database’s system identifier could not be read')
      return null
    })
  // With several hosts, the first names it here; the system identifier is the same on every
  // standby made from it, so a fail-over does not open a way round the check.
  const first = config.databaseUrl ? parsePostgresUrl(config.databaseUrl).hosts[0] : undefined
  return {
    host: first?.host,
    port: first?.port,
    database: seen?.database ?? '',
    systemIdentifier: system,
    serverAddress: seen?.address ?? null,
    serverPort: seen?.port ?? null,
    dataDir: db.kind === 'pglite' ? config.dataDir : undefined,
  }
}

/** After a message is sent (in the same transaction), its force's outbox pages hear of it. */
function publishSent(then: SentMessageListener, push: PushService): SentMessageListener {
  return async (tx, message, sentAt) => {
    await then(tx, message, sentAt)
    await push.publish({ forceId: message.forceId, topic: 'outbox', ids: { message: message.id } }, tx)
  }
}

/** A force's name, read in the caller's transaction. */
async function forceNameIn(tx: Tx, forceId: string): Promise<string | undefined> {
  return (await rows<{ name: string }>(tx, sql`select name from forces where id = ${forceId}`))[0]?.name
}
