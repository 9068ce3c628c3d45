// The PostgreSQL listener behind live push connects again after its connection is dropped (a
// database restart, a failover, an idle connection cut by a proxy), so events published after
// the drop still arrive. Runs on PostgreSQL 15 in every suite: PGlite has no connection to drop.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createPostgresTestDatabase } from '../../../test/support/test-database.ts'

test('live push: the PostgreSQL listener connects again after its connection is terminated and hears later events', async () => {
  const database = await createPostgresTestDatabase()
  const heard: string[] = []
  const stop = await database.db.listen('waypoint_push_reconnect', (payload) => heard.push(payload))
  try {
    const notify = (payload: string) =>
      database.db.asSystem((tx) => tx.execute(sql`select pg_notify('waypoint_push_reconnect', ${payload})`))
    const waitFor = async (payload: string) => {
      const deadline = Date.now() + 10_000
      while (!heard.includes(payload)) {
        if (Date.now() > deadline) assert.fail(`${payload} was not heard; heard ${heard.join(', ')}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    await notify('before')
    await waitFor('before')

    // As the owner: other roles do not see another connection's statement.
    const listeners = async () =>
      (await database.db.execAsOwner(
        "select pid from pg_stat_activity where datname = current_database() and query = 'listen waypoint_push_reconnect'",
      )) as { pid: number }[]
    const [listener] = await listeners()
    assert.ok(listener, 'one connection listens')
    await database.db.execAsOwner(`select pg_terminate_backend(${Number(listener.pid)})`)

    // Notifications sent while no one listens are lost; keep sending until the new connection hears.
    const deadline = Date.now() + 15_000
    let n = 0
    while (!heard.some((p) => p.startsWith('after-'))) {
      if (Date.now() > deadline) assert.fail('the listener did not connect again')
      await notify(`after-${n++}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const again = await listeners()
    assert.equal(again.length, 1)
    assert.notEqual(again[0]!.pid, listener.pid, 'a new connection')
  } finally {
    await stop()
    await database.close()
  }
})
