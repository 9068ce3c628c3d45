// A browser driving a Waypoint through `inject`, for pages used before sign-in (sign-in, set-up
// links): it keeps cookies, reads each page's CSRF token, and comes from an address of its own so
// per-address rate limits do not join tests together.
import type { LightMyRequestResponse } from 'fastify'
import type { App } from '../../src/app.ts'

let addressCounter = 0

export class FormBrowser {
  readonly cookies = new Map<string, string>()
  csrf = ''
  readonly ip: string
  readonly app: App
  constructor(app: App, ip = `10.0.${Math.floor(addressCounter / 250)}.${(addressCounter++ % 250) + 1}`) {
    this.ip = ip
    this.app = app
  }
  async get(url: string): Promise<LightMyRequestResponse> {
    return this.#keep(
      await this.app.http.inject({ method: 'GET', url, headers: this.#headers(), remoteAddress: this.ip }),
    )
  }
  async post(url: string, form: Record<string, string>, csrf = this.csrf): Promise<LightMyRequestResponse> {
    return this.#keep(
      await this.app.http.inject({
        method: 'POST',
        url,
        headers: { ...this.#headers(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ ...form, _csrf: csrf }).toString(),
        remoteAddress: this.ip,
      }),
    )
  }
  #headers() {
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), accept: 'text/html' }
  }
  #keep(response: LightMyRequestResponse) {
    for (const c of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (!c.value || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()))
        this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1]
    if (token) this.csrf = token
    return response
  }
}
