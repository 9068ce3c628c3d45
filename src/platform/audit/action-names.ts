// The audit trail in plain words: each action Waypoint records, named as staff would say it and
// grouped by what it is about, for the pick-list and for searching by words ("user" finds the
// user actions); a sentence for each event; and a link to the record where it has a page.
import type { AuditRow } from './audit-repository.ts'

interface ActionName {
  action: string
  area: string
  name: string
}

const catalogue: ActionName[] = [
  ['Audit trail', 'audit.searched', 'Audit trail searched'],
  ['Audit trail', 'audit.exported', 'Audit trail downloaded'],
  ['Sign-in', 'sign-in.succeeded', 'Signed in'],
  ['Sign-in', 'sign-in.failed', 'Sign-in failed'],
  ['Sign-in', 'sign-out', 'Signed out'],
  ['Users', 'staff.created', 'User added'],
  ['Users', 'staff.provisioned', 'User added from the identity provider'],
  ['Users', 'staff.viewed', 'User viewed'],
  ['Users', 'staff.set-up-link-issued', 'Set-up link emailed to a user'],
  ['Users', 'staff.set-up-link-refused', 'Set-up link refused (expired, used or replaced)'],
  ['Users', 'staff.set-up-completed', 'User set up their password and authenticator'],
  ['Users', 'staff.sign-in-reset', 'User’s password and authenticator reset, and a new set-up link sent'],
  ['Users', 'staff.disabled', 'User disabled'],
  ['Users', 'staff.enabled', 'User enabled again'],
  ['Users', 'staff.disabled-by-hr', 'User disabled by the HR feed'],
  ['Users', 'staff.updated-by-hr', 'User updated by the HR feed'],
  ['Users', 'role.granted', 'User given a role'],
  ['Users', 'role.revoked', 'Role taken from a user'],
  ['Users', 'hr-job-roles.saved', 'HR job roles mapped to Waypoint roles'],
  ['Cases', 'case.searched', 'Cases searched'],
  ['Cases', 'case.viewed', 'Case viewed'],
  ['Cases', 'case.updated', 'Case updated'],
  ['Cases', 'case.party-added', 'Person added to a case'],
  ['Cases', 'case.party-changed', 'Whom a person on a case acts for changed'],
  ['Cases', 'case.journeys-viewed', 'Journeys on a case viewed'],
  ['Cases', 'crime.viewed', 'Crime viewed'],
  ['Cases', 'incident.viewed', 'Incident viewed'],
  ['Cases', 'person.viewed', 'Person viewed'],
  ['Cases', 'person.safe-channel-confirmed', 'Safe way to contact a person confirmed'],
  ['Cases', 'record.read-shared', 'Record read by another force under a sharing agreement'],
  ['Cases', 'filter-case.updated', 'Case updated'],
  ['Approvals', 'change.requested', 'Change sent for a second person’s approval'],
  ['Approvals', 'change.approved', 'Change approved and published'],
  ['Approvals', 'change.rejected', 'Change rejected'],
  ['Approvals', 'change-approval.setting-changed', 'Second-person approval turned on or off'],
  ['Journeys', 'journey.rolled-back', 'Journey rolled back to an earlier version'],
  ['Messages', 'message-template.rolled-back', 'Message template rolled back to an earlier version'],
  ['Journeys', 'journey.created', 'Journey created'],
  ['Journeys', 'journey.draft-saved', 'Journey draft saved'],
  ['Journeys', 'journey.published', 'Journey published'],
  ['Journeys', 'journey.test-sent', 'Test message sent from the journey designer'],
  ['Journeys', 'journey.enrolled', 'Person started on a journey'],
  ['Journeys', 'journey.officer-details-resent', 'New officer’s details sent to a victim'],
  ['Journeys', 'journey-rules.updated', 'Journey eligibility rules changed'],
  ['Journeys', 'journey-contact-policy.updated', 'Safe-contact policy changed'],
  ['Messages', 'message.viewed', 'Message viewed'],
  ['Messages', 'message.cancelled', 'Message cancelled by staff'],
  ['Messages', 'message.resent', 'Message sent again by staff'],
  ['Messages', 'outbox.exported', 'Outbox downloaded'],
  ['Messages', 'message-template.saved', 'Message template saved'],
  ['Messages', 'message-opt-out.recorded', 'Opt-out recorded'],
  ['Messages', 'messaging-settings.changed', 'Messaging settings changed'],
  ['Messages', 'messaging-settings.notify-tested', 'GOV.UK Notify connection tested'],
  ['Messages', 'conversation.viewed', 'Conversation viewed'],
  ['Messages', 'conversation-message.received', 'Message received from a person'],
  ['Sources', 'source-event.viewed', 'Source event viewed'],
  ['Sources', 'source-event.corrected', 'Source event corrected'],
  ['Sources', 'source-event.replayed', 'Source event replayed'],
  ['Sources', 'source-event.replay-refused', 'Source event replay refused'],
  ['Sources', 'source-events.replayed', 'Source events replayed'],
  ['Sources', 'source-events.quarantine-listed', 'Quarantined source events listed'],
  ['Sources', 'mapping-profile.saved', 'Mapping profile saved'],
  ['Sources', 'mapping-profile.published', 'Mapping profile published'],
  ['Sources', 'mapping-profile.publish-refused', 'Mapping profile not published: its sample failed'],
  ['Sources', 'mapping-profile.reverted', 'Mapping profile reverted'],
  ['Sources', 'warehouse-source.changed', 'Warehouse source changed'],
  ['Sources', 'warehouse-source.query-tried', 'Warehouse query tried'],
  ['Sources', 'warehouse-source.polled', 'Warehouse polled'],
  ['Write-back', 'writeback.endpoint.changed', 'Write-back connection changed'],
  ['Write-back', 'writeback.entry.viewed', 'Write-back entry viewed'],
  ['Write-back', 'writeback.replayed', 'Write-back entry sent again'],
  ['Write-back', 'writeback.officer-update.recorded', 'Officer update recorded'],
  ['Reports', 'report.viewed', 'Report viewed'],
  ['Reports', 'report.exported', 'Report downloaded'],
  ['Reports', 'report-api-key.created', 'Power BI key created'],
  ['Reports', 'report-api-key.revoked', 'Power BI key revoked'],
  ['Retention', 'retention-rule.updated', 'Retention rule changed'],
  ['Retention', 'retention.kept', 'Record kept past its review date'],
  ['Retention', 'retention-report.exported', 'Deletion report downloaded'],
  ['Retention', 'record.deleted', 'Record deleted under the retention rules'],
  ['Retention', 'legal-hold.placed', 'Legal hold placed'],
  ['Retention', 'legal-hold.released', 'Legal hold released'],
  ['Service incidents', 'incident.created', 'Service incident opened'],
  ['Service incidents', 'incident.action-added', 'Service incident action added'],
  ['Service incidents', 'incident.resolved', 'Service incident resolved'],
  ['Service incidents', 'incident.exported', 'Service incident report downloaded'],
  ['Forces', 'force.updated', 'Force details changed'],
  ['Forces', 'force.profile-updated', 'Force profile changed'],
  ['Forces', 'force.products-changed', 'Force products changed'],
  ['Forces', 'sharing-agreement.created', 'Sharing agreement made'],
  ['Forces', 'sharing-agreement.revoked', 'Sharing agreement ended'],
  ['API', 'api-client.created', 'API client created'],
  ['API', 'api-client.disabled', 'API client disabled'],
  ['Keys', 'credentials.resealed', 'Stored credentials sealed again under a new credential key'],
].map(([area, action, name]) => ({ area, action, name }) as ActionName)

const byAction = new Map(catalogue.map((a) => [a.action, a]))

/** The plain name of an action; one not in the catalogue is made readable from its code. */
export function actionName(action: string): string {
  const known = byAction.get(action)
  if (known) return known.name
  const [noun = action, ...rest] = action.split('.')
  const words = `${noun.replace(/-/g, ' ')} ${rest.join(' ').replace(/-/g, ' ')}`.trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** The pick-list: every action by area, then name. */
export function actionItems(selected?: string): { value: string; text: string; selected?: boolean }[] {
  return [...catalogue]
    .sort((a, b) => a.area.localeCompare(b.area) || a.name.localeCompare(b.name))
    .map((a) => ({
      value: a.action,
      text: `${a.area}: ${a.name}`,
      ...(a.action === selected ? { selected: true } : {}),
    }))
}

/**
 * What an action search means: an action code (or the start of one, `case.`), or words found in
 * the plain names and areas ("user" finds every user action). Undefined when nothing matches.
 */
export function actionsMatching(text: string): { actions: string[] } | { prefix: string } {
  const wanted = text.trim().toLowerCase()
  // A known action is matched exactly, so its index serves it (migration 0973).
  if (byAction.has(wanted)) return { actions: [wanted] }
  if (/^[a-z-]+\.$/.test(wanted)) return { prefix: wanted }
  const words = wanted.split(/\s+/).filter(Boolean)
  const found = catalogue
    .filter((a) => {
      const haystack = `${a.area} ${a.name} ${a.action}`.toLowerCase()
      return words.every((w) => haystack.includes(w) || haystack.includes(w.replace(/s$/, '')))
    })
    .map((a) => a.action)
  return found.length > 0 ? { actions: found } : { prefix: wanted }
}

/** Where a record has a page of its own in the console. */
export function recordHref(row: Pick<AuditRow, 'action' | 'recordType' | 'recordId'>): string | undefined {
  const id = row.recordId ?? ''
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
  switch (row.recordType) {
    case 'journey':
      return uuid && row.action.startsWith('journey.') ? `/console/journeys/designer/${id}` : undefined
    case 'message':
      return uuid ? `/console/outbox/${id}` : undefined
    case 'person':
      return uuid ? `/console/people/${id}` : undefined
    case 'crime':
      return uuid ? `/console/cases/crimes/${id}` : undefined
    case 'incident':
      return uuid && !row.action.startsWith('incident.') ? `/console/cases/incidents/${id}` : undefined
    case 'staff':
      return uuid ? `/console/users/${id}` : undefined
    case 'source-event':
      return uuid ? `/console/sources/events/${id}` : undefined
    case 'message-template':
      return /^[a-z0-9][a-z0-9-]{1,62}$/.test(id) ? `/console/templates/${id}` : undefined
    default:
      return undefined
  }
}

const recordNames: Record<string, string> = {
  journey: 'Journey',
  message: 'Message',
  person: 'Person',
  crime: 'Crime',
  incident: 'Incident',
  staff: 'User',
  'source-event': 'Source event',
  'message-template': 'Template',
  'messaging-settings': 'Messaging settings',
  'message-opt-out': 'Opt-out',
  outbox: 'Outbox',
}

/** The record's kind in words, for the link text. */
export function recordName(recordType: string | null): string {
  if (!recordType) return ''
  return recordNames[recordType] ?? actionName(recordType)
}

/** One sentence saying what happened, from the action and the identifiers the event keeps. */
export function describe(row: Pick<AuditRow, 'action' | 'detail'>): string {
  const detail = (row.detail ?? {}) as Record<string, unknown>
  const name = actionName(row.action)
  const extras: string[] = []
  if (typeof detail.version === 'number') extras.push(`version ${detail.version}`)
  if (row.action === 'audit.searched' || row.action === 'audit.exported') {
    const filters = (detail.filters ?? {}) as Record<string, string>
    const described = Object.entries(filters).map(([k, v]) => `${filterNames[k] ?? k} ${v}`)
    extras.push(described.length ? `for ${described.join(', ')}` : 'with no filters')
    if (typeof detail.results === 'number') extras.push(`${detail.results} shown`)
  }
  if (row.action === 'case.searched' || row.action === 'outbox.exported') {
    const criteria = (detail.criteria ?? {}) as Record<string, string>
    const described = Object.entries(criteria).map(([k, v]) => `${k} ${v}`)
    if (described.length) extras.push(`for ${described.join(', ')}`)
    if (typeof detail.resultCount === 'number') extras.push(`${detail.resultCount} found`)
  }
  if (row.action === 'credentials.resealed' && typeof detail.resealed === 'number')
    extras.push(`${detail.resealed} ${String(detail.kind ?? '').replace(/-/g, ' ')}`)
  if (row.action === 'message.cancelled' || row.action === 'message.resent')
    extras.push('the reason is in the message’s history')
  if (typeof detail.role === 'string') extras.push(`role ${detail.role.replace(/_/g, ' ')}`)
  if (Array.isArray(detail.changed) && detail.changed.length)
    extras.push(`changed ${detail.changed.join(', ')}`)
  return extras.length ? `${name}: ${extras.join('; ')}` : name
}

const filterNames: Record<string, string> = {
  from: 'from',
  to: 'before',
  actor: 'by',
  action: 'action',
  actions: 'actions',
  recordType: 'record type',
  recordId: 'record',
  forceId: 'force',
}
