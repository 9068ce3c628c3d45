// Time-based one-time passwords for local (break-glass) accounts: RFC 6238, SHA-1, 6 digits,
// 30-second steps, accepting one step either side for clock drift. The step of the last accepted
// code is stored so the same code cannot be used twice (ASVS 2.8.4).
import { generate, generateSecret, generateURI, verify } from 'otplib'

const PERIOD_SECONDS = 30

export function newTotpSecret(): string {
  return generateSecret()
}

export function totpUri(secret: string, accountEmail: string): string {
  return generateURI({ issuer: 'Waypoint', label: accountEmail, secret })
}

/** The code an authenticator shows at `at`. */
export function totpCodeAt(secret: string, at: Date): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000) })
}

/**
 * The time step a code matches at `at` (±1 step), or undefined when it does not match or its
 * step is not after `lastUsedStep`.
 */
export async function acceptedTotpStep(
  secret: string,
  code: string,
  at: Date,
  lastUsedStep: number | null,
): Promise<number | undefined> {
  const token = code.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(token)) return undefined
  try {
    const result = await verify({
      secret,
      token,
      epoch: Math.floor(at.getTime() / 1000),
      epochTolerance: PERIOD_SECONDS,
      ...(lastUsedStep === null ? {} : { afterTimeStep: lastUsedStep }),
    })
    return result.valid && 'timeStep' in result ? result.timeStep : undefined
  } catch {
    // Expected: a code that is not 6 digits (or a malformed secret) is simply not a valid code.
    return undefined
  }
}
