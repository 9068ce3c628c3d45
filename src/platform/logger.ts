// JSON logs (pino) with the correlation id of the request or job on every line (CP-166).
// Secrets and personal data never reach the logs:
// - credentials in headers are redacted;
// - a logged URL keeps its path and the names of its query parameters, never their values
//   (search terms, keys: Power BI sends its OData key as `?apikey=`);
// - a logged error keeps its type, code, message and stack, never the statement, parameters or
//   row values a database error carries (`query`, `params`, `parameters`, `detail`, `where`…),
//   at any depth of its causes.
import { pino } from 'pino'

export type Logger = pino.Logger

const secretParameters = /([?&](?:apikey|api_key|token|access_token|code|state|invitation)=)[^&#]*/gi

export function maskSecretsInUrl(url: string): string {
  return url.replace(secretParameters, '$1[redacted]')
}

/** A URL as it may be logged: the path, and each query parameter's name with its value withheld. */
export function urlForLog(url: string): string {
  const at = url.search(/[?#]/)
  if (at < 0) return url
  const path = url.slice(0, at)
  if (url[at] === '#') return path
  const query = url.slice(at + 1).split('#')[0]!
  const names = query
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=…`)
  return names.length ? `${path}?${names.join('&')}` : path
}

/** Properties of errors (pg, PGlite, Drizzle) that repeat statement text or values. */
const UNSAFE_ERROR_KEYS = new Set([
  'query',
  'params',
  'parameters',
  'queryOptions',
  'detail',
  'where',
  'internalQuery',
  'hint',
  'body',
  'payload',
  'values',
])

/** Drizzle writes "Failed query: <sql>\nparams: <values>" into messages and stacks. */
function withoutStatement(text: string): string {
  const at = text.indexOf('Failed query:')
  if (at < 0) return text
  const stackAt = text.indexOf('\n    at ', at)
  return `${text.slice(0, at)}Failed query (statement withheld)${stackAt >= 0 ? text.slice(stackAt) : ''}`
}

export function serializeError(error: unknown, depth = 0): unknown {
  if (!error || typeof error !== 'object') return error
  if (depth > 4) return '[cause chain truncated]'
  const source = error as Record<string, unknown>
  const out: Record<string, unknown> = {}
  if (error instanceof Error) {
    out.type = error.constructor?.name ?? 'Error'
    out.message = withoutStatement(error.message)
    if (error.stack) out.stack = withoutStatement(error.stack)
  }
  for (const key of Object.keys(source)) {
    if (UNSAFE_ERROR_KEYS.has(key) || key === 'cause' || key === 'message' || key === 'stack') continue
    const value = source[key]
    if (value === undefined || typeof value === 'function') continue
    out[key] =
      typeof value === 'string' ? withoutStatement(value) : typeof value === 'object' ? '[object]' : value
  }
  if ('cause' in source && source.cause !== undefined) out.cause = serializeError(source.cause, depth + 1)
  return out
}

interface LoggedRequest {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

/** `destination`: where the lines go (standard output by default; tests capture them). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'waypoint' },
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: req.url ? urlForLog(req.url) : undefined,
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
      err: serializeError,
      error: serializeError,
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'password', 'code', '*.password', '*.totp'],
      censor: '[redacted]',
    },
  }
  return destination ? pino(options, destination) : pino(options)
}
