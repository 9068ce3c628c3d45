#!/usr/bin/env node
// The entry of every Waypoint process (`waypoint all|web|worker|…`, src/cli.ts). Before loading
// Waypoint it turns on two start-up caches, which roughly halve the CPU a process spends before
// it serves (a restarted worker, a new web process):
// - module resolution answered from a cache (src/platform/startup/resolve-cache.ts), about 2 s;
// - V8's compile cache, which keeps compiled code and stripped TypeScript on disk between runs
//   (in the system's temporary folder, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns
//   it off). A folder it cannot write only costs the saving.
import { enableCompileCache, flushCompileCache } from 'node:module'
import './platform/startup/resolve-cache.ts'

enableCompileCache()
await import('./cli.ts')
// Written now, with everything the command imports at its start, not only at a clean exit: a
// worker killed with SIGKILL (or a crash) would otherwise leave the next start to compile it all
// again.
flushCompileCache()
