// Red-flag words (CRM-7; issue 16's guardrails): a message that says someone is in danger now —
// a weapon, an attack under way, someone not breathing, a threat to kill or a person at risk of
// taking their own life — always escalates, whatever the classifier thinks: the bot tells the
// person to call 999 and hands the chat to a person at once, marked urgent. These are rules, not
// a model, so that they can be read, tested and never traded for accuracy elsewhere.

/** Each sign of danger, with the words that show it (matched on the lower-cased message). */
export const dangerSigns: { sign: string; pattern: RegExp; unless?: RegExp }[] = [
  {
    sign: 'weapon',
    pattern:
      /\b(knife|knives|blade|machete|gun|guns|firearm|shotgun|pistol|rifle|armed|stab|stabbed|stabbing|(been|being|got|was|were|getting) shot|shot at|shooting|acid)\b/,
    // Firearms licensing and knife amnesties are questions, not danger, unless someone is hurt.
    unless: /\b(licen[cs]e|licensing|certificate|renew|renewal|application|amnesty|surrender|knife crime)\b/,
  },
  {
    sign: 'attack under way',
    pattern:
      /\b(being|getting|been) (attacked|assaulted|beaten|hit|punched|kicked|strangled|choked|raped|stabbed|followed|chased)\b|\b(attacking|hitting|beating|punching|kicking|strangling|choking|hurting) (me|her|him|them|my|us)\b|\b(attack|fight|break-?in|burglary|robbery) (is )?(happening|going on)\b|\b(breaking|broken|getting) in(to)? (now|right now)\b|\b(someone|somebody|a man|a woman|they|he|she|people|strangers?) ((is|are|'s|’s) )?(in|inside) (my|the|our) (house|home|flat|room|bedroom)\b|\b(attacking|beating|hitting|stabbing) (a|an|the|some|someone|somebody|my)\b|\b(trying to|going to|gonna) (break in|break into|get in|get into|hurt|attack)\b/,
  },
  {
    sign: 'threat to life',
    pattern:
      /\b(kill|murder|hurt) (me|her|him|them|us|you|my)\b|\b(going to|gonna|wants? to|will|threaten(ed|ing)? to) (kill|murder|hurt|stab|shoot)\b|\b(kidnapp?(ed|ing)|abducted|hostage|bomb|explosive)\b/,
  },
  {
    sign: 'medical emergency',
    pattern:
      /\b(can ?not|can'?t|can’t|cannot|unable to|not|isn'?t|isn’t|stopped) breath(e|ing)\b|\b(unconscious|not responding|unresponsive|collapsed|heart attack|overdosed?|bleeding (badly|heavily|a lot)|lots of blood|seriously (hurt|injured))\b/,
  },
  {
    sign: 'risk of suicide or self-harm',
    pattern:
      /\b(kill|killing|hurt|hurting|harm|harming) myself\b|\b(suicid(e|al)|end (it all|my life)|take my (own )?life|don'?t want to (live|be alive)|don’t want to (live|be alive)|jump off|self[- ]harm)\b/,
  },
  {
    sign: 'emergency now',
    unless: /\bnon[- ]emergency\b|\b(not|isn'?t|isn’t|is not) an emergency\b/,
    pattern:
      /\b(emergency|in danger|help me now|help me please|need help now|please help|fire|on fire|trapped|drowning|crash just happened|just crashed|happening (now|right now))\b/,
  },
]

/** The signs of danger in `text`, or none. */
export function dangerIn(text: string): string[] {
  const lower = text.toLowerCase().replace(/\s+/g, ' ')
  return dangerSigns.filter((s) => s.pattern.test(lower) && !s.unless?.test(lower)).map((s) => s.sign)
}
