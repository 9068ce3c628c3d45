// Waypoint web chat: the one script tag a force puts on its Single Online Home pages
// (<script src="https://waypoint…/chat/<force>/widget.js" async></script>). It asks Waypoint
// whether this website may offer the force's chat (only the force's allowed origins get an
// answer) and, if so, adds a "Chat with us" button that opens the chat window in a frame.
;(() => {
  const script = document.currentScript
  if (!script?.src) return
  const src = new URL(script.src)
  const match = /^\/chat\/([a-z][a-z0-9-]*)\/widget\.js$/.exec(src.pathname)
  if (!match) return
  const force = match[1]
  fetch(`${src.origin}/chat/${force}/config`, {
    mode: 'cors',
    credentials: 'omit',
    headers: { accept: 'application/json' },
  })
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null)
    .then((config) => {
      if (config) mount(config)
    })

  function mount(config) {
    const box = document.createElement('div')
    box.setAttribute('data-waypoint-chat', force)
    Object.assign(box.style, {
      position: 'fixed',
      right: '8px',
      bottom: '8px',
      zIndex: '2147483000',
      display: 'flex',
      flexDirection: 'column',
      alignItems: 'flex-end',
      gap: '8px',
      maxWidth: 'calc(100vw - 16px)',
    })
    const button = document.createElement('button')
    button.type = 'button'
    button.textContent = config.launcher
    button.setAttribute('aria-expanded', 'false')
    Object.assign(button.style, {
      font: '700 19px/1.3 arial, sans-serif',
      color: '#ffffff',
      background: '#1d70b8',
      border: '2px solid transparent',
      padding: '10px 16px',
      cursor: 'pointer',
      boxShadow: '0 2px 0 #003078',
    })
    button.addEventListener('focus', () => {
      Object.assign(button.style, { outline: '3px solid #ffdd00', color: '#0b0c0c', background: '#ffdd00' })
    })
    button.addEventListener('blur', () => {
      Object.assign(button.style, { outline: 'none', color: '#ffffff', background: '#1d70b8' })
    })
    let frame
    button.addEventListener('click', () => {
      if (!frame) {
        frame = document.createElement('iframe')
        frame.id = `waypoint-chat-${force}`
        frame.title = config.title
        frame.src = `${config.windowUrl}?origin=${encodeURIComponent(location.origin)}`
        Object.assign(frame.style, {
          width: 'min(380px, calc(100vw - 16px))',
          height: 'min(600px, calc(100vh - 80px))',
          border: '2px solid #0b0c0c',
          background: '#ffffff',
        })
        button.setAttribute('aria-controls', frame.id)
        box.insertBefore(frame, button)
        frame.hidden = true
      }
      frame.hidden = !frame.hidden
      button.setAttribute('aria-expanded', String(!frame.hidden))
      button.textContent = frame.hidden ? config.launcher : config.close
      if (!frame.hidden) frame.focus()
    })
    box.append(button)
    document.body.append(box)
  }
})()
