// When to try a write-back again, and when to stop and park it as a dead letter for a person to
// replay (CP-163). Exponential backoff with jitter spreads a backlog out when CAD or RMS returns,
// instead of every worker hitting it at the same instant.
export interface RetryPolicy {
  baseDelayMs: number
  /** Longest wait between two attempts. */
  maxDelayMs: number
  maxAttempts: number
  /** How long after it was queued (or last replayed) an entry keeps being retried. */
  maxAgeMs: number
}

/** "Equal jitter": half the exponential delay, plus a random share of the other half. */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1)
  const capped = Math.min(policy.maxDelayMs, exponential)
  return Math.round(capped / 2 + random() * (capped / 2))
}

/** Honours a target's `Retry-After` (seconds) when it asks for longer than our own backoff. */
export function nextAttemptAt(
  now: Date,
  attempt: number,
  policy: RetryPolicy,
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
): Date {
  const backoff = retryDelayMs(attempt, policy, random)
  const asked = retryAfterSeconds === null ? 0 : Math.min(policy.maxDelayMs, retryAfterSeconds * 1000)
  return new Date(now.getTime() + Math.max(backoff, asked))
}

export function hasRunOutOfRetries(
  attempts: number,
  windowStart: Date,
  now: Date,
  policy: RetryPolicy,
): boolean {
  return attempts >= policy.maxAttempts || now.getTime() - windowStart.getTime() >= policy.maxAgeMs
}
