// The part of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string
    }
    interface RequestStep {
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request
    }
    interface Options {
      url: string
      connections?: number
      duration?: number
      pipelining?: number
      timeout?: number
      initialContext?: Record<string, unknown>
      requests?: RequestStep[]
      /** Requests a second across all connections; latency is counted from when each was due. */
      overallRate?: number
    }
    interface Result {
      errors: number
      timeouts: number
      non2xx: number
    }
    interface Instance extends PromiseLike<Result> {
      on(
        event: 'response',
        listener: (client: unknown, status: number, bytes: number, responseTime: number) => void,
      ): this
    }
  }
  function autocannon(options: autocannon.Options): autocannon.Instance
  export default autocannon
}
