// Assist in the demo (`npm start`): Essex, Contact's demo force, has the chatbot on its web chat,
// unless its administrator has switched it since (then their choice stands).
import { contactDemoForce } from '../contact/demo.ts'
import type { AssistService } from './service.ts'

export async function seedAssistDemo(
  app: { services: { assist: AssistService } },
  forceId = contactDemoForce,
): Promise<void> {
  const { assist } = app.services
  if ((await assist.chatbotSettings(forceId)).updatedAt) return
  await assist.switchChatbot(forceId, true, {
    actor: { kind: 'system', id: null, name: 'Demo' },
    staffId: null,
  })
}
