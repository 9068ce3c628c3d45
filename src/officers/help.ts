// The officer console's port for help on a conversation (CP-89, CP-93, CP-121): Assist implements
// it (src/assist/officer-help-module.ts) and the composition root passes it in, so the console
// never imports Assist. Without it, or with the force's switch off, the page is as before.
import type { Acting, OfficerConversation } from './service.ts'

export interface OfficerHelp {
  /**
   * What to show beside the reply form (rendered by `assist/_officer-help.njk`), or null when the
   * force has officer help switched off. Each suggestion shown is recorded and audited.
   */
  forConversation(forceId: string, conversation: OfficerConversation, acting: Acting): Promise<object | null>
  /** A suggested reply shown to this officer on this conversation, to pre-fill the form; or null. */
  suggestion(
    forceId: string,
    conversationId: string,
    suggestionId: string,
    acting: Acting,
  ): Promise<{ id: string; text: string; kind: string } | null>
  /** After a reply is sent: records what became of the suggested replies shown (used, edited, ignored). */
  replied(
    forceId: string,
    conversationId: string,
    sent: { suggestionId: string | null; text: string; messageId: string },
    acting: Acting,
  ): Promise<void>
}
