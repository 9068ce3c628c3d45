// GOV.UK Notify keys are sealed by the platform's credential keys. Keys sealed before they were
// used (by messaging's own AES-256-GCM code, reproduced below byte for byte as the stored format's
// definition) must still open, and keys sealed now must be in that same format after the id of
// the key that sealed them (`v2:<key id>:iv:tag:data`, decision 0049).
import assert from 'node:assert/strict'
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { CredentialKeys } from '../platform/credential-keys.ts'
import { notifyKeyCipher as derived } from './notify-keys.ts'

const notifyKeyCipher = (secret: string) => derived(new CredentialKeys(secret))

const secret = 'installation-credential-key-for-tests'
const notifyKey = 'waypoint_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0'

/** The stored format as first written: `v1:iv:tag:data`, key SHA-256 of label and secret. */
const storedKey = () => createHash('sha256').update(`waypoint:notify-api-key:${secret}`).digest()

function sealAsBefore(plain: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', storedKey(), iv)
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(
    ':',
  )
}

/** Opens a key sealed now: the stored format's parts after `v2:<key id>:`. */
function openAsBefore(sealed: string): string {
  const [v, , iv, tag, data] = sealed.split(':')
  assert.equal(v, 'v2')
  const decipher = createDecipheriv('aes-256-gcm', storedKey(), Buffer.from(iv as string, 'base64'))
  decipher.setAuthTag(Buffer.from(tag as string, 'base64'))
  return Buffer.concat([decipher.update(Buffer.from(data as string, 'base64')), decipher.final()]).toString(
    'utf8',
  )
}

test('a Notify key sealed in the stored format opens with the platform cipher', () => {
  assert.equal(notifyKeyCipher(secret).decrypt(sealAsBefore(notifyKey)), notifyKey)
})

test('a Notify key sealed now is in the stored format after its key id, with a fresh IV each time', () => {
  const sealed = notifyKeyCipher(secret).encrypt(notifyKey)
  assert.match(sealed, /^v2:[0-9a-f]{8}:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/)
  assert.equal(openAsBefore(sealed), notifyKey)
  assert.notEqual(notifyKeyCipher(secret).encrypt(notifyKey), sealed)
})

test('a sealed Notify key does not open under another installation key, nor once changed', () => {
  const sealed = sealAsBefore(notifyKey)
  assert.throws(() => notifyKeyCipher('another-installation-key').decrypt(sealed))
  const [v, iv, tag, data] = sealed.split(':') as [string, string, string, string]
  const flipped = Buffer.from(data, 'base64')
  flipped[0] = (flipped[0] as number) ^ 1
  assert.throws(() => notifyKeyCipher(secret).decrypt([v, iv, tag, flipped.toString('base64')].join(':')))
})
