// The chatbot's pages for a force administrator (CRM-7): switch the bot on or off for the force's
// web chat, and edit its knowledge base (add, change, remove intents) with GOV.UK forms that work
// without JavaScript and show their errors in an error summary.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { acting, forceOf } from '../contact/single-view-routes.ts'
import { priorityNames, skillNames } from '../contact/queue.ts'
import { skills } from '../contact/queue-repository.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import { handOverBelow } from './chatbot.ts'
import { intentLimits } from './knowledge.ts'
import type { AssistService, IntentInput } from './service.ts'

export const chatbotAdmins = ['force_admin'] as const
const access = { staff: chatbotAdmins, product: 'contact' as const }
const nameParams = Type.Object({ name: Type.String({ maxLength: intentLimits.name }) })
const intentBody = Type.Object({
  name: formText(intentLimits.name * 2),
  title: formText(intentLimits.title * 2),
  phrases: formText((intentLimits.phrase + 2) * intentLimits.phrases),
  answer: formText(intentLimits.answer * 2),
  priority: formText(2),
  skill: formText(20),
  handOver: formText(3),
  _csrf: formText(200),
})
const base = '/console/assist/chatbot'

export function registerAssistRoutes(http: FastifyInstance, deps: { assist: AssistService }): void {
  http.get<{ Querystring: { saved?: string } }>(
    base,
    {
      config: { access },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const [settings, knowledge] = await Promise.all([
        deps.assist.chatbotSettings(forceId),
        deps.assist.knowledgeBase(forceId),
      ])
      return reply.render('assist/chatbot.njk', {
        title: 'Chatbot',
        settings,
        ...knowledge,
        saved: request.query.saved === '1',
        priorityNames,
        skillNames,
        threshold: Math.round(handOverBelow * 100),
      })
    },
  )

  http.post<{ Body: { enabled?: string } }>(
    base,
    { config: { access }, schema: { body: Type.Object({ enabled: formText(3), _csrf: formText(200) }) } },
    async (request, reply) => {
      await deps.assist.switchChatbot(forceOf(request), request.body.enabled === 'yes', acting(request))
      return reply.redirect(`${base}?saved=1`, 303)
    },
  )

  const renderIntent = (
    reply: FastifyReply,
    form: { editing?: string; errors?: FieldError[]; values: Record<string, string> },
  ) =>
    reply.render('assist/intent.njk', {
      title: form.editing ? 'Change an intent' : 'Add an intent',
      editing: form.editing,
      errors: form.errors,
      values: form.values,
      limits: intentLimits,
      priorities: Object.entries(priorityNames).map(([value, text]) => ({
        value,
        text,
        checked: value === form.values.priority,
      })),
      skills: skills.map((s) => ({ value: s, text: skillNames[s], checked: s === form.values.skill })),
    })

  const valuesOf = (body: IntentInput) => ({
    name: body.name ?? '',
    title: body.title ?? '',
    phrases: body.phrases ?? '',
    answer: body.answer ?? '',
    priority: body.priority ?? '',
    skill: body.skill ?? '',
    handOver: body.handOver ?? '',
  })

  http.get(`${base}/intents/new`, { config: { access } }, (_request, reply) =>
    renderIntent(reply, { values: valuesOf({ priority: '3', skill: 'chat', handOver: 'no' }) }),
  )

  http.post<{ Body: IntentInput }>(
    `${base}/intents`,
    { config: { access }, schema: { body: intentBody } },
    async (request, reply) => {
      try {
        await deps.assist.saveIntent(forceOf(request), null, request.body, acting(request))
        return reply.redirect(`${base}?saved=1`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderIntent(reply, { errors, values: valuesOf(request.body) }),
        )
      }
    },
  )

  http.get<{ Params: { name: string } }>(
    `${base}/intents/:name`,
    { config: { access }, schema: { params: nameParams } },
    async (request, reply) => {
      const intent = await deps.assist.intent(forceOf(request), request.params.name)
      return renderIntent(reply, {
        editing: intent.name,
        values: {
          ...intent,
          phrases: intent.phrases.join('\n'),
          priority: String(intent.priority),
          handOver: intent.handOver ? 'yes' : 'no',
        },
      })
    },
  )

  http.post<{ Params: { name: string }; Body: IntentInput }>(
    `${base}/intents/:name`,
    { config: { access }, schema: { params: nameParams, body: intentBody } },
    async (request, reply) => {
      try {
        await deps.assist.saveIntent(forceOf(request), request.params.name, request.body, acting(request))
        return reply.redirect(`${base}?saved=1`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderIntent(reply, {
            editing: request.params.name,
            errors,
            values: valuesOf(request.body),
          }),
        )
      }
    },
  )

  http.post<{ Params: { name: string } }>(
    `${base}/intents/:name/remove`,
    { config: { access }, schema: { params: nameParams, body: Type.Object({ _csrf: formText(200) }) } },
    async (request, reply) => {
      await deps.assist.removeIntent(forceOf(request), request.params.name, acting(request))
      return reply.redirect(`${base}?saved=1`, 303)
    },
  )
}
