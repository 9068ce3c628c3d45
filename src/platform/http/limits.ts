// Lengths of free text Waypoint accepts. Each console form declares its fields' limits in its
// route schema; anything a form or query string sends beyond the backstop is refused whatever the
// route, with the field named in a GOV.UK error summary (src/platform/http/server.ts).
import { Type } from '@sinclair/typebox'

export const MAX_LENGTH = {
  /** A person's name, a title, a client's name. */
  name: 200,
  /** RFC 5321: the longest usable email address. */
  email: 254,
  /** A password or a code typed by a person. */
  secret: 1000,
  /** A sentence or two: a purpose, a reason, a note. */
  shortText: 1000,
  /** A description or message body. */
  longText: 10_000,
  /** A search term. */
  search: 200,
  /** Any one form field or query value, when the route declares nothing smaller. */
  backstop: 50_000,
} as const

/** An optional form field of free text, at most `max` characters. */
export const formText = (max: number) => Type.Optional(Type.String({ maxLength: max }))
