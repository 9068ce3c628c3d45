// The channels a contact reaches the queue by (`contact_items.channel`; social media since
// migration 1411) and their names, for every page and report that counts contacts by channel: the
// wallboard, the MI pages and their CSV, the report builder and the queue. One list, so a channel
// added to the queue is counted everywhere (a social media contact was once missing from the
// wallboard's waiting figures and the MI).
export const contactChannels = ['phone', 'sms', 'email', 'chat', 'portal', 'social'] as const
export type ContactChannel = (typeof contactChannels)[number]

export const contactChannelNames: Record<ContactChannel, string> = {
  phone: 'Phone',
  sms: 'Text message',
  email: 'Email',
  chat: 'Web chat',
  portal: 'Portal',
  social: 'Social media',
}
