// The console navigation is built from the modules' entries: grouped by product, then shared
// work, settings and administration; a person sees only the products their force has bought and
// the entries their roles may open; a product without entries has no page. The pages themselves
// refuse whoever the navigation leaves them out for.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import type { StaffPrincipal, StaffRole } from '../auth/roles.ts'
import type { NavigationEntry } from '../modules.ts'
import { ConsoleNavigation } from './navigation.ts'

const entries: NavigationEntry[] = [
  {
    text: 'Journey definitions',
    href: '/console/journeys/definitions',
    roles: ['journey_designer'],
    group: 'journeys',
  },
  {
    text: 'Deadlines',
    href: '/console/journeys/deadlines',
    roles: ['investigating_officer'],
    group: 'journeys',
  },
  { text: 'Queue', href: '/console/contact/queue', roles: ['contact_handler'], group: 'contact' },
  {
    text: 'Cases',
    href: '/console/cases',
    roles: ['investigating_officer', 'contact_handler'],
    group: 'work',
  },
  { text: 'Audit', href: '/console/audit', roles: ['auditor'], group: 'admin' },
]

function staff(roles: StaffRole[], forceId: string | null = 'kent'): StaffPrincipal {
  return {
    id: 's1',
    forceId,
    displayName: 'Test',
    email: 't@example.org',
    roles: new Set(roles),
    sessionId: 'x',
  }
}

const hrefs = (links: { href: string }[]) => links.map((l) => l.href)

describe('navigation from module entries', () => {
  const navigation = new ConsoleNavigation(entries)

  test('CP-5: a force that has not bought a product does not see it, nor any of its entries', () => {
    const handler = staff(['contact_handler', 'journey_designer'])
    const withContact = navigation.primaryFor(handler, '/console', ['journeys', 'contact'])
    assert.deepEqual(hrefs(withContact), [
      '/console',
      '/console/journeys',
      '/console/contact',
      '/console/work',
    ])
    assert.deepEqual(
      navigation.groupsFor(handler, ['journeys', 'contact']).flatMap((g) => hrefs(g.links)),
      ['/console/journeys/definitions', '/console/contact/queue', '/console/cases'],
    )
    const withoutContact = navigation.primaryFor(handler, '/console', ['journeys'])
    assert.ok(!hrefs(withoutContact).some((h) => h.startsWith('/console/contact')))
    assert.ok(
      !navigation
        .groupsFor(handler, ['journeys'])
        .flatMap((g) => hrefs(g.links))
        .some((h) => h.startsWith('/console/contact')),
    )
    const groups = navigation.groupsFor(handler, ['journeys']).map((g) => g.group)
    assert.deepEqual(groups, ['journeys', 'work'])
  })

  test('a role sees only the entries it may open, grouped by product, then shared work and administration', () => {
    assert.deepEqual(hrefs(navigation.primaryFor(staff(['auditor']), '/console', undefined)), [
      '/console',
      '/console/administration',
    ])
    assert.deepEqual(
      navigation.groupsFor(staff(['auditor']), undefined).map((g) => [g.name, hrefs(g.links)]),
      [['Administration', ['/console/audit']]],
    )
    const officer = navigation.groupsFor(staff(['investigating_officer']), ['journeys', 'portal', 'contact'])
    assert.deepEqual(
      officer.map((g) => [g.name, hrefs(g.links)]),
      [
        ['Journeys', ['/console/journeys/deadlines']],
        ['Cases and messages', ['/console/cases']],
      ],
    )
    // Nobody signed in, no navigation.
    assert.deepEqual(navigation.primaryFor(undefined, '/console', undefined), [])
  })

  test('a group with no entries has no home page; a home is open to the roles of its entries only, and a product’s to forces that bought it', () => {
    const homes = navigation.groupHomes()
    assert.deepEqual(
      homes.map((h) => [h.product, h.description.home, h.roles]),
      [
        ['journeys', '/console/journeys', ['journey_designer', 'investigating_officer']],
        ['contact', '/console/contact', ['contact_handler']],
        [undefined, '/console/work', ['investigating_officer', 'contact_handler']],
        [undefined, '/console/administration', ['auditor']],
      ],
    )
    // Portal has no entries: it is not shown even to a force that bought it.
    const everything = navigation.primaryFor(staff(['journey_designer']), '/console', ['journeys', 'portal'])
    assert.ok(!hrefs(everything).includes('/console/portal'))
  })

  test('a page that reads one force is left out for staff who belong to no force, and kept for a force’s auditor', () => {
    const navigation = new ConsoleNavigation([
      ...entries,
      { text: 'Holds', href: '/console/holds', roles: ['auditor'], group: 'admin', forceOnly: true },
    ])
    const hrefs = (person: StaffPrincipal) =>
      navigation.groupsFor(person, undefined).flatMap((g) => g.links.map((l) => l.href))
    assert.deepEqual(hrefs(staff(['auditor'], null)), ['/console/audit'])
    assert.deepEqual(hrefs(staff(['auditor'])), ['/console/audit', '/console/holds'])
  })

  test('the group and the entry for the page shown are marked active, and the section lists the group’s pages', () => {
    const designer = staff(['journey_designer', 'investigating_officer'])
    const links = navigation.primaryFor(designer, '/console/journeys/definitions/j1', undefined)
    assert.deepEqual(
      links.filter((l) => l.active).map((l) => l.href),
      ['/console/journeys'],
    )
    const section = navigation.sectionFor(designer, undefined, '/console/journeys/definitions/j1')
    assert.equal(section?.name, 'Journeys')
    assert.deepEqual(
      section?.links.map((l) => [l.href, l.active]),
      [
        ['/console/journeys/definitions', true],
        ['/console/journeys/deadlines', false],
      ],
    )
    // A group's home page is in the group; a page in no group has no section.
    assert.equal(navigation.sectionFor(designer, undefined, '/console/journeys')?.name, 'Journeys')
    assert.equal(navigation.sectionFor(designer, undefined, '/console/people/p1'), undefined)
    // Only the deepest entry is the current one, and a path that merely starts alike is not in it.
    const nested = new ConsoleNavigation([
      { text: 'Officers', href: '/console/officers', roles: ['investigating_officer'], group: 'portal' },
      {
        text: 'Settings',
        href: '/console/officers/settings',
        roles: ['investigating_officer'],
        group: 'portal',
      },
    ])
    const officer = staff(['investigating_officer'])
    assert.deepEqual(
      nested.sectionFor(officer, undefined, '/console/officers/settings')?.links.map((l) => l.active),
      [false, true],
    )
    assert.equal(nested.sectionFor(officer, undefined, '/console/officers-old'), undefined)
  })

  test('two entries for one page, or an entry in no known group, stop start-up', () => {
    assert.throws(
      () => new ConsoleNavigation([entries[0]!, { ...entries[0]!, text: 'Again' }]),
      /Two navigation entries/,
    )
    assert.throws(
      () => new ConsoleNavigation([{ ...entries[0]!, group: 'elsewhere' as never }]),
      /in no known group/,
    )
  })
})

describe('the app composed from every module', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  /** Every link of the small screen's menu, which holds every group and page in order. */
  const linksOn = (body: string) => {
    const menu = /<nav class="waypoint-menu"[\s\S]*?<\/nav>/.exec(body)?.[0] ?? ''
    return [...menu.matchAll(/href="([^"]+)"/g)].map((m) => m[1])
  }
  const primaryOn = (body: string) =>
    [...body.matchAll(/class="moj-primary-navigation__link"[^>]*href="([^"]+)"/g)].map((m) => m[1])
  const sectionOn = (body: string) =>
    [...body.matchAll(/class="moj-sub-navigation__link"[^>]*href="([^"]+)"/g)].map((m) => m[1])

  test('every module’s jobs are in the one registry and its readiness checks on /health/ready', async () => {
    const names = t.app.jobs.names
    assert.equal(new Set(names).size, names.length)
    for (const job of [
      'writeback.deliver-due',
      'cases.deliver-events',
      'cases.deliver-events-sweep',
      'sources.warehouse-poll',
      'messaging.dispatch-now',
      'messaging.dispatch-due',
      'journeys.run-due-steps',
      'audit.forward',
      'retention.sweep',
    ])
      assert.ok(names.includes(job), `${job} is registered`)
    assert.deepEqual(
      t.app.readiness.map((c) => c.name),
      ['database', 'jobs', 'shutdown', 'writeback', 'siem'],
    )
    const ready = await t.app.http.inject({ method: 'GET', url: '/health/ready' })
    assert.deepEqual(Object.keys(ready.json().checks), ['database', 'jobs', 'shutdown', 'writeback', 'siem'])
  })

  test('a force administrator’s navigation lists the modules’ pages, products first and administration last', async () => {
    const admin = await t.signInAs(['force_admin'], 'kent')
    const page = await admin.get('/console')
    assert.equal(page.statusCode, 200)
    const links = linksOn(page.body)
    for (const href of [
      '/console/journeys',
      '/console/journeys/definitions',
      '/console/outbox',
      '/console/sources',
      '/console/writeback',
      '/console/users',
    ])
      assert.ok(links.includes(href), `${href} is in the navigation`)
    assert.ok(links.indexOf('/console/journeys') < links.indexOf('/console/cases'))
    assert.ok(links.indexOf('/console/cases') < links.indexOf('/console/users'))
    // Portal and Contact have pages for a force administrator (Contact: its reports, scripts and
    // THRIVE rules), after Journeys.
    assert.ok(links.indexOf('/console/journeys') < links.indexOf('/console/portal'))
    assert.ok(links.indexOf('/console/journeys') < links.indexOf('/console/contact'))
    for (const href of [
      '/console/contact/reports',
      '/console/contact/scripts',
      '/console/contact/thrive-rules',
    ])
      assert.ok(links.includes(href), `${href} is in the navigation`)
    assert.match(page.body, /<a class="govuk-link" href="\/console\/administration">Administration<\/a>/)
  })

  test('a force administrator’s primary navigation names only the groups; a page shows its group’s pages under it', async () => {
    const admin = await t.signInAs(['force_admin'], 'kent')
    const home = await admin.get('/console')
    assert.deepEqual(primaryOn(home.body), [
      '/console',
      '/console/journeys',
      '/console/portal',
      '/console/contact',
      '/console/work',
      '/console/settings',
      '/console/administration',
    ])
    assert.ok(linksOn(home.body).length > 40, 'the menu still leads to every page')
    assert.deepEqual(sectionOn(home.body), [], 'the dashboard is in no group')
    const outbox = await admin.get('/console/outbox')
    assert.equal(outbox.statusCode, 200)
    assert.match(
      outbox.body,
      /<nav class="moj-sub-navigation waypoint-section-navigation" aria-label="Cases and messages pages">/,
    )
    assert.ok(sectionOn(outbox.body).includes('/console/cases'))
    assert.ok(!sectionOn(outbox.body).includes('/console/users'))
    assert.match(outbox.body, /aria-current="page" href="\/console\/outbox"/)
    for (const [path, heading] of [
      ['/console/work', 'Cases and messages'],
      ['/console/settings', 'Settings'],
      ['/console/administration', 'Administration'],
    ]) {
      const page = await admin.get(path!)
      assert.equal(page.statusCode, 200, path)
      assert.match(page.body, new RegExp(`<h1 class="govuk-heading-l">${heading}</h1>`))
      assert.ok(sectionOn(page.body).length > 0, `${path} shows its group's pages`)
    }
  })

  test('a group’s home page refuses roles that may open none of its pages', async () => {
    const auditor = await t.signInAs(['auditor'], 'kent')
    for (const path of ['/console/work', '/console/settings'])
      assert.equal((await auditor.get(path)).statusCode, 403, `${path} refuses an auditor`)
    assert.equal((await auditor.get('/console/administration')).statusCode, 200)
    const officer = await t.signInAs(['investigating_officer'], 'kent')
    assert.equal((await officer.get('/console/administration')).statusCode, 403)
    assert.equal((await officer.get('/console/work')).statusCode, 200)
  })

  test('an auditor sees only the auditor’s pages, and is refused the pages left out, the product home included', async () => {
    const auditor = await t.signInAs(['auditor'], 'kent')
    const links = linksOn((await auditor.get('/console')).body)
    assert.deepEqual(links, [
      '/console',
      '/console/administration',
      '/console/audit',
      '/console/retention/report',
    ])
    for (const path of [
      '/console/journeys',
      '/console/journeys/definitions',
      '/console/outbox',
      '/console/users',
    ])
      assert.equal((await auditor.get(path)).statusCode, 403, `${path} refuses an auditor`)
    assert.equal((await auditor.get('/console/audit')).statusCode, 200)
  })

  test('an officer’s Journeys page lists only the Journeys pages their roles may open', async () => {
    const officer = await t.signInAs(['investigating_officer'], 'kent')
    const home = await officer.get('/console/journeys')
    assert.equal(home.statusCode, 200)
    assert.match(home.body, /<a class="govuk-link" href="\/console\/journeys\/victims-code">/)
    assert.doesNotMatch(home.body, /<a class="govuk-link" href="\/console\/journeys\/definitions">/)
    assert.equal((await officer.get('/console/journeys/definitions')).statusCode, 403)
  })
})
