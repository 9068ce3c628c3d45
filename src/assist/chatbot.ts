/** Below this confidence the bot does not guess: it hands the chat to a person. */
export const handOverBelow = 0.5
