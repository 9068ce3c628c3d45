// The new-crime reading of a person's message (CP-84) with a force's rules: the compiled rules are
// kept per set of rules, so the same rules arriving again (read afresh for every message) are
// not compiled again, and rules a force edits take effect on the next message.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { defaultNewCrimeRules, newCrimeDetectorFor } from './new-crime.ts'

test('CP-84: the same rules read again reuse their compiled patterns, and edited rules are read at once', () => {
  const copy = structuredClone(defaultNewCrimeRules)
  assert.equal(newCrimeDetectorFor(copy), newCrimeDetectorFor(defaultNewCrimeRules))
  const message = 'He came back last night and smashed my car window.'
  const before = newCrimeDetectorFor(copy).check(message)
  // The force adds a rule of its own: the next message is read with it.
  const edited = structuredClone(defaultNewCrimeRules)
  edited.rules = [{ id: 'drones', label: 'Drone flown over the house', phrases: ['drone*'] }, ...edited.rules]
  assert.notEqual(newCrimeDetectorFor(edited), newCrimeDetectorFor(copy))
  assert.deepEqual(newCrimeDetectorFor(edited).check('There were drones over my garden again today.'), {
    newCrime: true,
    because: 'drones: "drones"',
  })
  assert.equal(
    newCrimeDetectorFor(copy).check('There were drones over my garden again today.').newCrime,
    false,
  )
  assert.deepEqual(newCrimeDetectorFor(copy).check(message), before)
})
