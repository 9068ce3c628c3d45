// The OpenAPI 3.1 description (CP-171) as JSON and YAML, and a browsable reference at /api/docs.
// The reference page is Swagger UI's static bundle served from our origin with an external
// initialiser, so it runs under Waypoint's Content Security Policy without inline script.
import { createReadStream } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'

const require = createRequire(import.meta.url)
const swaggerUiStatic = join(dirname(require.resolve('@fastify/swagger-ui/package.json')), 'static')

const staticFiles: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
}

const docsPage = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Waypoint integration API reference</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/api/docs/static/swagger-ui.css">
  <link rel="icon" type="image/png" href="/api/docs/static/favicon-32x32.png">
</head>
<body>
  <main id="swagger-ui"><p>The API reference needs JavaScript. Without it, read
    <a href="/api/v1/openapi.yaml">the OpenAPI description (YAML)</a> or
    <a href="/api/v1/openapi.json">the OpenAPI description (JSON)</a>.</p></main>
  <script src="/api/docs/static/swagger-ui-bundle.js"></script>
  <script src="/api/docs/static/swagger-ui-standalone-preset.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`

const initScript = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'BaseLayout',
  })
})
`

export function registerDocsRoutes(http: FastifyInstance): void {
  const documents = { access: 'public' as const, fixedFormat: true }

  http.get('/api/v1/openapi.json', { config: documents, schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(http.swagger()),
  )
  http.get('/api/v1/openapi.yaml', { config: documents, schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/yaml; charset=utf-8').send(http.swagger({ yaml: true })),
  )
  http.get('/api/docs', { config: documents }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(docsPage),
  )
  http.get('/api/docs/init.js', { config: documents }, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(initScript),
  )
  http.get(
    '/api/docs/static/:file',
    { config: documents, schema: { params: Type.Object({ file: Type.String() }) } },
    async (request, reply) => {
      const { file } = request.params as { file: string }
      const type = Object.hasOwn(staticFiles, file) ? staticFiles[file] : undefined
      if (!type) return reply.callNotFound()
      return reply
        .type(type)
        .header('cache-control', 'public, max-age=86400')
        .send(createReadStream(join(swaggerUiStatic, file)))
    },
  )
}
