-- System administrators create and revoke sharing agreements through the console (UJ-5, CP-5,
-- CRM-5). Only the region-wide role writes them; the application role keeps read-only access,
-- so no force can grant itself another force's records.
grant insert, update on sharing_agreements to waypoint_system;
