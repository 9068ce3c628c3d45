// Web chat's routes. For the person: the widget (one script tag on the force's Single Online Home
// pages), its settings for the embedding page (CORS: only the force's allowed origins get an
// answer), the chat window the widget frames (`frame-ancestors`: only those origins may frame
// it), the live socket, the transcript and the survey, and the plain form that stands in for the
// chat without JavaScript (it becomes an email-type contact). For staff: the force
// administrator's settings page and the supervisors' report of chats and surveys.
import { readFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { WebSocket } from '@fastify/websocket'
import type { ConversationService } from '../messaging/conversations/service.ts'
import { conversationTopic } from '../messaging/conversations/service.ts'
import { isValidAddress } from '../messaging/addresses.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { DomainError, type FieldError, problemFor, ValidationError } from '../platform/errors.ts'
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { PushEvent, PushService } from '../platform/push/push-service.ts'
import { ensureWebSockets } from '../platform/push/routes.ts'
import {
  type Audited,
  type ChatMessage,
  type ChatService,
  chatMessageMax,
  chatNameMax,
  isOpen,
  maxAllowedOrigins,
  outOfHoursReplyMax,
  surveyCommentMax,
  surveyRatings,
  weekdays,
} from './chat.ts'
import type { ChatStartLimit } from './chat-start-limit.ts'
import { queueTopic } from './queue.ts'
import { acting, forceOf } from './single-view-routes.ts'

export interface ChatForce {
  id: string
  name: string
  products: string[]
}

const publicDir = resolve(import.meta.dirname, 'public')
const assets = {
  widget: readFileSync(resolve(publicDir, 'chat-widget.js'), 'utf8'),
  window: readFileSync(resolve(publicDir, 'chat-window.js'), 'utf8'),
  css: readFileSync(resolve(publicDir, 'chat-window.css'), 'utf8'),
}

/** The largest frame a chat socket takes: a message of `chatMessageMax` characters, in JSON. */
export const chatFrameBytes = 16 * 1024

/** Chats one address may start in a minute (each process counts its own). */

const forceParams = Type.Object({ force: Type.String({ pattern: '^[a-z][a-z0-9-]{0,40}$' }) })
const access = (why: string) => ({ custom: why })

export async function registerChatRoutes(
  http: FastifyInstance,
  deps: {
    chat: ChatService
    conversations: ConversationService
    audit: AuditService
    push?: PushService
    force(id: string): Promise<ChatForce | undefined>
    production: boolean
    /** Chats started per address and minute, shared by every web process (decision 0047). */
    startLimit: ChatStartLimit
  },
): Promise<void> {
  await ensureWebSockets(http)
  /** Refuses an address starting chats (or sending the form) too often, counted in PostgreSQL. */
  const limitStarts = (forceId: string, request: FastifyRequest) => deps.startLimit.take(forceId, request.ip)

  /** The force in the path, if it uses Contact; otherwise the chat does not exist (404). */
  const forceFor = async (request: FastifyRequest<{ Params: { force: string } }>) => {
    const force = await deps.force(request.params.force)
    if (!force?.products.includes('contact')) throw new DomainError('not-found', 'Not found', { status: 404 })
    return force
  }

  const audited = (request: FastifyRequest): Audited => ({ ip: request.ip, correlationId: request.id })

  const problem = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (!(error instanceof DomainError)) throw error
    return reply
      .code(error.status)
      .type('application/problem+json')
      .serializer(JSON.stringify)
      .send(problemFor(error, request.id, request.url))
  }

  const ownOrigin = (request: FastifyRequest) => `${request.protocol}://${request.host}`

  http.get('/chat/window.css', { config: { access: 'public' } }, (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(assets.css),
  )
  http.get('/chat/window.js', { config: { access: 'public' } }, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(assets.window),
  )

  // The widget: the one script tag a force puts on its pages. Other sites may load it (it is the
  // same for everyone); what it asks for next answers only the force's allowed origins.
  http.get<{ Params: { force: string } }>(
    '/chat/:force/widget.js',
    { config: { access: 'public' }, schema: { params: forceParams, hide: true } },
    async (request, reply) => {
      await forceFor(request)
      return reply
        .header('cross-origin-resource-policy', 'cross-origin')
        .type('text/javascript; charset=utf-8')
        .send(assets.widget)
    },
  )

  // What the widget needs to show itself, for a page on one of the force's allowed origins only:
  // another origin gets no CORS permission, so its browser keeps the answer from it.
  http.get<{ Params: { force: string } }>(
    '/chat/:force/config',
    { config: { access: 'public' }, schema: { params: forceParams, hide: true } },
    async (request, reply) => {
      try {
        const force = await forceFor(request)
        const origin = request.headers.origin
        reply.header('vary', 'Origin')
        if (!(await deps.chat.allows(force.id, origin)))
          throw new DomainError('origin-not-allowed', 'This website may not offer the force’s web chat', {
            status: 403,
          })
        const settings = await deps.chat.settings(force.id)
        return reply
          .header('access-control-allow-origin', origin!)
          .header('cross-origin-resource-policy', 'cross-origin')
          .send({
            title: `Chat with ${force.name}`,
            launcher: 'Chat with us',
            close: 'Close chat',
            windowUrl: `${ownOrigin(request)}/chat/${force.id}/window`,
            open: isOpen(settings.hours, new Date()),
          })
      } catch (error) {
        return problem(request, reply, error)
      }
    },
  )

  // The chat window the widget frames. Only the force's allowed origins may frame it (CSP
  // frame-ancestors); opened on its own it works as a page of Waypoint.
  http.get<{ Params: { force: string }; Querystring: { origin?: string } }>(
    '/chat/:force/window',
    {
      config: { access: 'public' },
      schema: {
        params: forceParams,
        querystring: Type.Object({ origin: Type.Optional(Type.String({ maxLength: 200 })) }),
      },
    },
    async (request, reply) => {
      const force = await forceFor(request)
      const settings = await deps.chat.settings(force.id)
      const embedder = request.query.origin
      if (embedder !== undefined && !(settings.enabled && settings.allowedOrigins.includes(embedder))) {
        reply.code(403)
        return reply.render('errors/problem.njk', {
          error: { message: 'This website may not offer the force’s web chat' },
          errors: [],
        })
      }
      const csp = String(reply.getHeader('content-security-policy') ?? '')
      const ancestors =
        settings.enabled && settings.allowedOrigins.length ? settings.allowedOrigins.join(' ') : "'self'"
      reply.header(
        'content-security-policy',
        csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${ancestors}`),
      )
      reply.removeHeader('x-frame-options')
      return reply.render('contact/chat-window.njk', {
        title: `Chat with ${force.name}`,
        force,
        origin: embedder ?? '',
        enabled: settings.enabled,
        open: isOpen(settings.hours, new Date()),
        chatMessageMax,
        chatNameMax,
        surveyCommentMax,
        surveyRatings,
      })
    },
  )

  // The live chat: the window sends `start` (or `resume` with its token), then `message`s and
  // `end`; it is sent the chat, each message from the force as it is written, and `ended`.
  // Refused unless it comes from Waypoint's own pages or one of the force's allowed origins.
  http.get<{ Params: { force: string } }>(
    '/chat/:force/socket',
    {
      config: { access: access('the chat authenticates by the token it was given when it started') },
      schema: { params: forceParams, hide: true },
      websocket: true,
      preHandler: async (request, reply) => {
        try {
          const force = await forceFor(request)
          const origin = request.headers.origin
          const own = !!origin && sameHost(origin, request.host)
          if (!own && !(await deps.chat.allows(force.id, origin)))
            throw new DomainError('origin-not-allowed', 'A chat must come from the force’s own websites', {
              status: 403,
            })
        } catch (error) {
          return problem(request, reply, error)
        }
      },
    },
    (socket, request) => {
      new ChatSocket(socket, request, deps, limitStarts, audited(request)).listen()
    },
  )

  // The transcript, as a file the person keeps.
  http.post<{ Params: { force: string }; Body: { token?: string } }>(
    '/chat/:force/transcript',
    {
      config: { access: access('the chat’s token') },
      schema: { params: forceParams, body: Type.Object({ token: formText(100) }) },
    },
    async (request, reply) => {
      try {
        const force = await forceFor(request)
        const transcript = await deps.chat.transcript(
          force.id,
          force.name,
          request.body?.token,
          audited(request),
        )
        const day = transcript.startedAt.toISOString().slice(0, 10)
        return reply
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="web-chat-${force.id}-${day}.txt"`)
          .header('x-content-type-options', 'nosniff')
          .send(transcript.text)
      } catch (error) {
        return problem(request, reply, error)
      }
    },
  )

  http.post<{ Params: { force: string }; Body: { token?: string; email?: string } }>(
    '/chat/:force/transcript/email',
    {
      config: { access: access('the chat’s token') },
      schema: {
        params: forceParams,
        body: Type.Object({ token: formText(100), email: formText(MAX_LENGTH.email) }),
      },
    },
    async (request, reply) => {
      try {
        const force = await forceFor(request)
        await deps.chat.emailTranscript(
          force.id,
          force.name,
          request.body?.token,
          request.body ?? {},
          audited(request),
        )
        return reply.code(204).send()
      } catch (error) {
        return problem(request, reply, error)
      }
    },
  )

  http.post<{
    Params: { force: string }
    Body: { token?: string; rating?: string | number; comment?: string }
  }>(
    '/chat/:force/survey',
    {
      config: { access: access('the chat’s token') },
      schema: {
        params: forceParams,
        body: Type.Object({
          token: formText(100),
          rating: Type.Optional(Type.Union([Type.String({ maxLength: 2 }), Type.Integer()])),
          comment: formText(surveyCommentMax),
        }),
      },
    },
    async (request, reply) => {
      try {
        const force = await forceFor(request)
        await deps.chat.survey(force.id, request.body?.token, request.body ?? {}, audited(request))
        return reply.code(204).send()
      } catch (error) {
        return problem(request, reply, error)
      }
    },
  )

  // Without JavaScript: a plain form. What it sends becomes an email from the person, in the queue.
  const renderForm = async (
    request: FastifyRequest<{ Params: { force: string } }>,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: Record<string, string>; sent?: boolean } = {},
  ) => {
    const force = await forceFor(request)
    return reply.render('contact/chat-message.njk', {
      title: form.sent ? 'Your message has been sent' : `Send a message to ${force.name}`,
      force,
      chatMessageMax,
      chatNameMax,
      errors: form.errors,
      values: form.values ?? {},
      sent: form.sent ?? false,
    })
  }

  http.get<{ Params: { force: string } }>(
    '/chat/:force/message',
    { config: { access: 'public' }, schema: { params: forceParams } },
    (request, reply) => renderForm(request, reply),
  )

  http.post<{ Params: { force: string }; Body: { name?: string; email?: string; message?: string } }>(
    '/chat/:force/message',
    {
      config: { access: 'public' },
      schema: {
        params: forceParams,
        body: Type.Object({
          name: formText(chatNameMax),
          email: formText(MAX_LENGTH.email),
          message: formText(chatMessageMax),
          _csrf: formText(200),
        }),
      },
    },
    async (request, reply) => {
      const force = await forceFor(request)
      const name = (request.body.name ?? '').trim()
      const email = (request.body.email ?? '').trim()
      const message = (request.body.message ?? '').replace(/\r\n?/g, '\n').trim()
      try {
        const errors: FieldError[] = []
        if (!email)
          errors.push({ field: 'email', message: 'Enter your email address, so that we can answer you' })
        else if (!isValidAddress('email', email))
          errors.push({
            field: 'email',
            message: 'Enter an email address in the correct format, like name@example.com',
          })
        if (!message) errors.push({ field: 'message', message: 'Enter your message' })
        if (errors.length) throw new ValidationError(errors)
        await limitStarts(force.id, request)
        await deps.chat.receiveForm(force.id, { name: name || null, email, text: message, ref: randomUUID() })
        return renderForm(request, reply, { sent: true })
      } catch (error) {
        if (error instanceof DomainError && error.status === 429) {
          reply.code(429)
          return renderForm(request, reply, {
            errors: [{ field: 'message', message: error.message }],
            values: { name, email, message },
          })
        }
        return refusedForm(reply, error, (errors) =>
          renderForm(request, reply, { errors, values: { name, email, message } }),
        )
      }
    },
  )

  // Staff: the force administrator's chat settings (audited), and supervisors' report.
  const admins = { staff: ['force_admin'] as const, product: 'contact' as const }
  const renderSettings = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: Record<string, string>; saved?: boolean } = {},
  ) => {
    const forceId = forceOf(request)
    const settings = await deps.chat.settings(forceId)
    const values: Record<string, string> = form.values ?? {
      enabled: settings.enabled ? 'yes' : 'no',
      origins: settings.allowedOrigins.join('\n'),
      outOfHoursReply: settings.outOfHoursReply,
      ...Object.fromEntries(
        weekdays.flatMap(({ day }) => [
          [`opens-${day}`, settings.hours[day]?.[0] ?? ''],
          [`closes-${day}`, settings.hours[day]?.[1] ?? ''],
        ]),
      ),
    }
    await deps.audit.recordView(request, { forceId, recordType: 'contact-chat-settings', recordId: forceId })
    return reply.render('contact/chat-settings.njk', {
      title: 'Web chat settings',
      values,
      weekdays,
      errors: form.errors,
      saved: form.saved,
      maxAllowedOrigins,
      outOfHoursReplyMax,
      snippet: `<script src="${ownOrigin(request)}/chat/${forceId}/widget.js" async></script>\n<noscript><a href="${ownOrigin(request)}/chat/${forceId}/message">Send us a message</a></noscript>`,
    })
  }

  http.get<{ Querystring: { saved?: string } }>(
    '/console/contact/chat/settings',
    {
      config: { access: admins },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) },
    },
    (request, reply) => renderSettings(request, reply, { saved: request.query.saved === '1' }),
  )

  http.post<{ Body: Record<string, string | undefined> }>(
    '/console/contact/chat/settings',
    {
      config: { access: admins },
      schema: {
        body: Type.Object({
          enabled: formText(3),
          origins: formText(maxAllowedOrigins * 210),
          outOfHoursReply: formText(outOfHoursReplyMax),
          ...Object.fromEntries(
            weekdays.flatMap(({ day }) => [
              [`opens-${day}`, formText(5)],
              [`closes-${day}`, formText(5)],
            ]),
          ),
          _csrf: formText(200),
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.chat.saveSettings(forceOf(request), request.body, acting(request))
        return reply.redirect('/console/contact/chat/settings?saved=1', 303)
      } catch (error) {
        const values = Object.fromEntries(
          Object.entries(request.body)
            .filter(([k]) => k !== '_csrf')
            .map(([k, v]) => [k, v ?? '']),
        )
        return refusedForm(reply, error, (errors) => renderSettings(request, reply, { errors, values }))
      }
    },
  )

  http.get(
    '/console/contact/chat/report',
    { config: { access: { staff: ['contact_supervisor', 'force_admin'], product: 'contact' } } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const report = await deps.chat.report(forceId, 30)
      await deps.audit.recordView(request, {
        forceId,
        recordType: 'contact-chat-report',
        recordId: forceId,
        detail: { days: 30 },
      })
      return reply.render('contact/chat-report.njk', {
        title: 'Web chat: chats and satisfaction',
        report,
        surveyRatings,
        satisfied: report.answered
          ? Math.round(
              (100 * report.byRating.filter((r) => r.rating >= 4).reduce((n, r) => n + r.count, 0)) /
                report.answered,
            )
          : null,
      })
    },
  )
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host
  } catch {
    // Expected: an Origin header that is not a URL is not this site.
    return false
  }
}

/**
 * One person's chat window, over one WebSocket. It follows the chat's conversation on the push
 * channel (so a handler's reply in any process reaches it) and the force's queue (so the window
 * hears when the handler ends the chat's contact).
 */
class ChatSocket {
  readonly #socket: WebSocket
  readonly #request: FastifyRequest<{ Params: { force: string } }>
  readonly #deps: Parameters<typeof registerChatRoutes>[1]
  readonly #limitStarts: (forceId: string, request: FastifyRequest) => Promise<void>
  readonly #audited: Audited
  readonly #seen = new Set<string>()
  #forceId = ''
  #chatId: string | undefined
  #conversationId: string | undefined
  #contactId: string | undefined
  #ended = false
  #unsubscribe: (() => void) | undefined
  #work: Promise<unknown> = Promise.resolve()

  constructor(
    socket: WebSocket,
    request: FastifyRequest<{ Params: { force: string } }>,
    deps: Parameters<typeof registerChatRoutes>[1],
    limitStarts: (forceId: string, request: FastifyRequest) => Promise<void>,
    audited: Audited,
  ) {
    this.#socket = socket
    this.#request = request
    this.#deps = deps
    this.#limitStarts = limitStarts
    this.#audited = audited
  }

  listen(): void {
    this.#forceId = this.#request.params.force
    this.#socket.on('message', (data: Buffer) => {
      this.#queue(() => this.#receive(String(data)))
    })
    this.#socket.on('close', () => this.#unsubscribe?.())
    this.#send({ type: 'ready' })
  }

  /** One thing at a time per socket, in the order it came. */
  #queue(work: () => Promise<unknown>): void {
    this.#work = this.#work.then(work).catch((error) => {
      this.#request.log.warn({ err: error }, 'a chat socket could not do what it was asked')
      this.#problem(new DomainError('unexpected', 'Something went wrong: try again', { status: 500 }))
    })
  }

  #send(frame: object): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(JSON.stringify(frame))
  }

  #problem(error: unknown, ref?: unknown): void {
    if (!(error instanceof DomainError)) throw error
    this.#send({
      type: 'problem',
      ...(typeof ref === 'string' ? { ref: ref.slice(0, 40) } : {}),
      problem: problemFor(error, this.#request.id),
    })
  }

  async #receive(raw: string): Promise<void> {
    let frame: {
      type?: unknown
      token?: unknown
      text?: unknown
      name?: unknown
      origin?: unknown
      ref?: unknown
    }
    try {
      frame = JSON.parse(raw)
    } catch {
      // Expected: a frame that is not JSON is refused, not fatal.
      return this.#problem(new DomainError('bad-frame', 'Send the chat’s messages as JSON'))
    }
    try {
      if (frame.type === 'start' && !this.#chatId) return await this.#start(frame)
      if (frame.type === 'resume' && !this.#chatId) return await this.#resume(frame.token)
      if (!this.#chatId || !this.#token)
        throw new DomainError('no-chat', 'Start or resume a chat first', { status: 409 })
      if (frame.type === 'message') {
        const message = await this.#deps.chat.send(
          this.#forceId,
          this.#token,
          { text: frame.text },
          this.#audited,
        )
        this.#seen.add(message.id)
        this.#send({
          type: 'sent',
          ...(typeof frame.ref === 'string' ? { ref: frame.ref.slice(0, 40) } : {}),
          message,
        })
        if (!this.#contactId) await this.#followContact()
        return
      }
      if (frame.type === 'end') {
        await this.#deps.chat.end(this.#forceId, this.#token, this.#audited)
        return this.#endedBy('citizen')
      }
      throw new DomainError('bad-frame', 'Send start, resume, message or end')
    } catch (error) {
      this.#problem(error, frame.ref)
    }
  }

  #token: string | undefined

  async #start(frame: { name?: unknown; text?: unknown; origin?: unknown }): Promise<void> {
    await this.#limitStarts(this.#forceId, this.#request)
    const given = typeof frame.origin === 'string' ? frame.origin : ''
    const allowed = given && (await this.#deps.chat.allows(this.#forceId, given))
    const origin = allowed ? given : `${this.#request.protocol}://${this.#request.host}`
    const { token, state } = await this.#deps.chat.start(
      this.#forceId,
      { name: frame.name, text: frame.text, origin },
      this.#audited,
    )
    this.#token = token
    await this.#opened(state.chatId, state.conversationId, state.messages)
    this.#send({ type: 'started', token, chat: state })
  }

  async #resume(token: unknown): Promise<void> {
    const state = await this.#deps.chat.resume(this.#forceId, token)
    this.#token = token as string
    await this.#opened(state.chatId, state.conversationId, state.messages)
    this.#send({ type: 'chat', chat: state })
    if (state.ended) this.#ended = true
    else if (await this.#deps.chat.endedByStaff(this.#forceId, state.chatId)) this.#endedBy('staff')
  }

  async #opened(chatId: string, conversationId: string, messages: ChatMessage[]): Promise<void> {
    this.#chatId = chatId
    this.#conversationId = conversationId
    for (const m of messages) this.#seen.add(m.id)
    await this.#followContact()
    if (!this.#deps.push) return
    this.#unsubscribe = this.#deps.push.subscribe(
      {
        forceId: this.#forceId,
        topics: [{ topic: conversationTopic, key: conversationId }, { topic: queueTopic }],
      },
      (event) => this.#heard(event),
    )
  }

  async #followContact(): Promise<void> {
    this.#contactId = (await this.#deps.chat.contactOf(this.#forceId, this.#conversationId!))?.id
  }

  #heard(event: PushEvent): void {
    if (this.#ended) return
    if (event.topic === conversationTopic) {
      if (!event.ids?.message && !event.ids?.closed) return
      // The person's own message, already answered with `sent`.
      if (event.ids.message && this.#seen.has(event.ids.message)) return
      this.#queue(() => this.#deliver())
    } else if (event.ids?.item && event.ids.item === this.#contactId) {
      this.#queue(async () => {
        if (await this.#deps.chat.endedByStaff(this.#forceId, this.#chatId!)) this.#endedBy('staff')
      })
    }
  }

  /** Sends the window each message it has not had yet (a handler's reply, an automated answer). */
  async #deliver(): Promise<void> {
    if (this.#ended) return
    for (const message of await this.#deps.chat.messages(this.#forceId, this.#conversationId!)) {
      if (this.#seen.has(message.id)) continue
      this.#seen.add(message.id)
      this.#send({ type: 'message', message })
    }
    if (!this.#contactId) await this.#followContact()
  }

  #endedBy(by: 'citizen' | 'staff'): void {
    if (this.#ended) return
    this.#ended = true
    this.#send({ type: 'ended', by })
  }
}
