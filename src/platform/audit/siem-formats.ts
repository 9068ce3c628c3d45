// How an audit event looks to a SIEM: RFC 5424 syslog for Sentinel (CP-175) and Splunk HTTP
// Event Collector JSON (CP-176). Both carry the event id and its chain hash, so the receiving
// side can de-duplicate and check the record against `waypoint audit verify`.
import type { AuditRow } from './audit-repository.ts'

/** RFC 5424 §7.2.2: SD-IDs with an "@" need an IANA private enterprise number; 32473 is the
 * number RFC 5612 reserves for documentation, kept until the region registers its own. */
export const SYSLOG_SD_ID = 'waypoint@32473'
/** Facility 13 "log audit", severity 6 "informational" (RFC 5424 §6.2.1). */
const PRIORITY = 13 * 8 + 6
const BOM = '\uFEFF'

export interface SiemOrigin {
  hostname: string
  appName: string
  procId: string
}

/** One RFC 5424 message: header, structured data with the event's fields, the detail as JSON. */
export function toSyslogMessage(event: AuditRow, origin: SiemOrigin): string {
  const header = [
    `<${PRIORITY}>1`,
    event.occurredAt.toISOString(),
    printable(origin.hostname, 255),
    printable(origin.appName, 48),
    printable(origin.procId, 128),
    printable(event.action, 32),
  ].join(' ')
  const params: [string, string | number | null][] = [
    ['id', event.id],
    ['chain', event.chain],
    ['seq', event.seq],
    ['force', event.forceId],
    ['actorKind', event.actorKind],
    ['actorId', event.actorId],
    ['actorName', event.actorName],
    ['action', event.action],
    ['recordType', event.recordType],
    ['recordId', event.recordId],
    ['ip', event.ip],
    ['correlationId', event.correlationId],
    ['hash', event.hash],
  ]
  const sd = `[${SYSLOG_SD_ID}${params
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => ` ${k}="${escapeParamValue(String(v))}"`)
    .join('')}]`
  return `${header} ${sd} ${BOM}${JSON.stringify(event.detail ?? {})}`
}

/** RFC 6587 §3.4.1 octet-counting: the message's length in bytes, a space, the message. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8')
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body])
}

export interface HecEvent {
  time: number
  host: string
  source: string
  sourcetype: string
  event: Record<string, unknown>
}

/** A Splunk HEC event (`POST /services/collector/event`); `time` is epoch seconds. */
export function toHecEvent(event: AuditRow, origin: SiemOrigin): HecEvent {
  return {
    time: event.occurredAt.getTime() / 1000,
    host: origin.hostname,
    source: origin.appName,
    sourcetype: 'waypoint:audit',
    event: {
      id: event.id,
      chain: event.chain,
      seq: event.seq,
      forceId: event.forceId,
      occurredAt: event.occurredAt.toISOString(),
      actor: { kind: event.actorKind, id: event.actorId, name: event.actorName },
      action: event.action,
      recordType: event.recordType,
      recordId: event.recordId,
      detail: event.detail,
      ip: event.ip,
      correlationId: event.correlationId,
      prevHash: event.prevHash,
      hash: event.hash,
    },
  }
}

// RFC 5424 §6.3.3: inside a PARAM-VALUE, '"', '\' and ']' must be escaped with '\'.
function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`)
}

// Header fields are printable US-ASCII without spaces; "-" is the NILVALUE.
function printable(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max)
  return clean || '-'
}
