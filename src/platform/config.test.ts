// Start-up checks of the configuration that concern sending: production refuses settings that
// would only fail later, one message at a time.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { productionSettings } from '../../test/support/production-settings.ts'
import { loadConfig } from './config.ts'

test('Production refuses an http:// PUBLIC_URL at start-up, saying why (GOV.UK Notify refuses non-https unsubscribe links)', () => {
  for (const publicUrl of ['http://waypoint.example.org', 'waypoint.example.org', 'https://']) {
    assert.throws(
      () => loadConfig({ ...productionSettings, PUBLIC_URL: publicUrl }),
      /PUBLIC_URL must be the https:\/\/ address people reach Waypoint at .*GOV\.UK Notify refuses emails whose unsubscribe link is not https/,
      publicUrl,
    )
  }
  assert.equal(loadConfig(productionSettings).http.publicUrl, 'https://waypoint.example.org')
  // Development keeps its http://localhost default.
  assert.match(loadConfig({ NODE_ENV: 'development' }).http.publicUrl, /^http:\/\/localhost:/)
})

test('Each force names its own GOV.UK Notify templates beside its key; the single template ids are for a force not listed', () => {
  const notify = loadConfig({
    NODE_ENV: 'test',
    NOTIFY_API_KEYS: 'kent=kent-key, norfolk=norfolk-key',
    NOTIFY_SMS_TEMPLATE_IDS: 'kent=k-sms, norfolk=n-sms',
    NOTIFY_EMAIL_TEMPLATE_IDS: 'kent=k-email',
    NOTIFY_EMAIL_TEMPLATE_ID: 'shared-email',
  }).messaging.notify
  assert.deepEqual(notify.apiKeys, { kent: 'kent-key', norfolk: 'norfolk-key' })
  assert.deepEqual(notify.smsTemplateIds, { kent: 'k-sms', norfolk: 'n-sms' })
  assert.deepEqual(notify.emailTemplateIds, { kent: 'k-email' })
  assert.equal(notify.emailTemplateId, 'shared-email')
})

test('The database pools take their size from DATABASE_POOL_SIZE and DATABASE_SYSTEM_POOL_SIZE, 20 and 10 when unset, and refuse a size that is not a whole number from 1 to 200', () => {
  assert.deepEqual(loadConfig({ NODE_ENV: 'test' }).databasePool, { tenant: 20, system: 10 })
  assert.deepEqual(
    loadConfig({ NODE_ENV: 'test', DATABASE_POOL_SIZE: '40', DATABASE_SYSTEM_POOL_SIZE: '8' }).databasePool,
    { tenant: 40, system: 8 },
  )
  for (const size of ['0', '-3', '2.5', 'many', '201'])
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', DATABASE_POOL_SIZE: size }),
      /DATABASE_POOL_SIZE must be a whole number from 1 to 200/,
      size,
    )
  assert.throws(
    () => loadConfig({ NODE_ENV: 'test', DATABASE_SYSTEM_POOL_SIZE: '0' }),
    /DATABASE_SYSTEM_POOL_SIZE must be a whole number from 1 to 200/,
  )
})

test('an SMTP_URL that could never send is refused at start-up, naming the setting; smtp:// and smtps:// are taken', () => {
  for (const url of ['mail.example.org:587', 'http://mail.example.org', 'smtp//mail.example.org'])
    assert.throws(
      () => loadConfig({ NODE_ENV: 'development', SMTP_URL: url }),
      /SMTP_URL must be an smtp:\/\/ or smtps:\/\/ address/,
    )
  for (const url of ['smtp://127.0.0.1:2525', 'smtps://user:secret@mail.example.org:465'])
    assert.equal(loadConfig({ NODE_ENV: 'development', SMTP_URL: url }).messaging.smtp.url, url)
})
