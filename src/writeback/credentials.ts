// Endpoint secrets (bearer tokens, basic-auth passwords) are kept encrypted with AES-256-GCM
// under a key from configuration, so a copy of the database alone does not yield credentials
// to a force's CAD or RMS (the cipher lives in platform/crypto.ts). Staff only ever see a hint
// of the last characters.
export { CredentialCipher } from '../platform/crypto.ts'

/** Enough to recognise a secret, never enough to use it: the last 4 characters of a long one. */
export function secretHint(secret: string): string {
  return secret.length >= 16 ? `ending ${secret.slice(-4)}` : 'set'
}
