// Whom a source event concerns, for staff deciding what to do with one that was quarantined or
// discarded: the names and roles the force's profile reads from it, even when the event as a
// whole could not be mapped. Shown on console pages only (the pages are audited); never logged.
import type { PersonFacts } from '../cases/model.ts'
import { mapPayload, parsePayload } from './mapping.ts'
import type { InboxRow } from './repository.ts'
import type { SourceService } from './service.ts'

const roleNames: Record<string, string> = {
  victim: 'victim',
  witness: 'witness',
  parent_guardian: 'parent or guardian',
  attorney: 'attorney',
  suspect: 'suspect',
}

/** "Chris Doe (victim), Sam Roe (witness)", or null when the event names nobody readable. */
export function describePeople(people: readonly PersonFacts[]): string | null {
  const named = people
    .filter((p) => p.name || p.athenaUrn || p.stormNominal)
    .map((p) => {
      const who = p.name ?? `person ${p.athenaUrn ?? p.stormNominal}`
      return p.role ? `${who} (${roleNames[p.role] ?? p.role})` : who
    })
  return named.length ? named.join(', ') : null
}

/** For each event, whom it concerns, read with the force's profile for its source. */
export async function peopleConcerned(
  sources: SourceService,
  forceId: string,
  events: readonly InboxRow[],
): Promise<Record<string, string | null>> {
  const profiles = new Map<string, Awaited<ReturnType<SourceService['currentProfile']>>>()
  const found: Record<string, string | null> = {}
  for (const event of events) {
    if (!profiles.has(event.sourceSystem))
      profiles.set(event.sourceSystem, await sources.currentProfile(forceId, event.sourceSystem))
    const profile = profiles.get(event.sourceSystem)
    const parsed = profile ? parsePayload(event.payload, event.contentType) : undefined
    if (!profile || !parsed?.ok) {
      found[event.id] = null
      continue
    }
    const mapped = mapPayload(profile.document, parsed.value)
    found[event.id] = describePeople(mapped.ok ? mapped.event.change.people : (mapped.people ?? []))
  }
  return found
}
