// Live notices (progressive enhancement): an element with `data-push-topic` is shown when an
// event of that topic arrives over server-sent events. Without JavaScript, reloading the page
// shows the same news. The browser reconnects by itself after a drop.
const notices = [...document.querySelectorAll('[data-push-topic]')]
if (notices.length > 0 && 'EventSource' in window) {
  const topics = [...new Set(notices.map((n) => n.dataset.pushTopic))]
  const query = topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&')
  const source = new EventSource(`/push/events?${query}`)
  source.addEventListener('ready', () => {
    document.documentElement.dataset.pushReady = 'true'
  })
  for (const topic of topics) {
    source.addEventListener(topic, () => {
      for (const notice of notices) if (notice.dataset.pushTopic === topic) notice.hidden = false
    })
  }
}
