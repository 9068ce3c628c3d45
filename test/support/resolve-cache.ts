// Preloaded into test processes (`node --import ./test/support/resolve-cache.ts --test …`): the
// module resolution cache that `src/main.ts` installs in Waypoint's own processes
// (src/platform/startup/resolve-cache.ts says what it caches and why).
import '../../src/platform/startup/resolve-cache.ts'
