// The API's semantic version is the package version (CP-177): one number in package.json for
// the release, the OpenAPI document's info.version and the Waypoint-API-Version header.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export function readApiVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../package.json'), 'utf8'))
  return String(pkg.version)
}
