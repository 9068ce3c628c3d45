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
