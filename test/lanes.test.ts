// The test lanes cover the whole suite: every test file is in exactly one lane, the slow lane
// names no file that is gone, and no file in the fast lane starts Chromium or a real Waypoint.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  allTestFiles,
  filesIn,
  lanes,
  root,
  slowFiles,
  slowFolders,
  startsWaypointProcess,
  usesChromium,
} from './support/lanes.ts'

test('every test file is in exactly one lane, and the lanes together hold them all', () => {
  const all = allTestFiles()
  assert.ok(all.length > 50, `found only ${all.length} test files`)
  assert.ok(all.includes('test/lanes.test.ts'))
  const inLanes = lanes.flatMap((lane) => filesIn(lane))
  assert.deepEqual([...inLanes].sort(), all)
  assert.equal(new Set(inLanes).size, inLanes.length)
  for (const lane of lanes) assert.ok(filesIn(lane).length > 0, `the ${lane} lane is empty`)
})

test('the slow lane names only test files and folders that exist', () => {
  for (const file of slowFiles) assert.ok(existsSync(join(root, file)), `${file} does not exist`)
  for (const folder of slowFolders) assert.ok(existsSync(join(root, folder)), `${folder} does not exist`)
})

test('no test in the fast lane starts Chromium or a real src/main.ts process', () => {
  const misplaced = filesIn('fast').filter((file) => usesChromium(file) || startsWaypointProcess(file))
  assert.deepEqual(misplaced, [], 'move these files to the slow lane in test/support/lanes.ts')
})
