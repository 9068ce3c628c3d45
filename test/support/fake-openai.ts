// A real OpenAI-compatible model server for tests of Assist's provider (decision 0048): plain HTTP
// on 127.0.0.1 (port 0) answering POST /v1/chat/completions and POST /v1/audio/transcriptions as
// the OpenAI API does, and recording every request (path, headers, body) so a test can check what
// Waypoint sent, and what it never sent. A test decides each answer with `answer` (by default the
// last user message's first line echoed back) and can make the server slow or fail.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  authorization: string | undefined
  contentType: string | undefined
  /** The body as text (a multipart upload's bytes read as latin1, so they survive). */
  body: string
  /** The parsed JSON body of a chat completion. */
  json?: { model: string; messages: { role: string; content: string }[]; [k: string]: unknown }
}

export interface FakeOpenAi {
  baseUrl: string
  requests: RecordedRequest[]
  /** The text of the chat answer for a request; the default echoes the user's first line. */
  answer: (request: RecordedRequest) => string
  /** The transcription's text. */
  transcript: string
  /** Milliseconds to wait before answering (for timeouts). */
  delayMs: number
  /** Answer with this HTTP status and an OpenAI-style error instead. */
  failWith: number | null
  /** Forget the requests and go back to the default behaviour. */
  reset(): void
  close(): Promise<void>
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const echo = (r: RecordedRequest) =>
  (r.json?.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '').split('\n')[0] ?? ''

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const fake = {
    requests: [] as RecordedRequest[],
    answer: echo,
    transcript: 'I want to report a stolen bicycle.',
    delayMs: 0,
    failWith: null as number | null,
  }
  const pending = new Set<NodeJS.Timeout>()
  const server: Server = createServer(async (req, res) => {
    const body = await read(req)
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: body.toString('latin1'),
    }
    if (recorded.contentType?.startsWith('application/json')) {
      try {
        recorded.json = JSON.parse(body.toString('utf8'))
      } catch {
        // Recorded as text; the answer below says it could not be read.
      }
    }
    fake.requests.push(recorded)
    const send = (status: number, payload: unknown) => {
      if (res.destroyed) return
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(payload))
    }
    const respond = () => {
      if (fake.failWith !== null)
        return send(fake.failWith, {
          error: { message: 'The fake server was told to fail', type: 'server_error' },
        })
      if (req.method === 'POST' && recorded.path === '/v1/chat/completions') {
        if (!recorded.json)
          return send(400, { error: { message: 'Body is not JSON', type: 'invalid_request_error' } })
        return send(200, {
          id: `chatcmpl-${fake.requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: recorded.json.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: fake.answer(recorded) },
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        })
      }
      if (req.method === 'POST' && recorded.path === '/v1/audio/transcriptions') {
        if (!recorded.contentType?.startsWith('multipart/form-data'))
          return send(400, {
            error: { message: 'Expected multipart/form-data', type: 'invalid_request_error' },
          })
        return send(200, { text: fake.transcript })
      }
      return send(404, { error: { message: 'Unknown path', type: 'invalid_request_error' } })
    }
    if (fake.delayMs > 0) {
      const timer = setTimeout(() => {
        pending.delete(timer)
        respond()
      }, fake.delayMs)
      pending.add(timer)
    } else respond()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${port}`,
    reset() {
      fake.requests.length = 0
      fake.answer = echo
      fake.delayMs = 0
      fake.failWith = null
    },
    async close() {
      for (const timer of pending) clearTimeout(timer)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  })
}
