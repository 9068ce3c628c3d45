// Readiness checks for external peers (UJ-1, CP-166): a capability that depends on a provider
// or a source system pushes one of these onto `app.readiness`, so /health/ready shows the outage.
import type { ReadinessCheck } from './health-routes.ts'

/** Healthy when the peer answers an HTTP GET with a status below 500. */
export function httpPeerCheck(
  name: string,
  url: string,
  options: { timeoutMs?: number } = {},
): ReadinessCheck {
  return {
    name,
    check: async () => {
      const started = performance.now()
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 3000) }).catch(
        (error: Error & { cause?: { code?: string } }) => {
          throw new Error(`${name} is unreachable (${error.cause?.code ?? error.message})`)
        },
      )
      await response.body?.cancel()
      if (response.status >= 500) throw new Error(`${name} answered ${response.status}`)
      return { httpStatus: response.status, latencyMs: Math.round(performance.now() - started) }
    },
  }
}
