// The Portal's sandbox force (CP-165, CP-180): with PORTAL_SANDBOX=on, a force `sandbox` is added
// beside the region's seven when Waypoint starts, holding generated test data only (seeded by
// src/portal/sandbox.ts). Forces are the tenancy itself and only the owner may add one, so this
// runs with the migrations, as they do, before anything else reads the forces.
import type { Database } from '../db/database.ts'

export const SANDBOX_FORCE_ID = 'sandbox'

export async function provisionSandboxForce(db: Database): Promise<void> {
  await db.execAsOwner(`insert into forces (id, name, short_name, products, branding)
    values ('${SANDBOX_FORCE_ID}', 'Sandbox Constabulary (test data)', 'Sandbox', '{portal}',
      '{"primaryColour": "#4c2c92", "logoText": "Sandbox Constabulary"}')
    on conflict (id) do nothing`)
}
