// The settings a production Waypoint needs to start, every secret long enough: tests of the
// production checks add or take away the one they are about.
export const productionSettings: Record<string, string> = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://waypoint@db/waypoint',
  DATABASE_TENANT_URL: 'postgres://waypoint_tenant_login@db/waypoint',
  DATABASE_SYSTEM_URL: 'postgres://waypoint_system_login@db/waypoint',
  PUBLIC_URL: 'https://waypoint.example.org',
  SESSION_SECRET: 's'.repeat(40),
  TOTP_ENCRYPTION_KEY: 't'.repeat(40),
  WRITEBACK_CREDENTIAL_KEY: 'w'.repeat(40),
  NOTIFY_CALLBACK_TOKEN: 'n'.repeat(40),
  MESSAGING_LINK_SECRET: 'm'.repeat(40),
  METRICS_TOKEN: 'x'.repeat(40),
}
