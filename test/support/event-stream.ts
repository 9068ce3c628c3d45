// Reads a server-sent events stream (`/push/events`) the way a page's EventSource would, for tests
// that check what a subscriber hears, and what it does not.
import assert from 'node:assert/strict'

export interface EventStream {
  status: number
  /** Resolves with the data of the next event named `name`, or rejects after `ms`. */
  next(name: string, ms?: number): Promise<Record<string, unknown>>
  /** Whether an event named `name` arrives within `ms`. */
  arrives(name: string, ms: number): Promise<boolean>
  close(): void
}

export async function openEventStream(url: string, cookie?: string): Promise<EventStream> {
  const controller = new AbortController()
  const response = await fetch(url, { headers: cookie ? { cookie } : {}, signal: controller.signal })
  const events: { name: string; data: string }[] = []
  const waiting: (() => void)[] = []
  if (response.status === 200) {
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/)
    void (async () => {
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for await (const chunk of response.body!) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true })
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const name = /^event: (.*)$/m.exec(block)?.[1]
            const data = /^data: (.*)$/m.exec(block)?.[1]
            if (name && data) events.push({ name, data })
            for (const wake of waiting.splice(0)) wake()
            end = buffer.indexOf('\n\n')
          }
        }
      } catch {
        // Expected: the test closed the stream.
      }
    })()
  } else await response.body?.cancel()
  const take = (name: string) => {
    const at = events.findIndex((e) => e.name === name)
    return at < 0 ? undefined : (JSON.parse(events.splice(at, 1)[0]!.data) as Record<string, unknown>)
  }
  const wait = async (name: string, ms: number) => {
    const deadline = Date.now() + ms
    for (;;) {
      const found = take(name)
      if (found) return found
      const left = deadline - Date.now()
      if (left <= 0) return undefined
      await new Promise<void>((wake) => {
        waiting.push(wake)
        setTimeout(wake, left)
      })
    }
  }
  return {
    status: response.status,
    next: async (name, ms = 15_000) => {
      const found = await wait(name, ms)
      if (!found) throw new Error(`no ${name} event within ${ms} ms`)
      return found
    },
    arrives: async (name, ms) => (await wait(name, ms)) !== undefined,
    close: () => controller.abort(),
  }
}
