// The force administrator's page for the Portal's case notifications (decision 0036): which kinds
// of update a person is told of and how soon (CP-62, CP-56), and which details of a case people
// see in their account (CP-60). HTTP only: the notification service holds the rules.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { FieldError } from '../platform/errors.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import type { NotificationService } from './notification-service.ts'
import { type NoticeKind, noticeKinds, shownFields } from './schema.ts'

/** Who sets the force's notifications: its administrators. */
export const notificationEditors: readonly StaffRole[] = ['force_admin']
const forceOf = staffForce('The Portal’s notifications belong to a force: sign in with a force account')

const kindText: Record<NoticeKind, { legend: string; hint: string }> = {
  'new-case': {
    legend: 'A new case is added to a person’s account',
    hint: 'A person who already has an account is told, not invited again.',
  },
  status: { legend: 'The status of a case changes', hint: 'Including when the case is closed.' },
  officer: { legend: 'An investigating officer is assigned', hint: 'Or a different officer takes the case.' },
  message: { legend: 'The officer sends a message', hint: 'The notification never says what it says.' },
}
const timingItems = [
  { value: 'immediate', text: 'Straight away' },
  { value: 'daily', text: 'In the daily round' },
  { value: 'off', text: 'Do not tell them' },
]
const shownText: Record<(typeof shownFields)[number], string> = {
  status: 'Case status',
  officer: 'Investigating officer',
  updates: 'Timeline of updates',
}

type Form = Record<NoticeKind, string> & { digestHour: string; minGapHours: string; shown: string[] }

export function registerNotificationSettingsRoutes(
  http: FastifyInstance,
  deps: { notifications: NotificationService },
): void {
  const access = { staff: notificationEditors, product: 'portal' as const }
  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Form; saved?: boolean } = {},
  ) => {
    const settings = await deps.notifications.settingsOf(forceOf(request))
    const values: Form = extra.values ?? {
      ...settings.timing,
      digestHour: String(settings.digestHour),
      minGapHours: String(settings.minGapHours),
      shown: settings.shown,
    }
    return reply.render('portal/notification-settings.njk', {
      title: 'Case notifications',
      ...extra,
      kinds: noticeKinds.map((kind) => ({
        name: kind,
        ...kindText[kind],
        items: timingItems.map((i) => ({ ...i, checked: values[kind] === i.value })),
      })),
      shownItems: shownFields.map((f) => ({
        value: f,
        text: shownText[f],
        checked: values.shown.includes(f),
      })),
      values,
    })
  }

  http.get<{ Querystring: { saved?: string } }>(
    '/console/portal/notifications',
    {
      config: { access },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 5 })) }) },
    },
    async (request, reply) => page(request, reply, { saved: request.query.saved === 'yes' }),
  )

  const choice = Type.Optional(Type.String({ maxLength: 20 }))
  http.post<{
    Body: Partial<Record<NoticeKind | 'digestHour' | 'minGapHours', string>> & { shown?: string | string[] }
  }>(
    '/console/portal/notifications',
    {
      config: { access },
      schema: {
        body: Type.Object({
          'new-case': choice,
          status: choice,
          officer: choice,
          message: choice,
          digestHour: choice,
          minGapHours: choice,
          shown: Type.Optional(
            Type.Union([
              Type.String({ maxLength: 20 }),
              Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 }),
            ]),
          ),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const body = request.body
      const form: Form = {
        'new-case': body['new-case'] ?? '',
        status: body.status ?? '',
        officer: body.officer ?? '',
        message: body.message ?? '',
        digestHour: body.digestHour ?? '',
        minGapHours: body.minGapHours ?? '',
        shown: body.shown === undefined ? [] : Array.isArray(body.shown) ? body.shown : [body.shown],
      }
      const staff = staffOf(request)
      try {
        await deps.notifications.saveSettings(forceOf(request), form, {
          id: staff.id,
          name: staff.displayName,
          ip: request.ip,
        })
      } catch (error) {
        return refusedForm(reply, error, (errors) => page(request, reply, { errors, values: form }))
      }
      return reply.redirect('/console/portal/notifications?saved=yes', 303)
    },
  )
}
