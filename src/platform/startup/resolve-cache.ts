// A cache in front of Node's module resolution, installed by `src/main.ts` before it loads
// Waypoint and preloaded into test processes (`--import ./test/support/resolve-cache.ts`).
// Node parses a package's whole package.json each time it resolves a bare specifier
// ('drizzle-orm/pg-core' from each of our files) and each time it decides the format of a file
// inside a package (every relative import between drizzle-orm's files re-reads its 179 KB
// `exports` map): about 2 s of CPU in every process, half the cost of importing src/app.ts.
// The answers cannot differ within one process, so each is computed once:
// - a bare specifier imported from our own code (outside node_modules) resolves the same from
//   every file, so it is kept by specifier, conditions and import attributes;
// - a relative `.js` import inside a package has the format of its folder's nearest
//   package.json, the same for every file in that folder, so it is kept by folder.
// Everything else goes to Node's resolver unchanged.
import { registerHooks } from 'node:module'

type Resolved = { url: string; format?: string | null }

const bare = new Map<string, Resolved>()
const folderFormats = new Map<string, string>()

function isBare(specifier: string): boolean {
  return !/^(\.{1,2}\/|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier) && !specifier.startsWith('#')
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL
    if (!parent?.startsWith('file:')) return nextResolve(specifier, context)
    const inPackage = parent.includes('/node_modules/')
    if (!inPackage && isBare(specifier)) {
      const key = `${specifier}\0${context.conditions.join(',')}\0${JSON.stringify(context.importAttributes)}`
      const known = bare.get(key)
      if (known) return { ...known, shortCircuit: true }
      const resolved = nextResolve(specifier, context)
      bare.set(key, { url: resolved.url, format: resolved.format })
      return resolved
    }
    if (inPackage && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
      const url = new URL(specifier, parent).href
      const folder = url.slice(0, url.lastIndexOf('/'))
      const format = folderFormats.get(folder)
      if (format) return { url, format, shortCircuit: true }
      const resolved = nextResolve(specifier, context)
      if (resolved.url === url && (resolved.format === 'module' || resolved.format === 'commonjs'))
        folderFormats.set(folder, resolved.format)
      return resolved
    }
    return nextResolve(specifier, context)
  },
})
