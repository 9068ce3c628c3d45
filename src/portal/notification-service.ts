// Telling a person with a Portal account that their case changed (decision 0036). The force says
// which kinds of update are told and how soon (CP-62, CP-56): at once, or in its daily round, and
// never sooner than its least gap after the last notification about the case; an update while a
// notification still waits is folded into it. The person is told on the channel and outside the
// quiet hours they chose (CP-25), and outside the force's sending window, through messaging's
// scheduling (CP-64), in Welsh when they prefer it (CP-63). The force also says which details of
// a case its people see in their account (CP-60).
import type { CaseEvent } from '../cases/events.ts'
import { defaultContactPolicy } from '../journeys/contact-policy.ts'
import type { CaseReader, PersonSnapshot } from '../journeys/snapshot.ts'
import { nextSendableTime } from '../messaging/quiet-hours.ts'
import type { SchedulingService } from '../messaging/scheduling-service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { HeldValues } from '../platform/cache.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { type FieldError, NotFoundError, ValidationError } from '../platform/errors.ts'
import type { NoticeContact, NotificationRepository } from './notification-repository.ts'
import type { PortalRepository } from './repository.ts'
import { type NoticeKind, type NoticeTiming, noticeKinds, type ShownField, shownFields } from './schema.ts'

const HOUR = 3_600_000

export interface NotificationSettings {
  timing: Record<NoticeKind, NoticeTiming>
  /** The hour (London time) of the daily round. */
  digestHour: number
  /** The least time between two notifications to a person about one case. */
  minGapHours: number
  shown: ShownField[]
}

export const defaultNotificationSettings: NotificationSettings = {
  timing: { 'new-case': 'immediate', status: 'immediate', officer: 'immediate', message: 'immediate' },
  digestHour: 18,
  minGapHours: 0,
  shown: [...shownFields],
}

/** The case events each kind of update comes from. */
const kindOfEvent: Partial<Record<CaseEvent['type'], NoticeKind>> = {
  'crime.status-changed': 'status',
  'crime.closed': 'status',
  'incident.closed': 'status',
  'crime.officer-assigned': 'officer',
}

/** What changed, in the words of the person's language (never the new status or a message's text). */
const kindWords: Record<'en' | 'cy', Record<NoticeKind, string>> = {
  en: {
    'new-case': 'it has been added to your account',
    status: 'the status of your case has changed',
    officer: 'the officer investigating your case has changed',
    message: 'you have a new message from your officer',
  },
  cy: {
    'new-case': "mae wedi'i ychwanegu at eich cyfrif",
    status: 'mae statws eich achos wedi newid',
    officer: "mae'r swyddog sy'n ymchwilio i'ch achos wedi newid",
    message: 'mae gennych neges newydd gan eich swyddog',
  },
}

export interface CaseNotice {
  forceId: string
  caseId: string
  kinds: NoticeKind[]
  /** Only the accounts linked to these people on the case (a new case's person); else every link. */
  personIds?: string[]
}

export class NotificationService {
  readonly #db: Database
  readonly #repo: NotificationRepository
  readonly #portal: PortalRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #scheduling: SchedulingService
  readonly #loadCase: CaseReader['loadCase']
  readonly #publicUrl: string
  // Read on every citizen case page: held a minute in each process (decision 0031), dropped here on save.
  readonly #shown = new HeldValues<ShownField[]>({ ttlMs: 60_000 })

  constructor(deps: {
    db: Database
    repo: NotificationRepository
    portal: PortalRepository
    clock: Clock
    audit: AuditService
    scheduling: SchedulingService
    loadCase: CaseReader['loadCase']
    publicUrl: string
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#portal = deps.portal
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#scheduling = deps.scheduling
    this.#loadCase = deps.loadCase
    this.#publicUrl = deps.publicUrl
  }

  async settings(tx: Tx, forceId: string): Promise<NotificationSettings> {
    const row = await this.#repo.settings(tx, forceId)
    if (!row) return defaultNotificationSettings
    return {
      timing: {
        'new-case': row.newCase,
        status: row.statusChange,
        officer: row.officerChange,
        message: row.newMessage,
      },
      digestHour: row.digestHour,
      minGapHours: row.minGapHours,
      shown: row.shownFields,
    }
  }

  /** The details of a case the force shows its people (CP-60). */
  shownOf(forceId: string): Promise<ShownField[]> {
    return this.#shown.fetch(forceId, async () => (await this.settingsOf(forceId)).shown)
  }

  settingsOf(forceId: string): Promise<NotificationSettings> {
    return this.#db.withForce(forceId, (tx) => this.settings(tx, forceId))
  }

  /** A force administrator sets what is told, how soon, and what is shown (CP-56, CP-60, CP-62). */
  async saveSettings(
    forceId: string,
    form: Record<NoticeKind, string> & { digestHour: string; minGapHours: string; shown: string[] },
    actor: { id: string; name: string; ip?: string },
  ): Promise<NotificationSettings> {
    const errors: FieldError[] = []
    const timing = { ...defaultNotificationSettings.timing }
    for (const kind of noticeKinds) {
      const value = form[kind]
      if (value === 'off' || value === 'immediate' || value === 'daily') timing[kind] = value
      else errors.push({ field: kind, message: 'Choose when people are told of this kind of update' })
    }
    const whole = (field: string, value: string, max: number, words: string) => {
      const n = Number(value)
      if (!/^\d{1,2}$/.test(value.trim()) || n > max) {
        errors.push({ field, message: `Enter ${words} between 0 and ${max}` })
        return 0
      }
      return n
    }
    const digestHour = whole('digestHour', form.digestHour, 23, 'an hour')
    const minGapHours = whole('minGapHours', form.minGapHours, 72, 'a number of hours')
    const shown = shownFields.filter((f) => form.shown.includes(f))
    if (shown.length !== form.shown.length)
      errors.push({ field: 'shown', message: 'Choose only the details listed' })
    if (errors.length) throw new ValidationError(errors)
    const next: NotificationSettings = { timing, digestHour, minGapHours, shown }
    await this.#db.withForce(forceId, async (tx) => {
      await this.#repo.saveSettings(tx, {
        forceId,
        newCase: timing['new-case'],
        statusChange: timing.status,
        officerChange: timing.officer,
        newMessage: timing.message,
        digestHour,
        minGapHours,
        shownFields: shown,
        updatedAt: this.#clock.now(),
        updatedBy: actor.id,
      })
      await this.#audit.record(
        {
          action: 'portal.notification-settings-changed',
          forceId,
          actor: { kind: 'staff', id: actor.id, name: actor.name },
          recordType: 'portal-settings',
          recordId: forceId,
          detail: { ...timing, digestHour, minGapHours, shown },
          ...(actor.ip ? { ip: actor.ip } : {}),
        },
        tx,
      )
    })
    this.#shown.drop(forceId)
    return next
  }

  /**
   * The case-event listener: a status change, a case closed or a new officer on a case linked to
   * an account is told to that account as the force chose. Runs in the ingest transaction; most
   * cases have no account, so one cheap read comes first.
   */
  async onCaseEvents(tx: Tx, events: CaseEvent[]): Promise<void> {
    const byCase = new Map<string, CaseNotice>()
    for (const event of events) {
      const kind = kindOfEvent[event.type]
      const caseId = event.crimeId ?? event.incidentId
      if (!kind || !caseId) continue
      const notice: CaseNotice = byCase.get(caseId) ?? { forceId: event.forceId, caseId, kinds: [] }
      if (!notice.kinds.includes(kind)) notice.kinds.push(kind)
      byCase.set(caseId, notice)
    }
    if (byCase.size === 0 || !(await this.#portal.hasLinks(tx))) return
    for (const notice of byCase.values()) await this.notify(tx, notice)
  }

  /**
   * Tells each account linked to the case (or to the named people on it) of these kinds of
   * update, in the caller's transaction; returns the messages scheduled.
   */
  async notify(tx: Tx, notice: CaseNotice): Promise<number> {
    const now = this.#clock.now()
    const settings = await this.settings(tx, notice.forceId)
    const kinds = notice.kinds.filter((k) => settings.timing[k] !== 'off')
    if (kinds.length === 0) return 0
    const links = (await this.#portal.linksOfCase(tx, notice.caseId)).filter(
      (l) => !notice.personIds || notice.personIds.includes(l.personId),
    )
    if (links.length === 0) return 0
    const snapshot = await this.#loadCase(tx, {
      forceId: notice.forceId,
      ...(links[0]!.caseKind === 'crime' ? { crimeId: notice.caseId } : { incidentId: notice.caseId }),
    })
    if (!snapshot) throw new NotFoundError('The case')
    const contacts = new Map(
      (
        await this.#repo.contacts(
          tx,
          links.map((l) => l.accountId),
        )
      ).map((c) => [c.id, c]),
    )
    const reference = snapshot.crime?.crimeRef ?? snapshot.incident?.cadRef ?? ''
    const forceName = snapshot.forceName || notice.forceId
    // Immediate kinds go now; a notice of only daily kinds waits for the force's daily round.
    const soonest = kinds.some((k) => settings.timing[k] === 'immediate')
      ? now
      : dailyRound(now, settings.digestHour)
    let scheduled = 0
    const told = new Set<string>()
    for (const link of links) {
      if (told.has(link.accountId)) continue
      told.add(link.accountId)
      const contact = contacts.get(link.accountId)
      const person = snapshot.people.find((p) => p.id === link.personId)
      if (!contact || !person) continue
      const [latest, previous] = await this.#repo.latestNotices(tx, link.accountId, notice.caseId, 2)
      const waiting = latest ? await this.#stillWaiting(tx, latest.messageIds) : []
      const folding = !!latest && waiting.length > 0
      const allKinds = folding ? [...new Set([...latest.kinds, ...kinds])] : kinds
      // Never sooner than the force's least gap after the last notification that went; an update
      // folded into one that waits brings it forward only as far as that (an immediate kind
      // joining a daily one).
      const last = folding ? previous : latest
      const gapEnds =
        last && settings.minGapHours > 0 ? last.sendAfter.getTime() + settings.minGapHours * HOUR : 0
      const wanted = folding ? Math.min(latest.dueAt.getTime(), soonest.getTime()) : soonest.getTime()
      const dueAt = new Date(Math.max(wanted, gapEnds))
      // Folded in: what still waits is replaced by one notification of every update (CP-56).
      for (const id of waiting)
        await this.#scheduling.suppress(
          tx,
          id,
          'Replaced by one notification of all the case’s updates (CP-56)',
          null,
        )
      const messages = await this.#send(tx, {
        forceId: notice.forceId,
        caseId: notice.caseId,
        person,
        contact,
        kinds: allKinds,
        dueAt,
        personalisation: { force_name: forceName, reference },
      })
      scheduled += messages.filter((m) => m.status === 'scheduled').length
      const sendAfter = new Date(Math.min(...messages.map((m) => m.sendAfter.getTime())))
      const messageIds = messages.map((m) => m.id)
      if (folding)
        await this.#repo.updateNotice(tx, latest.id, { kinds: allKinds, messageIds, dueAt, sendAfter })
      else
        await this.#repo.addNotice(tx, {
          forceId: notice.forceId,
          accountId: link.accountId,
          personId: link.personId,
          caseId: notice.caseId,
          kinds: allKinds,
          messageIds,
          dueAt,
          sendAfter,
          createdAt: now,
        })
      await this.#audit.record(
        {
          action: 'portal.case-notified',
          forceId: notice.forceId,
          actor: { kind: 'system', name: 'portal notifications' },
          recordType: 'person',
          recordId: link.personId,
          detail: { caseId: notice.caseId, kinds: allKinds, messageIds, folded: folding },
        },
        tx,
      )
    }
    return scheduled
  }

  /** The messages of a notification that have not gone yet. */
  async #stillWaiting(tx: Tx, messageIds: string[]): Promise<string[]> {
    const waiting: string[] = []
    for (const id of messageIds) {
      const found = await this.#scheduling.message(tx, id).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined
        throw error
      })
      if (found?.message.status === 'scheduled') waiting.push(id)
    }
    return waiting
  }

  /**
   * Schedules the notification on the account's channels (CP-25): email, text or both, a text
   * falling back to email when there is no mobile; held by the person's own quiet hours as well
   * as the force's (CP-64). A person the force must not contact is recorded as held back.
   */
  async #send(
    tx: Tx,
    n: {
      forceId: string
      caseId: string
      person: PersonSnapshot
      contact: NoticeContact
      kinds: NoticeKind[]
      dueAt: Date
      personalisation: Record<string, string>
    },
  ) {
    const language = n.person.language === 'cy' ? 'cy' : 'en'
    const only = n.kinds.length === 1 ? n.kinds[0] : undefined
    const templateKey =
      only === 'new-case'
        ? 'portal-new-case'
        : only === 'message'
          ? 'portal-new-message'
          : 'portal-case-update'
    const link = `${this.#publicUrl}/portal/cases/${n.caseId}${only === 'message' ? '/messages' : ''}`
    const personalisation = {
      ...n.personalisation,
      updates: n.kinds.map((k) => kindWords[language][k]).join('; '),
      portal_link: link,
    }
    const to: { channel: 'sms' | 'email'; address: string }[] = []
    if (n.contact.notifyChannel !== 'sms' || !n.contact.mobile)
      to.push({ channel: 'email', address: n.contact.email })
    if (n.contact.notifyChannel !== 'email' && n.contact.mobile)
      to.push({ channel: 'sms', address: n.contact.mobile })
    const quietHours =
      n.contact.quietFrom !== null && n.contact.quietTo !== null
        ? { from: n.contact.quietFrom, to: n.contact.quietTo }
        : null
    const marker = n.person.markers.find((m) => defaultContactPolicy.suppressOnMarkers.includes(m))
    const messages = []
    for (const { channel, address } of to) {
      const common = {
        forceId: n.forceId,
        personId: n.person.id,
        caseId: n.caseId,
        channel,
        to: address,
        templateKey,
        language,
        dueAt: n.dueAt,
      }
      messages.push(
        marker
          ? await this.#scheduling.recordHeldBack(tx, {
              ...common,
              reason: `Not told of the case update: the person has a ${marker.replaceAll('_', ' ')} marker`,
            })
          : await this.#scheduling.schedule(tx, { ...common, personalisation, quietHours }),
      )
    }
    return messages
  }
}

/** The next daily round at `hour` (London time), at or after `now`. */
function dailyRound(now: Date, hour: number): Date {
  const hh = String(hour).padStart(2, '0')
  return nextSendableTime(now, {
    days: [1, 2, 3, 4, 5, 6, 7],
    start: `${hh}:00`,
    end: `${hh}:01`,
    sendOnBankHolidays: true,
    sendOnChristmasDays: true,
  })
}
