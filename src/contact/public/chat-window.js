// The chat window (src/contact/views/contact/chat-window.njk): one WebSocket to Waypoint, the
// person's messages out, the force's in as they are written. The chat's token is kept for this
// tab only (sessionStorage), so a reload carries on the same chat.
const root = document.getElementById('chat')
if (root) {
  const force = root.dataset.force
  const origin = root.dataset.origin
  const key = `waypoint-chat-${force}`
  const $ = (id) => document.getElementById(id)
  const start = $('chat-start')
  const live = $('chat-live')
  const after = $('chat-after')
  const list = $('chat-messages')
  const status = $('chat-status')
  const shown = new Set()
  let socket
  let token = sessionStorage.getItem(key)
  let ended = false
  let pending

  root.hidden = false

  const fieldError = (id, message) => {
    const input = $(id)
    const group = input.closest('.govuk-form-group')
    let error = group.querySelector('.govuk-error-message')
    if (!message) {
      group.classList.remove('govuk-form-group--error')
      error?.remove()
      input.removeAttribute('aria-describedby')
      return
    }
    if (!error) {
      error = document.createElement('p')
      error.className = 'govuk-error-message'
      error.id = `${id}-error`
      input.before(error)
    }
    error.textContent = ''
    const hidden = document.createElement('span')
    hidden.className = 'govuk-visually-hidden'
    hidden.textContent = 'Error: '
    error.append(hidden, message)
    group.classList.add('govuk-form-group--error')
    input.setAttribute('aria-describedby', error.id)
    input.focus()
  }

  const show = (message) => {
    if (shown.has(message.id)) return
    shown.add(message.id)
    const item = document.createElement('li')
    item.className = `waypoint-chat__message waypoint-chat__message--${message.from}`
    const who = document.createElement('p')
    who.className = 'govuk-body-s waypoint-chat__who'
    who.textContent =
      message.from === 'citizen'
        ? 'You'
        : message.from === 'staff'
          ? `${message.name || 'Handler'}`
          : `${message.name} (automated)`
    const text = document.createElement('p')
    text.className = 'govuk-body waypoint-chat__text'
    text.textContent = message.text
    item.append(who, text)
    list.append(item)
    list.scrollTop = list.scrollHeight
  }

  const showChat = (chat) => {
    start.hidden = true
    live.hidden = false
    for (const m of chat.messages) show(m)
    if (chat.ended) finish(chat.endedBy)
  }

  const finish = (by) => {
    if (ended) return
    ended = true
    $('chat-send').hidden = true
    status.textContent = by === 'staff' ? 'The handler has ended the chat.' : 'You have ended the chat.'
    $('chat-transcript-token').value = token
    after.hidden = false
    $('chat-after-heading').focus()
  }

  const connect = (first) => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    socket = new WebSocket(`${scheme}://${location.host}/chat/${force}/socket`)
    socket.addEventListener('open', () => {
      if (first) socket.send(JSON.stringify(first))
      else if (token) socket.send(JSON.stringify({ type: 'resume', token }))
      first = undefined
    })
    socket.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data)
      if (frame.type === 'started') {
        token = frame.token
        sessionStorage.setItem(key, token)
        showChat(frame.chat)
        $('chat-text').focus()
      } else if (frame.type === 'chat') {
        showChat(frame.chat)
      } else if (frame.type === 'sent') {
        show(frame.message)
        $('chat-text').value = ''
        fieldError('chat-text', '')
      } else if (frame.type === 'message') {
        show(frame.message)
      } else if (frame.type === 'ended') {
        finish(frame.by)
      } else if (frame.type === 'problem') {
        const problem = frame.problem
        if (!token || problem.status === 404) {
          sessionStorage.removeItem(key)
          token = null
          start.hidden = false
          live.hidden = true
          fieldError('chat-first', problem.errors?.[0]?.message || problem.title)
        } else {
          fieldError('chat-text', problem.errors?.[0]?.message || problem.title)
        }
      }
    })
    socket.addEventListener('close', () => {
      if (!ended && token) setTimeout(() => connect(), 2000)
    })
  }

  start.addEventListener('submit', (event) => {
    event.preventDefault()
    const text = $('chat-first').value.trim()
    if (!text) return fieldError('chat-first', 'Enter your message')
    fieldError('chat-first', '')
    pending = { type: 'start', name: $('chat-name').value.trim(), text, origin }
    connect(pending)
  })

  $('chat-send').addEventListener('submit', (event) => {
    event.preventDefault()
    const text = $('chat-text').value.trim()
    if (!text) return fieldError('chat-text', 'Enter your message')
    socket.send(JSON.stringify({ type: 'message', text, ref: String(Date.now()) }))
  })

  $('chat-end').addEventListener('click', () => socket.send(JSON.stringify({ type: 'end' })))

  const post = async (path, body) => {
    const response = await fetch(`/chat/${force}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token, ...body }),
    })
    if (response.ok) return undefined
    const problem = await response.json().catch(() => ({ title: 'Something went wrong: try again' }))
    return problem.errors?.[0]?.message || problem.title
  }

  $('chat-survey').addEventListener('submit', async (event) => {
    event.preventDefault()
    const chosen = document.querySelector('input[name="rating"]:checked')
    const group = $('chat-rating').closest('.govuk-form-group')
    group.querySelector('.govuk-error-message')?.remove()
    group.classList.remove('govuk-form-group--error')
    const refused = await post('survey', {
      rating: chosen ? Number(chosen.value) : 0,
      comment: $('chat-comment').value,
    })
    if (refused) {
      const error = document.createElement('p')
      error.className = 'govuk-error-message'
      error.textContent = refused
      group.querySelector('fieldset').prepend(error)
      group.classList.add('govuk-form-group--error')
      return
    }
    $('chat-survey').hidden = true
    $('chat-survey-done').textContent = 'Thank you for your feedback.'
  })

  $('chat-email').addEventListener('submit', async (event) => {
    event.preventDefault()
    const refused = await post('transcript/email', { email: $('chat-email-address').value.trim() })
    if (refused) return fieldError('chat-email-address', refused)
    fieldError('chat-email-address', '')
    $('chat-email-done').textContent = 'The chat is on its way to your email.'
  })

  $('chat-new').addEventListener('click', () => {
    sessionStorage.removeItem(key)
    location.reload()
  })

  if (token) connect()
}
