// SMS length and segment count : the designer's live preview and the cost shown to
// staff use the same rules as the networks. GSM 03.38 text costs 7 bits a character (160 in one
// message, 153 per part when split); characters of the extension table cost two; anything
// outside GSM-7 turns the whole message into UCS-2 (70 in one message, 67 per part).

const gsm7Basic = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
)
const gsm7Extension = new Set(Array.from('^{}\\[~]|€\f'))

export type SmsEncoding = 'GSM-7' | 'UCS-2'

export interface SmsLength {
  encoding: SmsEncoding
  /** Characters as the network counts them: septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number
  segments: number
  /** Units left before the message needs one more segment. */
  remainingInSegment: number
  /** Characters that forced UCS-2, so the designer can point at them. */
  nonGsmCharacters: string[]
}

export function smsLength(text: string): SmsLength {
  const nonGsm = new Set<string>()
  let septets = 0
  for (const ch of text) {
    if (gsm7Basic.has(ch)) septets += 1
    else if (gsm7Extension.has(ch)) septets += 2
    else nonGsm.add(ch)
  }
  if (nonGsm.size === 0) return measure('GSM-7', septets, 160, 153, [])
  return measure('UCS-2', text.length, 70, 67, [...nonGsm])
}

function measure(
  encoding: SmsEncoding,
  units: number,
  single: number,
  perPart: number,
  nonGsmCharacters: string[],
): SmsLength {
  if (units <= single) {
    return {
      encoding,
      units,
      segments: units === 0 ? 0 : 1,
      remainingInSegment: single - units,
      nonGsmCharacters,
    }
  }
  const segments = Math.ceil(units / perPart)
  return { encoding, units, segments, remainingInSegment: segments * perPart - units, nonGsmCharacters }
}
