import assert from 'node:assert/strict'
import { test } from 'node:test'
import { handOverBelow } from './chatbot.ts'
import { IntentClassifier } from './classifier.ts'
import { dangerIn } from './danger.ts'
import { defaultIntents, parseIntent, trainOn } from './knowledge.ts'
import { features } from './text.ts'
import type { ValidationError } from '../platform/errors.ts'

const classifier = trainOn(defaultIntents())

test('CRM-7: the classifier reads stems and pairs of stems, so other forms of a word count the same', () => {
  assert.deepEqual(features('My bikes were stolen'), ['bike', 'stolen', 'bike stolen'])
  assert.deepEqual(features("I'd like an update"), ['like', 'updat', 'like updat'])
})

test('CRM-7: the default knowledge base recognises common non-emergency questions it was not given word for word', () => {
  const cases: [string, string][] = [
    ['Can you update me on my burglary case?', 'case-update'],
    ['I have lost my house keys', 'lost-property'],
    ['the people next door play loud music every night', 'noise-asb'],
    ['how can I renew my shotgun certificate', 'firearms-licensing'],
    ['I was scammed by someone pretending to be my bank', 'fraud-scams'],
    ['I would like to speak to a real person', 'speak-to-person'],
  ]
  for (const [text, intent] of cases) {
    const result = classifier.classify(text)
    assert.equal(result.intent, intent, text)
    assert.ok(result.confidence >= handOverBelow, `${text}: ${result.confidence}`)
  }
})

test('CRM-7: a message with nothing the knowledge base knows has no intent and no confidence', () => {
  assert.deepEqual(
    { ...classifier.classify('zebra quantum marmalade'), ranked: [] },
    { intent: null, confidence: 0, ranked: [] },
  )
  assert.ok(classifier.classify('what colour is the sky over Jupiter').confidence < handOverBelow)
})

test('CRM-7: a classifier learns only from the phrases it is given', () => {
  const small = new IntentClassifier([
    { intent: 'a', text: 'parking tickets and fines' },
    { intent: 'a', text: 'a parking fine' },
    { intent: 'b', text: 'lost dogs and cats' },
    { intent: 'b', text: 'my cat is lost' },
  ])
  assert.deepEqual(small.intents, ['a', 'b'])
  assert.equal(small.classify('I got a parking fine').intent, 'a')
  assert.equal(small.classify('we lost our dog').intent, 'b')
  const ranked = small.classify('we lost our dog').ranked
  assert.ok(Math.abs(ranked.reduce((s, r) => s + r.probability, 0) - 1) < 1e-9)
})

test('CRM-7: red-flag words escalate whatever else the message says; licensing and non-emergency questions do not', () => {
  for (const text of [
    'he has a knife',
    'I am being attacked right now',
    "I can't breathe",
    'I am going to kill myself',
    'my partner is hitting me',
    'someone is in my house',
    'someone is trying to get into my house right now',
  ])
    assert.notDeepEqual(dangerIn(text), [], text)
  for (const text of [
    'I want to renew my shotgun certificate',
    'what is the non-emergency number',
    'I lost my wallet',
    'I got a shot of his number plate',
  ])
    assert.deepEqual(dangerIn(text), [], text)
})

test('CRM-7: an intent a force administrator writes is checked field by field', () => {
  const existing = defaultIntents()
  assert.throws(
    () =>
      parseIntent(
        {
          name: 'Lost Property!',
          title: '',
          phrases: 'one\ntwo',
          answer: 'x'.repeat(1001),
          priority: '9',
          skill: 'x',
        },
        existing,
      ),
    (e: ValidationError) =>
      e.fieldErrors.map((x) => x.field).join() === 'name,title,phrases,answer,priority,skill',
  )
  assert.throws(
    () =>
      parseIntent(
        { name: 'lost-property', title: 't', phrases: 'a\nb\nc', answer: 'a', priority: '3', skill: 'chat' },
        existing,
      ),
    (e: ValidationError) => e.fieldErrors[0]?.message === 'Another intent already has this name',
  )
  assert.deepEqual(
    parseIntent(
      {
        name: 'bike-marking',
        title: 'Bike marking',
        phrases: 'mark my bike\r\n\r\n  bike   marking event \nwhere can I get my bike marked\nmark my bike',
        answer: 'Come to an event.',
        priority: '4',
        skill: 'chat',
        handOver: 'yes',
      },
      existing,
    ),
    {
      name: 'bike-marking',
      title: 'Bike marking',
      phrases: ['mark my bike', 'bike marking event', 'where can I get my bike marked'],
      answer: 'Come to an event.',
      priority: 4,
      skill: 'chat',
      handOver: true,
    },
  )
})
