// A minimal browser for end-to-end sign-in tests over real HTTP: a cookie jar per host and
// redirects followed one hop at a time, as Chromium would (303/302 become GETs).
export interface Page {
  url: URL
  status: number
  body: string
  response: Response
}

export class TestBrowser {
  readonly #jar = new Map<string, Map<string, string>>()

  cookie(url: string | URL, name: string): string | undefined {
    return this.#jar.get(new URL(url).host)?.get(name)
  }

  /** One request, no redirects followed. */
  async request(
    url: string | URL,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const target = new URL(url)
    const cookies = [...(this.#jar.get(target.host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`)
    const headers: Record<string, string> = { accept: 'text/html' }
    if (cookies.length) headers.cookie = cookies.join('; ')
    let body: string | undefined
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(init.form).toString()
    }
    const response = await fetch(target, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    })
    this.#store(target, response.headers.getSetCookie())
    return response
  }

  /** Requests and follows redirects until a page that is not a redirect. */
  async open(
    url: string | URL,
    init: { method?: string; form?: Record<string, string> } = {},
    stopAt?: (next: URL) => boolean,
  ): Promise<Page> {
    let current = new URL(url)
    let response = await this.request(current, init)
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      if (hops > 20) throw new Error('Too many redirects')
      const next = new URL(response.headers.get('location')!, current)
      await response.arrayBuffer()
      if (stopAt?.(next)) return { url: next, status: response.status, body: '', response }
      current = next
      response = await this.request(current)
    }
    return { url: current, status: response.status, body: await response.text(), response }
  }

  #store(url: URL, setCookies: string[]): void {
    const jar = this.#jar.get(url.host) ?? new Map<string, string>()
    this.#jar.set(url.host, jar)
    for (const header of setCookies) {
      const [pair, ...attributes] = header.split(';').map((s) => s.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      const expired = attributes.some(
        (a) =>
          /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()),
      )
      if (expired || value === '') jar.delete(name)
      else jar.set(name, value)
    }
  }
}
