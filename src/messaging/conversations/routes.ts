// Conversations in the staff console: the force's conversations (paged; unmatched senders for
// triage) and a conversation page, which marks what the person sent as read by whoever opens it.
// Every view of a conversation is audited (CP-153); another force's conversation is not found.
import type { FastifyInstance } from 'fastify'
import type { AuditService } from '../../platform/audit/audit-service.ts'
import type { StaffRole } from '../../platform/auth/roles.ts'
import type { ConversationService } from './service.ts'
import { staffForce, staffOf } from '../../platform/http/request.ts'

/** Who may read conversations: those who may see a person's case, and contact supervisors. */
export const conversationReaders: readonly StaffRole[] = [
  'investigating_officer',
  'supervisor',
  'contact_handler',
  'contact_supervisor',
  'force_admin',
]

export function registerConversationRoutes(
  http: FastifyInstance,
  deps: { conversations: ConversationService; audit: AuditService },
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

  http.get<{ Params: { id: string } }>(
    '/console/conversations/:id',
    {
      config: { access },
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const found = await deps.conversations.open(forceId, request.params.id, {
        staffId: staffOf(request).id,
        audit: (tx, conversationId) =>
          deps.audit.recordView(
            request,
            { forceId, recordType: 'conversation', recordId: conversationId },
            tx,
          ),
      })
      return reply.render('conversations/conversation.njk', {
        title: found.conversation.personName
          ? `Conversation with ${found.conversation.personName}`
          : 'Conversation with an unknown sender',
        ...found,
      })
    },
  )
}

const forceOf = staffForce('Conversations are held per force; sign in with a force account')
