// Local passwords for break-glass accounts: argon2id with OWASP's recommended parameters.
import { hash, verify } from '@node-rs/argon2'

const ARGON2ID = 2

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 })
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) return false
  try {
    return await verify(stored, password)
  } catch {
    // Expected: a stored value that is not an argon2 hash (corrupt or another scheme) never matches.
    return false
  }
}

/** Long enough to resist guessing (NCSC: length over complexity; ASVS 2.1.1 and 2.1.2). */
export const PASSWORD_MIN = 12
export const PASSWORD_MAX = 128

/** What is wrong with a new password, in words for the form; empty when it will do. */
export function passwordProblems(
  password: string,
  confirmation: string,
  email: string,
): { field: string; message: string }[] {
  if (!password) return [{ field: 'password', message: 'Enter a password' }]
  if ([...password].length < PASSWORD_MIN)
    return [{ field: 'password', message: `Password must be ${PASSWORD_MIN} characters or more` }]
  if ([...password].length > PASSWORD_MAX)
    return [{ field: 'password', message: `Password must be ${PASSWORD_MAX} characters or fewer` }]
  const lower = password.toLowerCase()
  const local = email.toLowerCase().split('@')[0] ?? ''
  if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local)))
    return [{ field: 'password', message: 'Password must not contain your email address' }]
  if (password !== confirmation)
    return [{ field: 'confirmPassword', message: 'Enter the same password in both boxes' }]
  return []
}
