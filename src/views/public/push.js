// Live pages (progressive enhancement). An element with `data-push-topic` (`name`, or `name:key`
// for one record) follows that topic over server-sent events. When an event arrives, a notice
// (`hidden`) is shown; a region marked `data-push-refresh` is instead filled again from the page
// as the server now renders it. Without JavaScript, reloading the page shows the same news. The
// browser reconnects by itself after a drop.
const followers = [...document.querySelectorAll('[data-push-topic]')]

/** `name:key` as the topic's name and its key (none when the whole topic is followed). */
const parse = (spec) => {
  const at = spec.indexOf(':')
  return at < 0 ? { name: spec, key: undefined } : { name: spec.slice(0, at), key: spec.slice(at + 1) }
}

let refreshing = false
let again = false
/** Fetches this page once more and swaps in the regions that follow live events. */
const refresh = async () => {
  if (refreshing) {
    again = true
    return
  }
  refreshing = true
  try {
    const response = await fetch(window.location.href, {
      credentials: 'same-origin',
      headers: { accept: 'text/html' },
    })
    if (!response.ok) return
    const fresh = new DOMParser().parseFromString(await response.text(), 'text/html')
    for (const region of document.querySelectorAll('[data-push-refresh][id]')) {
      const replacement = fresh.getElementById(region.id)
      if (replacement) region.innerHTML = replacement.innerHTML
    }
    document.documentElement.dataset.pushRefreshed = String(
      Number(document.documentElement.dataset.pushRefreshed ?? 0) + 1,
    )
  } catch {
    // The next event, or reloading the page, shows the news.
  } finally {
    refreshing = false
    if (again) {
      again = false
      void refresh()
    }
  }
}

if (followers.length > 0 && 'EventSource' in window) {
  const specs = [...new Set(followers.map((n) => n.dataset.pushTopic))]
  const query = specs.map((t) => `topic=${encodeURIComponent(t)}`).join('&')
  const source = new EventSource(`/push/events?${query}`)
  source.addEventListener('ready', () => {
    document.documentElement.dataset.pushReady = 'true'
  })
  for (const name of new Set(specs.map((s) => parse(s).name))) {
    source.addEventListener(name, (message) => {
      let key
      try {
        key = JSON.parse(message.data).key
      } catch {
        key = undefined
      }
      let wantsRefresh = false
      for (const follower of followers) {
        const wanted = parse(follower.dataset.pushTopic)
        if (wanted.name !== name || (wanted.key !== undefined && wanted.key !== key)) continue
        if ('pushRefresh' in follower.dataset) wantsRefresh = true
        else follower.hidden = false
      }
      if (wantsRefresh) void refresh()
    })
  }
}
