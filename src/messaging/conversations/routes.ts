// Conversations in the staff console: the force's conversations (paged; unmatched senders for
// triage), a conversation page, which marks what the person sent as read by whoever opens it,
// and the reply form on it (CP-94). Every view of a conversation is audited (CP-153); another
// force's conversation is not found.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../../platform/audit/audit-service.ts'
import { whoAndWhere } from '../../platform/audit/audit-service.ts'
import type { StaffRole } from '../../platform/auth/roles.ts'
import type { FieldError } from '../../platform/errors.ts'
import { formText, MAX_LENGTH } from '../../platform/http/limits.ts'
import { refusedForm, staffForce, staffOf } from '../../platform/http/request.ts'
import { maxSmsSegments } from '../template-editor.ts'
import type { AttachmentService } from './attachment-service.ts'
import { type ConversationService, replyField } from './service.ts'

/** Who may read conversations: those who may see a person's case, and contact supervisors. */
export const conversationReaders: readonly StaffRole[] = [
  'investigating_officer',
  'supervisor',
  'contact_handler',
  'contact_supervisor',
  'force_admin',
]

/**
 * Who may reply to a person: those who work the force's cases and conversations. Administrators
 * and supervisors of contact read conversations but do not write in them.
 */
export const conversationRepliers: readonly StaffRole[] = [
  'investigating_officer',
  'supervisor',
  'contact_handler',
]

export function registerConversationRoutes(
  http: FastifyInstance,
  deps: { conversations: ConversationService; attachments: AttachmentService; audit: AuditService },
): void {
  const access = { staff: conversationReaders }

  http.get<{ Querystring: { page?: number; unmatched?: string } }>(
    '/console/conversations',
    {
      config: { access },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            page: { type: 'integer', minimum: 1, maximum: 10000, default: 1 },
            unmatched: { type: 'string', enum: ['', 'yes'] },
          },
        },
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const page = request.query.page ?? 1
      const unmatched = request.query.unmatched === 'yes'
      const { conversations, hasNext } = await deps.conversations.list(forceId, { page, unmatched })
      await deps.audit.recordView(request, {
        forceId,
        recordType: 'conversation-list',
        recordId: unmatched ? 'unmatched' : 'all',
        detail: { page, shown: conversations.length },
      })
      const query = (p: number) => `?page=${p}${unmatched ? '&unmatched=yes' : ''}`
      return reply.render('conversations/list.njk', {
        title: 'Conversations',
        conversations,
        unmatched,
        page,
        previous: page > 1 ? `/console/conversations${query(page - 1)}` : null,
        next: hasNext ? `/console/conversations${query(page + 1)}` : null,
      })
    },
  )

  const idParams = {
    type: 'object',
    properties: { id: { type: 'string', format: 'uuid' } },
    required: ['id'],
  } as const

  /** The conversation page, with the reply form (and what was typed) for those who may reply. */
  const renderConversation = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: Record<string, string>; sent?: string; held?: string } = {},
  ) => {
    const forceId = forceOf(request)
    const staff = staffOf(request)
    const found = await deps.conversations.open(forceId, request.params.id, {
      staffId: staff.id,
      audit: (tx, conversationId) =>
        deps.audit.recordView(request, { forceId, recordType: 'conversation', recordId: conversationId }, tx),
    })
    const mayReply = conversationRepliers.some((role) => staff.roles.has(role))
    const replyable = mayReply ? await deps.conversations.canReply(forceId, found.conversation.id) : null
    return reply.render('conversations/conversation.njk', {
      title: found.conversation.personName
        ? `Conversation with ${found.conversation.personName}`
        : 'Conversation with an unknown sender',
      ...found,
      mayReply,
      replyable,
      maxSmsCharacters: maxSmsSegments * 153,
      maxSmsSegments,
      errors: form.errors,
      values: form.values ?? {},
      sent: form.sent,
      held: form.held ? new Date(form.held) : null,
    })
  }

  http.get<{ Params: { id: string }; Querystring: { sent?: string; held?: string } }>(
    '/console/conversations/:id',
    {
      config: { access },
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          properties: { sent: { type: 'string', enum: ['1'] }, held: { type: 'string', maxLength: 40 } },
        },
      },
    },
    async (request, reply) =>
      renderConversation(request, reply, {
        ...(request.query.sent ? { sent: request.query.sent } : {}),
        ...(request.query.held && !Number.isNaN(Date.parse(request.query.held))
          ? { held: request.query.held }
          : {}),
      }),
  )

  // A file that came with a message, once a scan has found it clean: served as the type its bytes
  // showed, never shown inline, and audited as a view of the conversation's record.
  http.get<{ Params: { id: string; attachmentId: string } }>(
    '/console/conversations/:id/attachments/:attachmentId',
    {
      config: { access },
      schema: {
        params: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            attachmentId: { type: 'string', format: 'uuid' },
          },
          required: ['id', 'attachmentId'],
        },
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const file = await deps.attachments.download(
        forceId,
        request.params.id,
        request.params.attachmentId,
        (tx, attachment) =>
          deps.audit.recordView(
            request,
            {
              forceId,
              recordType: 'conversation-attachment',
              recordId: attachment.id,
              detail: { conversation: request.params.id, sha256: attachment.sha256 },
            },
            tx,
          ),
      )
      const ascii = file.filename.replace(/[^\x20-\x7e]|["\\]/g, '_')
      return reply
        .header('content-type', file.detectedType ?? 'application/octet-stream')
        .header(
          'content-disposition',
          `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
        )
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(file.content)
    },
  )

  // A reply from the conversation page (CP-94): sent on the conversation's channel, or refused
  // with the reason in the error summary and the text kept.
  http.post<{ Params: { id: string }; Body: { reply?: string } }>(
    '/console/conversations/:id/reply',
    {
      config: { access: { staff: conversationRepliers } },
      schema: { params: idParams, body: Type.Object({ reply: formText(MAX_LENGTH.longText) }) },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const staff = staffOf(request)
      const text = request.body?.reply ?? ''
      try {
        const sent = await deps.conversations.reply(forceId, request.params.id, {
          author: { kind: 'staff', staffId: staff.id, displayName: staff.displayName },
          text,
          audited: whoAndWhere(request),
        })
        const query = sent.heldForQuietHours
          ? `held=${encodeURIComponent(sent.sendAfter.toISOString())}`
          : 'sent=1'
        return reply.redirect(
          `/console/conversations/${sent.conversationId}?${query}#${replyField}-status`,
          303,
        )
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderConversation(request, reply, { errors, values: { [replyField]: text } }),
        )
      }
    },
  )
}

const forceOf = staffForce('Conversations are held per force; sign in with a force account')
