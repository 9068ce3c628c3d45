// The one place that reads process.env (STYLE.md rule 2). Every setting has a development
// default; those marked `requiredInProduction` stop start-up with a message naming the variable.
import { randomBytes } from 'node:crypto'
import { type HostRule, parseHostRules } from './outbound.ts'

export type Role = 'all' | 'web' | 'worker'

export interface Config {
  environment: 'development' | 'test' | 'production'
  /** postgres://… for PostgreSQL; undefined means embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined
  /** The tenant and system pools' logins (decision 0019); derived from DATABASE_URL when unset. */
  databaseTenantUrl: string | undefined
  databaseSystemUrl: string | undefined
  /**
   * PostgreSQL connections each pool may hold: the tenant pool serves every page and API call
   * (DATABASE_POOL_SIZE, default 20), the system pool sign-in look-ups and schedulers
   * (DATABASE_SYSTEM_POOL_SIZE, default 10). Whole numbers from 1 to 200; the server's
   * max_connections must cover every process's pools.
   */
  databasePool: { tenant: number; system: number }
  /** PGlite data directory; 'memory://' for an in-memory database (tests). */
  dataDir: string
  http: {
    host: string
    port: number
    publicUrl: string
    trustProxy: boolean
    bodyLimitBytes: number
    /**
     * On SIGTERM, how long /health/ready answers 503 while requests are still served, before the
     * server stops accepting: the load balancer's health checks take the process out first, so no
     * request meets a closed port (SHUTDOWN_DRAIN_SECONDS; 5 in production, 0 otherwise).
     */
    drainSeconds: number
  }
  /** Secret used to sign cookies and derive CSRF tokens. */
  sessionSecret: string
  /**
   * The session secret being replaced (SESSION_SECRET_PREVIOUS): cookies and form tokens it
   * signed are still accepted while it is set, so a rotation signs no one out (decision 0049).
   */
  sessionSecretPrevious?: string
  session: { idleMinutes: number; absoluteHours: number; secureCookie: boolean }
  /** Staff sign-in: account lockout and the per-address limit on sign-in POSTs (ASVS 2.2.1). */
  login: {
    maxFailedAttempts: number
    lockoutMinutes: number
    rateLimitMax: number
    rateLimitWindowMs: number
    /** How long a local user's set-up link works (STAFF_SET_UP_LINK_HOURS, default 72). */
    setUpLinkHours: number
  }
  /** Encrypts staff authenticator (TOTP) secrets at rest (decision 0009). */
  totpSecretKey: string
  /** The TOTP key being retired: secrets it sealed still open and are sealed again (decision 0009). */
  totpSecretKeyPrevious?: string
  oidc: {
    issuer: string | undefined
    clientId: string | undefined
    clientSecret: string | undefined
    groupRoleMap: string | undefined
  }
  jobs: { enabled: boolean; schema: string }
  seedDemo: boolean
  /**
   * The Portal's sandbox force for iHub's integration testing (CP-164, CP-165, CP-180): a force
   * `sandbox` with generated people and cases, seeded the same way every time (decision 0029).
   */
  sandbox: { enabled: boolean; people: number }
  simulator: { enabled: boolean; eventsPerMinute: number }
  /**
   * Contact's gazetteer (CRM-32): the embedded AddressBase-style CSV (GAZETTEER_CSV, by default the
   * sample that covers the demo), or the OS Places API (GAZETTEER=os-places, OS_PLACES_API_KEY,
   * OS_PLACES_BASE_URL; its host must be in OUTBOUND_GAZETTEER_HOSTS).
   */
  gazetteer: {
    provider: 'embedded' | 'os-places'
    csvPath: string | undefined
    osPlacesKey: string | undefined
    osPlacesBaseUrl: string
  }
  logLevel: string
  /** Integration API: bearer token lifetime and per-client rate limit (CP-172, CP-182, CP-184). */
  api: { tokenTtlSeconds: number; rateLimitMax: number; rateLimitWindowMs: number }
  /** When set, /metrics requires `Authorization: Bearer <token>` (CP-166); required in production. */
  metricsToken: string | undefined
  /**
   * A worker's operations port (OPERATIONS_PORT, off when unset): /health/live, /health/ready and
   * /metrics only, on OPERATIONS_HOST (default 127.0.0.1).
   */
  operations: { port: number | undefined; host: string }
  siem: {
    syslogHost: string | undefined
    syslogPort: number
    /** Syslog over TLS (RFC 5425, CP-175); plain TCP only when turned off. */
    syslogTls: boolean
    /** PEM of the CA that signed the collector's certificate; Node's trusted CAs when unset. */
    syslogCaFile: string | undefined
    /** The name on the collector's certificate, when it differs from `syslogHost`. */
    syslogServerName: string | undefined
    /** Production refuses plain TCP syslog unless this is set. */
    syslogAllowPlaintext: boolean
    hecUrl: string | undefined
    hecToken: string | undefined
  }
  /** Journeys reports and the Power BI OData feed (UJ-13..UJ-16). */
  reporting: {
    /** Rows per OData page before `@odata.nextLink` (server-driven paging). */
    odataPageSize: number
  }
  /**
   * Hosts Waypoint may connect out to for each purpose (decision 0016): set at deployment, never
   * in the console. Production allows none until configured; development and tests allow this
   * machine's loopback only (the demo's write-back receiver, a test's warehouse).
   */
  outbound: {
    warehouse: HostRule[]
    writeback: HostRule[]
    scanner: HostRule[]
    identity: HostRule[]
    webhook: HostRule[]
    gazetteer: HostRule[]
    /** An OpenAI-compatible model server a force may use for Assist (decision 0048). */
    ai: HostRule[]
  }
  /** The warehouse poller's limits on connecting and on each query (CP-157). */
  warehouse: { connectTimeoutMs: number; statementTimeoutMs: number }
  /** Write-back to CAD and RMS (UJ-9, UJ-10, CP-163). */
  writeback: {
    /**
     * Seals every credential Waypoint keeps to reach another system (endpoint credentials, Notify
     * API keys, webhook secrets, One Login and Assist provider keys, warehouse connections).
     */
    credentialKey: string
    /**
     * The credential key being retired (WRITEBACK_CREDENTIAL_KEY_PREVIOUS): what it sealed still
     * opens, and is sealed again under the current key at start-up (decision 0049).
     */
    credentialKeyPrevious?: string
    baseDelaySeconds: number
    maxDelaySeconds: number
    maxAttempts: number
    maxAgeHours: number
    batchSize: number
  }
  /** Messaging: channels, GOV.UK Notify, SMTP and dispatch (UJ-6, UJ-8). */
  messaging: {
    /** Channel for forces without their own setting: the dev outbox unless configured. */
    defaultSmsChannel: 'outbox' | 'notify'
    defaultEmailChannel: 'outbox' | 'notify' | 'smtp'
    notify: {
      baseUrl: string
      /** API key per force (`kent=key-name-serviceid-secret,essex=…`). */
      apiKeys: Record<string, string>
      /**
       * Notify templates that pass Waypoint's rendered text through: SMS `((body))`, email
       * `((subject))`/`((body))`. A template belongs to one Notify service, so each force names its
       * own (`kent=template-id,essex=…`; or on the Messaging settings page); the single ids are for
       * a force not listed (an installation with one Notify service).
       */
      smsTemplateIds: Record<string, string>
      emailTemplateIds: Record<string, string>
      smsTemplateId: string
      emailTemplateId: string
      /** Bearer token Notify sends on delivery-receipt and received-text callbacks. */
      callbackToken: string
      /** The callback token being replaced (NOTIFY_CALLBACK_TOKEN_PREVIOUS), accepted while set. */
      callbackTokenPrevious?: string
      rateLimitPerMinute: number
      /** After a 429 the force's sending pauses this long: Notify counts sends over a rolling minute. */
      rateLimitPauseSeconds: number
      timeoutMs: number
    }
    smtp: { url: string | undefined; from: string }
    /** Signs one-click unsubscribe links. */
    linkSecret: string
    /** The link secret being replaced (MESSAGING_LINK_SECRET_PREVIOUS): links it signed still work. */
    linkSecretPrevious?: string
    dispatchBatchSize: number
    /** A message left in `sending` this long is reconciled with the provider before any resend. */
    reconcileAfterSeconds: number
    /**
     * A message the provider cannot say it holds (no answer to the look-up by reference) is asked
     * about again, with backoff, and never resent blind; after this long it is left for a person.
     */
    reconcileGiveUpHours: number
    /** A sent message without a receipt this long is polled. */
    pollReceiptsAfterSeconds: number
    maxAttempts: number
  }
  /**
   * Inbound email for conversations: an SMTP listener behind the force's mail gateway. Off
   * (`port` undefined) unless INBOUND_EMAIL_PORT is set; the demo (`waypoint all` in development)
   * listens on 127.0.0.1:2525 when that port is free.
   */
  /**
   * Scanning conversation attachments: the built-in checks always run; with CLAMD_HOST, each file
   * is also streamed to clamd (INSTREAM), only to a host OUTBOUND_SCANNER_HOSTS allows.
   */
  attachments: {
    clamd: { host: string | undefined; port: number; timeoutMs: number }
  }
  inboundEmail: {
    port: number | undefined
    /** Listen on 2525 in the demo when no port is set (INBOUND_EMAIL_PORT=off: never). */
    demo: boolean
    host: string
    /** The name the listener gives in its greeting. */
    hostname: string
    /** `<force>@<domain>` reaches a force, e.g. kent@replies.waypoint.example.org. */
    domain: string
    /** A force's own inbound address (`kent=replies@kent.example.org,…`), beside the domain. */
    addresses: Record<string, string>
    /** Larger messages are refused (552) before they are read. */
    maxBytes: number
  }
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const environment = parseEnvironment(env.NODE_ENV)
  const production = environment === 'production'
  const missing: string[] = []
  const required = (name: string, devDefault: string): string => {
    const value = env[name]
    if (value) return value
    if (production) missing.push(name)
    return devDefault
  }
  const port = Number(env.PORT ?? 3000)
  const config: Config = {
    environment,
    databaseUrl: production ? required('DATABASE_URL', '') : env.DATABASE_URL || undefined,
    databaseTenantUrl: production
      ? required('DATABASE_TENANT_URL', '')
      : env.DATABASE_TENANT_URL || undefined,
    databaseSystemUrl: production
      ? required('DATABASE_SYSTEM_URL', '')
      : env.DATABASE_SYSTEM_URL || undefined,
    databasePool: {
      tenant: poolSize('DATABASE_POOL_SIZE', env.DATABASE_POOL_SIZE, 20),
      system: poolSize('DATABASE_SYSTEM_POOL_SIZE', env.DATABASE_SYSTEM_POOL_SIZE, 10),
    },
    dataDir: env.WAYPOINT_DATA_DIR ?? './data',
    http: {
      host: env.HOST ?? '127.0.0.1',
      port,
      publicUrl: required('PUBLIC_URL', `http://localhost:${port}`),
      trustProxy: env.TRUST_PROXY === 'true',
      bodyLimitBytes: Number(env.BODY_LIMIT_BYTES ?? 1_048_576),
      drainSeconds: drainSeconds(env.SHUTDOWN_DRAIN_SECONDS, production ? 5 : 0),
    },
    sessionSecret: required('SESSION_SECRET', devSecret()),
    sessionSecretPrevious: env.SESSION_SECRET_PREVIOUS || undefined,
    session: {
      idleMinutes: Number(env.SESSION_IDLE_MINUTES ?? 30),
      absoluteHours: Number(env.SESSION_ABSOLUTE_HOURS ?? 12),
      secureCookie: production,
    },
    login: {
      maxFailedAttempts: Number(env.LOGIN_MAX_FAILED_ATTEMPTS ?? 5),
      lockoutMinutes: Number(env.LOGIN_LOCKOUT_MINUTES ?? 15),
      rateLimitMax: Number(env.LOGIN_RATE_LIMIT_MAX ?? 20),
      rateLimitWindowMs: Number(env.LOGIN_RATE_LIMIT_WINDOW_MS ?? 60_000),
      setUpLinkHours: Number(env.STAFF_SET_UP_LINK_HOURS ?? 72),
    },
    // A fixed development key keeps the demo users' sealed secrets readable across restarts;
    // production must supply its own.
    totpSecretKey: required('TOTP_ENCRYPTION_KEY', 'waypoint-development-totp-secret-key'),
    totpSecretKeyPrevious: env.TOTP_ENCRYPTION_KEY_PREVIOUS || undefined,
    oidc: {
      issuer: env.OIDC_ISSUER || undefined,
      clientId: env.OIDC_CLIENT_ID || undefined,
      clientSecret: env.OIDC_CLIENT_SECRET || undefined,
      groupRoleMap: env.OIDC_GROUP_ROLE_MAP || undefined,
    },
    jobs: { enabled: env.JOBS_ENABLED !== 'false', schema: env.JOBS_SCHEMA ?? 'pgboss' },
    seedDemo: env.SEED_DEMO ? env.SEED_DEMO === 'true' : !production,
    sandbox: {
      enabled: env.PORTAL_SANDBOX === 'on',
      people: Math.min(500, Math.max(1, Number(env.PORTAL_SANDBOX_PEOPLE ?? 24))),
    },
    gazetteer: {
      provider: env.GAZETTEER === 'os-places' ? 'os-places' : 'embedded',
      csvPath: env.GAZETTEER_CSV || undefined,
      osPlacesKey: env.OS_PLACES_API_KEY || undefined,
      osPlacesBaseUrl: env.OS_PLACES_BASE_URL ?? 'https://api.os.uk/search/places/v1',
    },
    simulator: {
      enabled: env.SIMULATOR ? env.SIMULATOR === 'true' : !production,
      eventsPerMinute: Number(env.SIMULATOR_EVENTS_PER_MINUTE ?? 6),
    },
    logLevel: env.LOG_LEVEL ?? (environment === 'test' ? 'silent' : 'info'),
    api: {
      tokenTtlSeconds: Number(env.API_TOKEN_TTL_SECONDS ?? 3600),
      rateLimitMax: Number(env.API_RATE_LIMIT_MAX ?? 600),
      rateLimitWindowMs: Number(env.API_RATE_LIMIT_WINDOW_MS ?? 60_000),
    },
    // Metrics name routes, queues and volumes: production never serves them without a token.
    metricsToken: production ? required('METRICS_TOKEN', '') : env.METRICS_TOKEN || undefined,
    operations: {
      port: env.OPERATIONS_PORT ? Number(env.OPERATIONS_PORT) : undefined,
      host: env.OPERATIONS_HOST ?? '127.0.0.1',
    },
    siem: {
      syslogHost: env.SIEM_SYSLOG_HOST || undefined,
      syslogPort: Number(env.SIEM_SYSLOG_PORT ?? 6514),
      syslogTls: env.SIEM_SYSLOG_TLS !== 'false',
      syslogCaFile: env.SIEM_SYSLOG_CA_FILE || undefined,
      syslogServerName: env.SIEM_SYSLOG_SERVER_NAME || undefined,
      syslogAllowPlaintext: env.SIEM_SYSLOG_ALLOW_PLAINTEXT === 'true',
      hecUrl: env.SIEM_HEC_URL || undefined,
      hecToken: env.SIEM_HEC_TOKEN || undefined,
    },
    reporting: {
      odataPageSize: Number(env.REPORTING_ODATA_PAGE_SIZE ?? 5000),
    },
    outbound: {
      warehouse: hostRules('OUTBOUND_WAREHOUSE_HOSTS', env, production),
      writeback: hostRules('OUTBOUND_WRITEBACK_HOSTS', env, production),
      scanner: hostRules('OUTBOUND_SCANNER_HOSTS', env, production),
      // GOV.UK One Login for the Portal (decision 0027): oidc.account.gov.uk in production.
      identity: hostRules('OUTBOUND_IDENTITY_HOSTS', env, production),
      webhook: hostRules('OUTBOUND_WEBHOOK_HOSTS', env, production),
      // The OS Places API for Contact's gazetteer (CRM-32): api.os.uk in production.
      gazetteer: hostRules('OUTBOUND_GAZETTEER_HOSTS', env, production),
      // A hosted or on-premises OpenAI-compatible model server for Assist (decision 0048).
      ai: hostRules('OUTBOUND_AI_HOSTS', env, production),
    },
    warehouse: {
      connectTimeoutMs: Number(env.WAREHOUSE_CONNECT_TIMEOUT_MS ?? 10_000),
      statementTimeoutMs: Number(env.WAREHOUSE_STATEMENT_TIMEOUT_MS ?? 30_000),
    },
    writeback: {
      // A fixed development key keeps demo credentials readable across restarts; production
      // must supply its own.
      credentialKey: required('WRITEBACK_CREDENTIAL_KEY', 'waypoint-development-writeback-key'),
      credentialKeyPrevious: env.WRITEBACK_CREDENTIAL_KEY_PREVIOUS || undefined,
      baseDelaySeconds: Number(env.WRITEBACK_BASE_DELAY_SECONDS ?? 30),
      maxDelaySeconds: Number(env.WRITEBACK_MAX_DELAY_SECONDS ?? 3600),
      maxAttempts: Number(env.WRITEBACK_MAX_ATTEMPTS ?? 30),
      maxAgeHours: Number(env.WRITEBACK_MAX_AGE_HOURS ?? 48),
      batchSize: Number(env.WRITEBACK_BATCH_SIZE ?? 50),
    },
    messaging: {
      defaultSmsChannel: env.MESSAGING_SMS_CHANNEL === 'notify' ? 'notify' : 'outbox',
      defaultEmailChannel:
        env.MESSAGING_EMAIL_CHANNEL === 'notify' || env.MESSAGING_EMAIL_CHANNEL === 'smtp'
          ? env.MESSAGING_EMAIL_CHANNEL
          : 'outbox',
      notify: {
        baseUrl: env.NOTIFY_BASE_URL ?? 'https://api.notifications.service.gov.uk',
        apiKeys: perForce(env.NOTIFY_API_KEYS),
        smsTemplateIds: perForce(env.NOTIFY_SMS_TEMPLATE_IDS),
        emailTemplateIds: perForce(env.NOTIFY_EMAIL_TEMPLATE_IDS),
        smsTemplateId: env.NOTIFY_SMS_TEMPLATE_ID ?? '',
        emailTemplateId: env.NOTIFY_EMAIL_TEMPLATE_ID ?? '',
        callbackToken: required('NOTIFY_CALLBACK_TOKEN', devSecret()),
        callbackTokenPrevious: env.NOTIFY_CALLBACK_TOKEN_PREVIOUS || undefined,
        rateLimitPerMinute: Number(env.NOTIFY_RATE_LIMIT_PER_MINUTE ?? 3000),
        rateLimitPauseSeconds: Number(env.NOTIFY_RATE_LIMIT_PAUSE_SECONDS ?? 60),
        timeoutMs: Number(env.NOTIFY_TIMEOUT_MS ?? 10_000),
      },
      smtp: { url: env.SMTP_URL || undefined, from: env.SMTP_FROM ?? 'no-reply@waypoint.example.org' },
      linkSecret: required('MESSAGING_LINK_SECRET', devSecret()),
      linkSecretPrevious: env.MESSAGING_LINK_SECRET_PREVIOUS || undefined,
      dispatchBatchSize: Number(env.MESSAGING_DISPATCH_BATCH_SIZE ?? 50),
      reconcileAfterSeconds: Number(env.MESSAGING_RECONCILE_AFTER_SECONDS ?? 120),
      reconcileGiveUpHours: Number(env.MESSAGING_RECONCILE_GIVE_UP_HOURS ?? 24),
      pollReceiptsAfterSeconds: Number(env.MESSAGING_POLL_RECEIPTS_AFTER_SECONDS ?? 3600),
      maxAttempts: Number(env.MESSAGING_MAX_ATTEMPTS ?? 8),
    },
    attachments: {
      clamd: {
        host: env.CLAMD_HOST || undefined,
        port: Number(env.CLAMD_PORT ?? 3310),
        timeoutMs: Number(env.CLAMD_TIMEOUT_MS ?? 30_000),
      },
    },
    inboundEmail: {
      port:
        env.INBOUND_EMAIL_PORT && env.INBOUND_EMAIL_PORT !== 'off'
          ? Number(env.INBOUND_EMAIL_PORT)
          : undefined,
      demo: env.INBOUND_EMAIL_PORT !== 'off' && environment === 'development',
      host: env.INBOUND_EMAIL_HOST ?? '127.0.0.1',
      hostname: env.INBOUND_EMAIL_HOSTNAME ?? 'localhost',
      domain: env.INBOUND_EMAIL_DOMAIN ?? 'replies.waypoint.localhost',
      addresses: perForce(env.INBOUND_EMAIL_ADDRESSES),
      maxBytes: Number(env.INBOUND_EMAIL_MAX_BYTES ?? 26_214_400),
    },
    ...overrides,
  }
  if (missing.length > 0) {
    throw new ConfigError(`Waypoint cannot start in production without: ${missing.join(', ')}`)
  }
  // GOV.UK Notify refuses an email whose one-click unsubscribe link is not https, and staff
  // session cookies are sent over https only: an http address would fail quietly later.
  if (production && !/^https:\/\/[^/]/.test(config.http.publicUrl)) {
    throw new ConfigError(
      `PUBLIC_URL must be the https:// address people reach Waypoint at (it is ${JSON.stringify(config.http.publicUrl)}): GOV.UK Notify refuses emails whose unsubscribe link is not https`,
    )
  }
  if (production && config.sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters')
  }
  if (production && config.sessionSecretPrevious !== undefined && config.sessionSecretPrevious.length < 32) {
    throw new ConfigError('SESSION_SECRET_PREVIOUS must be at least 32 characters')
  }
  if (production && config.totpSecretKey.length < 32) {
    throw new ConfigError('TOTP_ENCRYPTION_KEY must be at least 32 characters')
  }
  if (production && config.writeback.credentialKey.length < 32) {
    throw new ConfigError('WRITEBACK_CREDENTIAL_KEY must be at least 32 characters')
  }
  if (
    production &&
    config.writeback.credentialKeyPrevious !== undefined &&
    config.writeback.credentialKeyPrevious.length < 32
  ) {
    throw new ConfigError('WRITEBACK_CREDENTIAL_KEY_PREVIOUS must be at least 32 characters')
  }
  if (production && (config.metricsToken ?? '').length < 32) {
    throw new ConfigError('METRICS_TOKEN must be at least 32 characters')
  }
  if (production && config.totpSecretKeyPrevious !== undefined && config.totpSecretKeyPrevious.length < 32) {
    throw new ConfigError('TOTP_ENCRYPTION_KEY_PREVIOUS must be at least 32 characters')
  }
  // The SMTP channel and staff email load their mail library at the first send (decision 0068),
  // so an address that could never work is refused here, at start-up, rather than there.
  const smtpUrl = config.messaging.smtp.url
  if (smtpUrl !== undefined && !['smtp:', 'smtps:'].includes(URL.parse(smtpUrl)?.protocol ?? '')) {
    throw new ConfigError(
      'SMTP_URL must be an smtp:// or smtps:// address, such as smtp://user:password@mail.example.org:587',
    )
  }
  // CP-175: the audit trail carries personal data, so it leaves Waypoint encrypted unless an
  // operator has said in writing that the network to the collector is trusted.
  if (production && config.siem.syslogHost && !config.siem.syslogTls && !config.siem.syslogAllowPlaintext) {
    throw new ConfigError(
      'SIEM_SYSLOG_TLS=false sends the audit trail unencrypted; set SIEM_SYSLOG_ALLOW_PLAINTEXT=true to allow it',
    )
  }
  return config
}

/** Seconds to drain before stopping: 0 to 300, or `fallback` when unset. */
function drainSeconds(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 300)
    throw new ConfigError(
      `SHUTDOWN_DRAIN_SECONDS must be a number of seconds from 0 to 300 (it is ${JSON.stringify(value)})`,
    )
  return seconds
}

/** A pool's size: a whole number from 1 to 200, or `fallback` when unset. */
function poolSize(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback
  const size = Number(value)
  if (!Number.isInteger(size) || size < 1 || size > 200)
    throw new ConfigError(`${name} must be a whole number from 1 to 200 (it is ${JSON.stringify(value)})`)
  return size
}

/** `kent=value,essex=value` → { kent: 'value', essex: 'value' }. */
function perForce(value: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (value ?? '')
      .split(',')
      .map((pair) => pair.trim().split('='))
      .filter((pair): pair is [string, string] => pair.length === 2 && !!pair[0] && !!pair[1])
      .map(([force, v]) => [force.trim(), v.trim()]),
  )
}

/** Loopback only, for development and tests: the demo's receiver and a test's warehouse. */
export const LOCAL_OUTBOUND_HOSTS = 'localhost,127.0.0.0/8,::1'

function hostRules(name: string, env: Env, production: boolean): HostRule[] {
  const value = env[name] ?? (production ? '' : LOCAL_OUTBOUND_HOSTS)
  try {
    return parseHostRules(value)
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`)
  }
}

function parseEnvironment(value: string | undefined): Config['environment'] {
  if (value === 'production' || value === 'test') return value
  return 'development'
}

// A development secret is random per process: sessions do not survive a restart, which is
// acceptable for a demo and avoids a well-known secret in the repository.
let cachedDevSecret: string | undefined
function devSecret(): string {
  cachedDevSecret ??= randomBytes(32).toString('hex')
  return cachedDevSecret
}
