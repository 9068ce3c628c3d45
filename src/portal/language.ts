// Welsh or English on the citizen pages (CP-155, decision 0057). A page's language is, in order:
// the one a signed-in person chose with the toggle (kept on their account), the one this browser
// chose (a cookie), the language the force's records give the signed-in person (people.language,
// as Welsh messages are chosen), and English. The toggle in every citizen page's header is a link,
// so it works without JavaScript: /language/cy sets the cookie, saves the choice on the account
// of a person signed in (audited) and sends the browser back to the page it was on.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { LANGUAGE_COOKIE, type Locale, localeOf } from '../platform/i18n/i18n.ts'
import type { AccountService } from './account-service.ts'
import { safeReturnTo } from './citizen-routes.ts'
import type { PortalContentService } from './content-service.ts'
import type { ProfileService } from './profile-service.ts'

/** A year: the choice outlives a session, as a language choice should. */
const LANGUAGE_COOKIE_SECONDS = 365 * 24 * 60 * 60

/** The language of a citizen page for this request. */
export function portalPageLanguage(deps: { accounts: AccountService; content: PortalContentService }) {
  return async (request: FastifyRequest): Promise<Locale> => {
    const browser = localeOf(request.cookies[LANGUAGE_COOKIE])
    const signedIn = request.citizenSession ? await deps.accounts.signedIn(request.citizenSession) : undefined
    if (!signedIn) return browser ?? 'en'
    const chosen = localeOf(signedIn.account.language)
    if (chosen) return chosen
    if (browser) return browser
    // The person's language on record in the force of their newest case (links are newest first).
    const newest = signedIn.links[0]
    return newest ? deps.content.languageOf(newest.forceId, signedIn.links) : 'en'
  }
}

export function registerLanguageRoutes(
  http: FastifyInstance,
  deps: { accounts: AccountService; profiles: ProfileService; secureCookie: boolean },
): void {
  http.get<{ Params: { language: string }; Querystring: { returnTo?: string } }>(
    '/language/:language',
    {
      config: { access: 'public' },
      schema: {
        params: Type.Object({ language: Type.Union([Type.Literal('en'), Type.Literal('cy')]) }),
        querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 500 })) }),
      },
    },
    async (request, reply) => {
      const language = localeOf(request.params.language) ?? 'en'
      reply.setCookie(LANGUAGE_COOKIE, language, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.secureCookie,
        maxAge: LANGUAGE_COOKIE_SECONDS,
      })
      // Kept on the account only when the person followed the toggle on one of our pages: a link
      // on another site may change this browser's cookie, never the account (a GET is not a form).
      const site = request.headers['sec-fetch-site']
      const fromHere = site === undefined || site === 'same-origin' || site === 'none'
      const signedIn = request.citizenSession
        ? await deps.accounts.signedIn(request.citizenSession)
        : undefined
      if (signedIn && fromHere)
        await deps.profiles.chooseLanguage(signedIn.account, language, {
          ip: request.ip,
          correlationId: request.id,
        })
      return reply.redirect(safeReturnTo(request.query.returnTo), 303)
    },
  )
}
