import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { caseLife, crimesPerYear, pickForce, Random } from './scenarios.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t.close())

test('UJ-4: simulated STORM and Athena events of every force map and apply without quarantine', async () => {
  const random = new Random(42)
  const statuses: Record<string, number> = {}
  const at = new Date('2026-06-01T10:00:00Z')
  for (const [i, forceId] of Object.keys(crimesPerYear).entries()) {
    for (let n = 0; n < 4; n++) {
      for (const event of caseLife(random, forceId, i * 10 + n, at)) {
        const result = await t.app.services.sources.receive(
          event.forceId,
          event.source,
          event.payload,
          event.contentType,
        )
        statuses[result.status] = (statuses[result.status] ?? 0) + 1
        assert.notEqual(
          result.status,
          'quarantined',
          `${forceId} ${event.source}: ${result.reason}\n${event.payload}`,
        )
      }
    }
  }
  assert.ok((statuses.applied ?? 0) > 50, JSON.stringify(statuses))
})

test('UJ-4: a simulated Kent case arrives in SMARTStorm XML with numbered gradings and becomes a case', async () => {
  const random = new Random(7)
  const events = caseLife(random, 'kent', 901, new Date('2026-06-02T09:00:00Z'))
  assert.equal(events[0].contentType, 'application/xml')
  assert.match(events[0].payload, /<grading>G[1-5]<\/grading>/)
  for (const e of events) await t.app.services.sources.receive(e.forceId, e.source, e.payload, e.contentType)
  const incident = await t.app.services.cases.findIncidentByRef('kent', 'KNT-20260602-00901')
  assert.ok(incident, 'the Kent incident exists')
})

test('case volumes follow each force’s recorded crime', () => {
  const random = new Random(1)
  const counts: Record<string, number> = {}
  for (let i = 0; i < 20_000; i++) {
    const f = pickForce(random, Object.keys(crimesPerYear))
    counts[f] = (counts[f] ?? 0) + 1
  }
  // Kent records about 3.6 times Suffolk's crime; the simulator should reflect that.
  const ratio = counts.kent / counts.suffolk
  assert.ok(ratio > 3.1 && ratio < 4.1, `kent/suffolk = ${ratio}`)
})
