// The command line: `waypoint all|web|worker|migrate|seed`, started by src/main.ts. One
// deployable, three roles (ARCHITECTURE.md): `web` serves HTTP, `worker` runs jobs, `all` does
// both (the default).
import { createApp } from './app.ts'
import { ConfigError, loadConfig } from './platform/config.ts'
import { verifyAuditTrail } from './platform/audit/verify-command.ts'
import { systemClock } from './platform/clock.ts'
import { openDatabase } from './platform/db/database.ts'
import { migrate } from './platform/db/migrate.ts'
import { startOperationsServer } from './platform/observability/operations-server.ts'
import { fenceAfterRestore } from './messaging/restore-fence.ts'
import { demoTotpCode, seedDemo } from './platform/seed.ts'
import { seedAssistDemo } from './assist/demo.ts'
import {
  contactDemoExtensions,
  contactDemoForce,
  contactDemoNumbers,
  seedContactDemo,
  seedContactDemoDuties,
} from './contact/demo.ts'
import { seedPortalSandbox } from './portal/sandbox.ts'
import { demoCitizenCode, type PortalDemoSignIn, seedPortalDemo } from './portal/demo.ts'
import { simulateCommand } from './simulator/command.ts'
import { startDemoChats } from './simulator/demo-chats.ts'
import { startDemoReplies } from './simulator/demo-replies.ts'
import { startDemoWriteback } from './simulator/demo-writeback.ts'
import { SimulatorFeed } from './simulator/feed.ts'
import { startDemoTelephony } from './simulator/telephony.ts'

const usage = `Usage: waypoint <command>

  all        serve HTTP and run jobs (default)
  web        serve HTTP only
  worker     run jobs only
  migrate    apply database migrations and exit
  seed       load demo forces' users and exit
  totp <email>
             print the current authenticator code of a demo user
  audit verify
             check every audit chain; exit code 1 when one is broken
  messages after-restore
             after a restore to an earlier moment, before any worker starts: every message
             due but not sent is checked with its provider before it is sent (no duplicates)
  simulate [--force kent] [--rate 200] [--duration 60] [--url URL --client-id ID --client-secret S]
           [--file events.jsonl] [--out events.jsonl]
             generate STORM/Athena load (into this database, or a running Waypoint over HTTP)`

async function main(argv: string[]): Promise<number> {
  const [command = 'all'] = argv
  const config = loadConfig()
  switch (command) {
    case 'all':
    case 'web':
    case 'worker':
      return serve(command, config)
    case 'migrate': {
      const db = await openDatabase({
        databaseUrl: config.databaseUrl,
        tenantUrl: config.databaseTenantUrl,
        systemUrl: config.databaseSystemUrl,
        dataDir: config.dataDir,
      })
      const applied = await migrate(db, (line) => console.log(line))
      console.log(applied.length ? `Applied ${applied.length} migrations` : 'Database is up to date')
      await db.close()
      return 0
    }
    case 'seed': {
      const app = await createApp({ ...config, jobs: { ...config.jobs, enabled: false } })
      await installDefaultJourneys(app)
      await seedDemo(app)
      await app.stop()
      return 0
    }
    case 'audit': {
      if (argv[1] !== 'verify') {
        console.error(`Unknown audit command: ${argv[1] ?? '(none)'}\n\n${usage}`)
        return 2
      }
      const db = await openDatabase({
        databaseUrl: config.databaseUrl,
        tenantUrl: config.databaseTenantUrl,
        systemUrl: config.databaseSystemUrl,
        dataDir: config.dataDir,
      })
      try {
        return await verifyAuditTrail(db, systemClock, (line) => console.log(line))
      } finally {
        await db.close()
      }
    }
    case 'messages': {
      if (argv[1] !== 'after-restore') {
        console.error(`Unknown messages command: ${argv[1] ?? '(none)'}\n\n${usage}`)
        return 2
      }
      const db = await openDatabase({
        databaseUrl: config.databaseUrl,
        tenantUrl: config.databaseTenantUrl,
        systemUrl: config.databaseSystemUrl,
        dataDir: config.dataDir,
      })
      try {
        const { fenced, byProvider } = await fenceAfterRestore(
          db,
          systemClock,
          config.messaging.reconcileAfterSeconds,
        )
        const providers = Object.entries(byProvider)
          .map(([provider, n]) => `${n} ${provider}`)
          .join(', ')
        console.log(
          fenced
            ? `${fenced} due messages (${providers}) will be checked with their provider before they are sent.`
            : 'No message was due and unsent: nothing to check.',
        )
        // SMTP cannot say what it took: its messages are sent again, as after a crash mid-send.
        if (byProvider.smtp)
          console.log(
            `${byProvider.smtp} of them go by SMTP, which cannot be asked: they will be sent again. Check the mail server's log for those sent after the restore point.`,
          )
        return 0
      } finally {
        await db.close()
      }
    }
    case 'simulate':
      return simulateCommand(
        argv.slice(1),
        () => createApp(config),
        (line) => console.log(line),
      )
    case 'totp': {
      // Demo users' codes without an authenticator app; reads no database, so it works while
      // the demo is running.
      const code =
        (await demoTotpCode(argv[1] ?? '', systemClock.now())) ??
        (await demoCitizenCode(systemClock.now(), argv[1] ?? ''))
      if (!code) {
        console.error('Usage: waypoint totp <email of a demo user>')
        return 2
      }
      console.log(code)
      return 0
    }
    case 'help':
    case '--help':
      console.log(usage)
      return 0
    default:
      console.error(`Unknown command: ${command}\n\n${usage}`)
      return 2
  }
}

async function serve(role: 'all' | 'web' | 'worker', config: ReturnType<typeof loadConfig>): Promise<number> {
  const app = await createApp(config)
  await installDefaultJourneys(app)
  if (config.seedDemo) {
    const users = await seedDemo(app)
    // Simulated victims invited to the Portal, one with an account (banner).
    const citizen = await seedPortalDemo(app)
    // Essex's Contact: people whose CAD and RMS records disagree, and a queue of their messages.
    await seedContactDemo(app)
    // Its handlers' telephony extensions (the simulator answers on them) and their duty roster.
    await seedContactDemoDuties(app)
    // Essex's web chat is answered first by the chatbot (CRM-7).
    await seedAssistDemo(app)
    await printWelcome(config.http.publicUrl, users, citizen)
  }
  // PORTAL_SANDBOX=on: the sandbox force's generated test data for iHub (decision 0029).
  if (config.sandbox.enabled) {
    const sandbox = await seedPortalSandbox(app, config.sandbox.people)
    console.log(
      `Portal sandbox: force "${sandbox.forceId}", ${sandbox.people.length} people; registered people's One Login ` +
        `subjects are ${sandbox.people.find((p) => p.subject)?.subject ?? '(none)'} and the like. ` +
        (sandbox.client
          ? `iHub's client: ${sandbox.client.clientId}, secret ${sandbox.client.clientSecret} (shown once)`
          : 'iHub’s client was made on an earlier start; a force administrator can make another.'),
    )
  }
  if (role !== 'web') app.startWorkers()
  if (role !== 'worker') await app.http.listen({ host: config.http.host, port: config.http.port })
  // A worker's health and metrics, for the load balancer's and Prometheus's checks.
  const operations =
    role === 'worker' && config.operations.port !== undefined
      ? await startOperationsServer({
          host: config.operations.host,
          port: config.operations.port,
          readiness: app.readiness,
          metrics: app.metrics,
          metricsToken: config.metricsToken,
        })
      : undefined
  // Replies by email (conversations): off unless INBOUND_EMAIL_PORT is set; the demo listens on
  // 127.0.0.1:2525 when it is free (another demo may hold it).
  if (role !== 'worker' && config.inboundEmail.port !== undefined) await app.inboundEmail.listen()
  else if (role === 'all' && config.inboundEmail.demo)
    await app.inboundEmail.listen(2525).catch((error: Error) => {
      app.log.warn({ err: error }, 'inbound email is off: port 2525 is in use')
    })
  // The demo's source systems: simulated STORM/Athena events from all seven forces (issue 4).
  const feed = config.simulator.enabled
    ? new SimulatorFeed(app.services.sources, app.log.child({ component: 'simulator' }), {
        forceIds: (await app.services.forces.list()).map((f) => f.id),
        casesPerMinute: config.simulator.eventsPerMinute,
        secondsPerDay: 120,
      })
    : undefined
  const demoWriteback = config.simulator.enabled ? await startDemoWriteback(app) : undefined
  // The demo's people answer some of the texts the dev outbox takes (where dispatch runs).
  const demoReplies =
    config.simulator.enabled && role !== 'web'
      ? startDemoReplies(app, { chance: 0.3, maxDelayMs: 90_000 })
      : undefined
  // Now and then a simulated person starts a web chat with Essex's contact handlers.
  const demoChats =
    config.simulator.enabled && role !== 'web'
      ? startDemoChats(app, {
          forceId: contactDemoForce,
          origin: new URL(config.http.publicUrl).origin,
          maxGapMs: 240_000,
          followUpMs: 60_000,
          leaveAfterMs: 900_000,
        })
      : undefined
  feed?.start()
  // The demo's telephony platform: calls to Essex arrive in Contact's queue through the CTI API
  // (in `waypoint all` only: each start makes the platform a new client and retires the last).
  const telephony =
    config.simulator.enabled && role === 'all'
      ? await startDemoTelephony(app, {
          baseUrl: `http://127.0.0.1:${config.http.port}`,
          forceId: contactDemoForce,
          knownNumbers: contactDemoNumbers,
          agents: contactDemoExtensions,
        })
      : undefined
  app.log.info({ role, database: app.db.kind }, 'Waypoint started')

  // Graceful shutdown: stop accepting, finish requests and jobs in hand, then exit (CP-167).
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      app.log.info({ signal }, 'shutting down')
      feed?.stop()
      telephony?.stop()
      demoReplies?.stop()
      demoChats?.stop()
      void demoWriteback?.refuseConnections()
      Promise.all([app.stop(), operations?.close()]).then(
        () => resolve(),
        (error) => {
          app.log.error({ err: error }, 'shutdown failed')
          resolve()
        },
      )
    }
    process.once('SIGTERM', shutdown)
    process.once('SIGINT', shutdown)
  })
  return 0
}

// Every force with the Journeys product starts with the default journeys and their message
// templates (facts §4); idempotent, so a force's own changes are never overwritten.
async function installDefaultJourneys(app: Awaited<ReturnType<typeof createApp>>): Promise<void> {
  for (const force of await app.services.forces.list()) {
    if (force.products.includes('journeys')) await app.services.journeys.installDefaults(force.id)
  }
}

async function printWelcome(
  url: string,
  users: Awaited<ReturnType<typeof seedDemo>>,
  citizen: PortalDemoSignIn,
): Promise<void> {
  const now = systemClock.now()
  const lines = [
    '',
    `Waypoint is running at ${url}`,
    '',
    'Demo sign-ins (email / password / authenticator secret / code now):',
    ...(await Promise.all(
      users.map(
        async (u) =>
          `  ${u.email.padEnd(38)} ${u.password.padEnd(24)} ${u.totpSecret}  ${await demoTotpCode(u.email, now)}  ${u.roles.join(', ')}`,
      ),
    )),
    '',
    'Codes change every 30 seconds. For a fresh one: npm run waypoint -- totp <email>',
    'or add the secret to an authenticator app (time-based, 6 digits).',
    '',
    `Citizen sign-in (Portal, built-in account) at ${url}${citizen.path}:`,
    `  ${citizen.email.padEnd(38)} ${citizen.password.padEnd(24)} ${citizen.totpSecret}  ${await demoCitizenCode(now)}`,
    'Other simulated victims were invited: their invitations wait in the outbox (/console/outbox).',
    '',
  ]
  console.log(lines.join('\n'))
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof ConfigError) console.error(error.message)
    else console.error(error)
    process.exit(1)
  },
)
