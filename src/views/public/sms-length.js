// Progressive enhancement for the message template editor: as a text message is typed, says how
// long it is with the sample values filled in and how many parts it takes. The same rules as
// src/messaging/sms-length.ts; the page's Preview button gives the same figures without JavaScript.
const gsm7Basic = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
)
const gsm7Extension = new Set(Array.from('^{}\\[~]|€\f'))

function smsLength(text) {
  let septets = 0
  let unicode = false
  for (const ch of text) {
    if (gsm7Basic.has(ch)) septets += 1
    else if (gsm7Extension.has(ch)) septets += 2
    else unicode = true
  }
  const [units, single, perPart] = unicode ? [text.length, 70, 67] : [septets, 160, 153]
  const parts = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / perPart)
  return { encoding: unicode ? 'Unicode (UCS-2)' : 'GSM-7', units, parts }
}

function withSample(text, sample) {
  return text.replace(/\(\(([^()]+?)\)\)/g, (whole, inner) => {
    const [name, shown] = inner.split('??')
    const value = sample[name.trim()]
    if (shown !== undefined) return /^(yes|true|y|1)$/i.test(String(value ?? '').trim()) ? shown : ''
    return value === undefined ? whole : String(value)
  })
}

const textarea = document.querySelector('textarea[data-sms-sample]')
if (textarea) {
  const sample = JSON.parse(textarea.dataset.smsSample)
  const live = document.createElement('p')
  live.className = 'govuk-hint'
  live.id = `${textarea.id}-length`
  live.setAttribute('aria-live', 'polite')
  textarea.insertAdjacentElement('afterend', live)
  let timer
  const update = () => {
    const text = textarea.value.trim()
    if (!text) {
      live.textContent = ''
      return
    }
    const length = smsLength(withSample(text, sample).replace(/\r\n?/g, '\n'))
    live.textContent = `With the sample values: ${length.units} characters, ${length.parts} ${length.parts === 1 ? 'part' : 'parts'} (${length.encoding}).`
  }
  textarea.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(update, 300)
  })
  update()
}
