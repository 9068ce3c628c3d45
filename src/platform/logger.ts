// JSON logs (pino) with the correlation id of the request or job on every line (CP-166).
import { pino } from 'pino'

export type Logger = pino.Logger

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'waypoint' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'password', 'code', '*.password', '*.totp'],
      censor: '[redacted]',
    },
  })
}
