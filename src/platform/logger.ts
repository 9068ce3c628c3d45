// JSON logs (pino) with the correlation id of the request or job on every line (CP-166).
// Secrets never reach the logs: credentials in headers are redacted, and query parameters that
// carry keys or tokens (Power BI sends its OData key as `?apikey=`) are masked in logged URLs.
import { pino } from 'pino'

export type Logger = pino.Logger

const secretParameters = /([?&](?:apikey|api_key|token|access_token|code|state)=)[^&#]*/gi

export function maskSecretsInUrl(url: string): string {
  return url.replace(secretParameters, '$1[redacted]')
}

interface LoggedRequest {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'waypoint' },
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: req.url ? maskSecretsInUrl(req.url) : undefined,
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'password', 'code', '*.password', '*.totp'],
      censor: '[redacted]',
    },
  })
}
