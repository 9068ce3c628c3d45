// Import directions (docs/ARCHITECTURE.md, "Modules"), checked by `npm test` through
// `node test/import-check.ts`, which prints every violation with its rule.
//
// - No import cycles anywhere.
// - Platform (src/platform) imports no capability and not the composition root (src/app.ts,
//   src/services.ts): what platform needs of a capability is a port declared in platform and
//   passed in by the composition root.
// - A capability never imports the composition root.
// Test files may start a whole Waypoint through the composition root, so the direction rules
// apply to the code they test, not to them. Paths are matched without their final extension
// (the check reads each file with its types stripped).
const capability = '^src/(?!platform/|views/)[^/]+/'
const compositionRoot = '^src/(app|services)[.]ts'
const testFile = '[.]test[.]ts'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other in one direction only; a cycle has no start to compose from.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-imports-no-capability',
      severity: 'error',
      comment:
        'Platform is beneath the capabilities: declare a port (an interface) in platform and let the ' +
        'composition root pass the capability’s implementation in.',
      from: { path: '^src/platform/', pathNot: testFile },
      to: { path: capability },
    },
    {
      name: 'platform-imports-no-composition-root',
      severity: 'error',
      comment: 'Platform never imports the composition root (src/app.ts, src/services.ts).',
      from: { path: '^src/platform/', pathNot: testFile },
      to: { path: compositionRoot },
    },
    {
      name: 'capability-imports-no-composition-root',
      severity: 'error',
      comment:
        'A capability is handed what it needs by the composition root and never imports it ' +
        '(src/app.ts, src/services.ts).',
      from: { path: capability, pathNot: testFile },
      to: { path: compositionRoot },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
  },
}
