import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maskSecretsInUrl } from './logger.ts'

test('CP-167: keys and tokens in query strings are masked before a URL is logged', () => {
  assert.equal(
    maskSecretsInUrl('/api/v1/odata/Messages?$top=10&apikey=wpk_secret123&$skip=5'),
    '/api/v1/odata/Messages?$top=10&apikey=[redacted]&$skip=5',
  )
  assert.equal(
    maskSecretsInUrl('/sign-in/sso/callback?code=abc&state=xyz'),
    '/sign-in/sso/callback?code=[redacted]&state=[redacted]',
  )
  assert.equal(maskSecretsInUrl('/console/cases?q=ESX-1'), '/console/cases?q=ESX-1')
})
