// The API's semantic version is the package version (CP-177): one number in package.json for
// the release, the OpenAPI document's info.version and the Waypoint-API-Version header. Earlier
// releases stay answerable: a client may be pinned to one of them (CP-179), so a faulty new
// version is rolled back for that client alone, without a redeploy. docs/api-changelog.md says
// what each version changed.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export function readApiVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../package.json'), 'utf8'))
  return String(pkg.version)
}

/** Every released version a client may be pinned to, oldest first; the last is the current one. */
export const releasedApiVersions = ['0.1.0', '0.2.0', '0.3.0'] as const

export function isReleasedApiVersion(value: string): boolean {
  return (releasedApiVersions as readonly string[]).includes(value)
}

/** Compares two Major.Minor.Patch versions: negative when a is older than b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}
