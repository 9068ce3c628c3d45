// CP-20: before a signed-in citizen's session ends for inactivity, a dialog says so and offers to
// stay signed in. Progressive enhancement only: without JavaScript the server ends the session
// all the same and the next page says the person was signed out (/account/timed-out).
const root = document.getElementById('session-timeout')
const dialog = root?.querySelector('dialog')
if (root && dialog && typeof dialog.showModal === 'function') {
  // The server notes activity at most once a minute: end a minute early rather than late.
  const idle = Math.max(120, Number(root.dataset.idleSeconds) - 60)
  const warnFor = Math.min(120, Math.floor(idle / 2))
  const countdown = root.querySelector('[data-countdown]')
  let warnTimer
  let endTimer
  let tick
  const end = () => window.location.assign('/account/timed-out')
  const start = () => {
    clearTimeout(warnTimer)
    clearTimeout(endTimer)
    clearInterval(tick)
    const endsAt = Date.now() + idle * 1000
    warnTimer = setTimeout(
      () => {
        const show = () => {
          const seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000))
          const minutes = Math.floor(seconds / 60)
          // The words come in the page's language (decision 0057), '{count}' for the number.
          const words =
            minutes > 0
              ? minutes === 1
                ? root.dataset.minute || '{count} minute'
                : root.dataset.minutes || '{count} minutes'
              : root.dataset.seconds || '{count} seconds'
          countdown.textContent = words.replace('{count}', String(minutes > 0 ? minutes : seconds))
        }
        show()
        tick = setInterval(show, 15000)
        dialog.showModal()
      },
      (idle - warnFor) * 1000,
    )
    endTimer = setTimeout(end, idle * 1000)
  }
  root.querySelector('[data-stay]')?.addEventListener('click', async () => {
    const answer = await fetch('/account/keep-alive', {
      method: 'POST',
      headers: { 'x-csrf-token': root.dataset.csrf ?? '' },
      credentials: 'same-origin',
    }).catch(() => undefined)
    dialog.close()
    if (answer?.ok) start()
    else end()
  })
  start()
}
