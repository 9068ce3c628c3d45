// The deployment's outbound allow-list (decision 0016): how entries are read, how a host and
// every address it resolves to are judged, and that Waypoint's own database is always refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, loadConfig } from './config.ts'
import { OutboundPolicy, type OwnDatabase, parseHostRules } from './outbound.ts'
import { productionSettings } from '../../test/support/production-settings.ts'

const elsewhere: OwnDatabase = {
  database: 'waypoint',
  systemIdentifier: null,
  serverAddress: null,
  serverPort: null,
}

function policy(warehouse: string, own: OwnDatabase = elsewhere, writeback = warehouse): OutboundPolicy {
  return new OutboundPolicy({
    rules: {
      warehouse: parseHostRules(warehouse),
      writeback: parseHostRules(writeback),
      scanner: [],
      webhook: [],
    },
    ownDatabase: async () => own,
  })
}

test('CP-157: the allow-list reads names, wildcards, ports, addresses and ranges, and refuses an entry it cannot read', () => {
  const p = policy(
    'dw.kent.police.uk:5432, *.essex.police.uk, 10.20.0.0/16:5432, 192.0.2.7, [fd00::/8]:443, ::1',
  )
  assert.equal(p.listed('warehouse', 'dw.kent.police.uk', 5432), true)
  assert.equal(p.listed('warehouse', 'DW.Kent.Police.UK.', 5432), true)
  assert.equal(p.listed('warehouse', 'dw.kent.police.uk', 5433), false)
  assert.equal(p.listed('warehouse', 'other.kent.police.uk', 5432), false)
  assert.equal(p.listed('warehouse', 'rms.essex.police.uk', 443), true)
  assert.equal(p.listed('warehouse', 'essex.police.uk', 443), false, 'a wildcard covers names below it only')
  assert.equal(p.listed('warehouse', 'rms.essex.police.uk.evil.example', 443), false)
  assert.equal(p.listed('warehouse', '10.20.3.4', 5432), true)
  assert.equal(p.listed('warehouse', '10.21.3.4', 5432), false)
  assert.equal(p.listed('warehouse', '10.20.3.4', 22), false)
  assert.equal(p.listed('warehouse', '192.0.2.7', 80), true)
  assert.equal(p.listed('warehouse', '[fd00::5]', 443), true)
  assert.equal(p.listed('warehouse', '::1', 5432), true)
  assert.equal(p.listed('writeback', 'dw.kent.police.uk', 5432), true)
  assert.equal(
    policy('', elsewhere, 'a.example').listed('warehouse', 'a.example', 443),
    false,
    'lists are per purpose',
  )
  for (const bad of ['http://x.example', 'x.example:99999', '10.0.0.0/33', 'a b', '*.'])
    assert.throws(() => parseHostRules(bad), /is not a host/, bad)
})

test('CP-157: allowed hosts are set at deployment: none in production until configured, loopback in development, and a bad entry stops start-up', () => {
  const production = loadConfig(productionSettings)
  assert.deepEqual(production.outbound, {
    warehouse: [],
    writeback: [],
    scanner: [],
    identity: [],
    webhook: [],
    gazetteer: [],
    ai: [],
  })
  const development = loadConfig({ NODE_ENV: 'development' })
  const local = new OutboundPolicy({ rules: development.outbound, ownDatabase: async () => elsewhere })
  assert.equal(local.listed('writeback', '127.0.0.1', 4000), true)
  assert.equal(local.listed('writeback', 'example.org', 443), false)
  assert.equal(local.listed('ai', '127.0.0.1', 11434), true)
  assert.equal(local.listed('ai', 'api.example.org', 443), false)
  const configured = loadConfig({ ...productionSettings, OUTBOUND_WAREHOUSE_HOSTS: 'dw.kent.police.uk:5432' })
  assert.equal(configured.outbound.warehouse.length, 1)
  assert.throws(
    () => loadConfig({ ...productionSettings, OUTBOUND_WRITEBACK_HOSTS: 'https://rms.example' }),
    (error: Error) => error instanceof ConfigError && /OUTBOUND_WRITEBACK_HOSTS/.test(error.message),
  )
})

test('CP-157: a listed name that resolves to a loopback or private address is refused unless that address is listed too', async () => {
  // `localhost` resolves through this machine's hosts file to 127.0.0.1 (and ::1).
  const byName = await policy('localhost').check('warehouse', 'localhost', 5432)
  assert.equal(byName.ok, false)
  assert.equal(!byName.ok && byName.reason, 'not-allowed')
  const withAddresses = await policy('localhost, 127.0.0.0/8, ::1').check('warehouse', 'localhost', 5432)
  assert.equal(withAddresses.ok, true)
  assert.ok(
    withAddresses.ok &&
      withAddresses.addresses.every((a) => a.address === '127.0.0.1' || a.address === '::1'),
  )
  // An address typed in must itself be listed; IPv4 written as IPv6 is judged as IPv4.
  const ranges = policy('rms.example.org, 10.0.0.0/8')
  for (const host of ['169.254.169.254', '::ffff:127.0.0.1', '0.0.0.0', '127.0.0.1'])
    assert.equal((await ranges.check('writeback', host, 80)).ok, false, host)
  assert.equal((await ranges.check('writeback', '::ffff:10.1.2.3', 80)).ok, true)
  const unknown = await policy('*.invalid').check('warehouse', 'no-such-host.invalid', 5432)
  assert.equal(!unknown.ok && unknown.reason, 'unresolved')
})

test('CP-157: Waypoint’s own database server is refused even when its address is allowed', async () => {
  const own: OwnDatabase = {
    ...elsewhere,
    host: 'localhost',
    port: 5432,
    serverAddress: '127.0.0.1',
    serverPort: 5432,
  }
  const p = policy('localhost, 127.0.0.0/8, ::1', own)
  for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) {
    const same = await p.check('warehouse', host, 5432, 'waypoint')
    assert.equal(!same.ok && same.reason, 'own-database', host)
    const endpoint = await p.check('writeback', host, 5432)
    assert.equal(!endpoint.ok && endpoint.reason, 'own-database', host)
  }
  // Another database on the same server, or another port, is a different warehouse.
  assert.equal((await p.check('warehouse', '127.0.0.1', 5432, 'warehouse')).ok, true)
  assert.equal((await p.check('writeback', '127.0.0.1', 8080)).ok, true)
})
