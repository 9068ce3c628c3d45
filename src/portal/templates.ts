// The portal's messages, installed for each force that has the Portal beside the journeys'
// templates (a force edits them in the same template editor). The invitation itself is the
// journeys' `portal-invitation` template, so a force that changed it keeps its words.
import type { TemplateService } from '../messaging/template-service.ts'
import type { Tx } from '../platform/db/database.ts'

interface PortalTemplate {
  key: string
  title: string
  subject: string
  body: string
  /** The Welsh words, for a person who prefers Welsh (CP-63, UJ-19). */
  cy?: { subject: string; body: string }
}

export const portalTemplates: readonly PortalTemplate[] = [
  {
    key: 'portal-invitation',
    title: 'My Police Portal invitation',
    subject: 'Follow your case online',
    body: '((force_name)): follow your case and message your officer online: ((portal_link))',
  },
  {
    key: 'portal-reminder',
    title: 'My Police Portal invitation reminder',
    subject: 'Reminder: follow your case online',
    body: '((force_name)): a reminder that you can follow your case online. This link works once and expires on ((expires_on)): ((portal_link))',
  },
  {
    key: 'portal-code',
    title: 'My Police Portal security code',
    subject: 'Your security code',
    body: 'Your security code for ((force_name)) is ((code)). It expires in 10 minutes. Do not share it with anyone, including the police.',
  },
  {
    key: 'portal-new-case',
    title: 'My Police Portal: a new case in your account',
    subject: 'A new case in your account',
    body: '((force_name)): ((reference)) has been added to your account. Sign in to follow it: ((portal_link))',
  },
  {
    key: 'portal-account-changed',
    title: 'My Police Portal: your account was changed',
    subject: 'Your account was changed',
    body: '((force_name)): these details of your account were changed: ((changes)). If this was not you, sign in and check your account, or contact us: ((portal_link))',
  },
  {
    key: 'portal-account-deleted',
    title: 'My Police Portal: your account was deleted',
    subject: 'Your account was deleted',
    body: '((force_name)): your account has been deleted. We will still contact you about your case by text message or email.',
  },
  {
    // Never the message itself: the text or email may be read by someone else (CP-99).
    key: 'portal-new-message',
    title: 'My Police Portal: a new message from your officer',
    subject: 'You have a new message about your case',
    body: '((force_name)): you have a new message about ((reference)). Sign in to read it: ((portal_link))',
  },
  {
    // What kind of update, never the new status itself (CP-62, CP-63, decision 0036).
    key: 'portal-case-update',
    title: 'My Police Portal: an update about your case',
    subject: 'An update about your case ((reference))',
    body: '((force_name)): an update about ((reference)): ((updates)). Sign in to see it: ((portal_link))',
    cy: {
      subject: 'Diweddariad am eich achos ((reference))',
      body: "((force_name)): diweddariad am ((reference)): ((updates)). Mewngofnodwch i'w weld: ((portal_link))",
    },
  },
]

/** Adds the portal's templates a force does not have yet; a force's own versions are kept. */
export async function installPortalTemplates(
  tx: Tx,
  templates: TemplateService,
  forceId: string,
): Promise<number> {
  const existing = new Set(
    (await templates.templates(tx, forceId)).map((t) => `${t.key}/${t.channel}/${t.language}`),
  )
  let added = 0
  for (const t of portalTemplates) {
    const variants = [{ language: 'en', subject: t.subject, body: t.body }]
    if (t.cy) variants.push({ language: 'cy', ...t.cy })
    for (const v of variants)
      for (const channel of ['sms', 'email'] as const) {
        if (existing.has(`${t.key}/${channel}/${v.language}`)) continue
        await templates.addTemplateVersion(tx, {
          forceId,
          key: t.key,
          title: t.title,
          channel,
          language: v.language,
          ...(channel === 'email' ? { subject: v.subject } : {}),
          body: v.body,
        })
        added += 1
      }
  }
  return added
}
