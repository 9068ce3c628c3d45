// Builders for STORM and Athena payloads in the default profile's format (src/sources/examples).
export function aStormEvent(o: {
  id: string
  type?: string
  at: string
  ref: string
  grading?: string
  persons?: Record<string, unknown>[]
  log?: Record<string, unknown>
}): string {
  return JSON.stringify({
    eventId: o.id,
    eventType: o.type ?? 'LOG_CREATED',
    timestamp: o.at,
    log: {
      reference: o.ref,
      ...(o.grading ? { grading: o.grading } : {}),
      ...o.log,
      persons: o.persons ?? [],
    },
  })
}

export function anAthenaEvent(o: {
  id: string
  type: string
  at: string
  crimeRef: string
  investigation?: Record<string, unknown>
  persons?: Record<string, unknown>[]
}): string {
  return JSON.stringify({
    messageId: o.id,
    messageType: o.type,
    eventTime: o.at,
    investigation: { crimeReference: o.crimeRef, ...o.investigation },
    persons: o.persons ?? [],
  })
}
