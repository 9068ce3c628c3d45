// A year of one force, loaded set-based into a migrated PostgreSQL database (generate_series,
// not the app): crimes, their victims and enrolments with Victims' Code deadlines, and five
// messages each with the statuses and times a year leaves. bench/reports.ts times the reports on
// it; bench/console.ts adds incidents, receipts and a year's audit trail (loadConsoleYear).
import type pg from 'pg'

export async function sizes(client: pg.Client): Promise<string> {
  const { rows } = await client.query(`select
    (select count(*) from crimes)::int as crimes, (select count(*) from enrolments)::int as enrolments,
    (select count(*) from enrolment_steps)::int as steps, (select count(*) from messages)::int as messages`)
  const r = rows[0]
  return `${r.crimes} crimes, ${r.enrolments} enrolments, ${r.steps} journey steps, ${r.messages} messages`
}

/**
 * A year of one force, set-based. Crimes are recorded evenly over the last 365 days (so about
 * 450 a day, 20,000 deadlines in the default period); each has one victim and one enrolment
 * (10% enhanced rights: deadline 1 day, otherwise 5), and one in twenty also an incident's
 * enrolment merged into it. Each enrolment wrote five messages a few days apart: those due
 * are delivered, sent, failed, held back or cancelled in realistic shares; the first is handed
 * over within hours (a few after the deadline); those still ahead are scheduled. Ids are derived
 * from the row number so rows refer to each other without joins.
 */
export async function load(client: pg.Client, force: string, crimes: number): Promise<void> {
  const n = crimes
  await client.query(`
    set synchronous_commit = off;
    insert into journeys (id, force_id, key, name, kind, draft, published_version)
      values (md5('journey-standard')::uuid, '${force}', 'bench-standard', 'Standard', 'standard', '{}', 1),
             (md5('journey-enhanced')::uuid, '${force}', 'bench-enhanced', 'Enhanced', 'enhanced', '{}', 1);
    insert into journey_versions (id, force_id, journey_id, version, definition, published_at)
      select md5(k || '-v1')::uuid, '${force}', md5(k)::uuid, 1, '{}', now() - interval '400 days'
      from unnest(array['journey-standard', 'journey-enhanced']) k;

    create temporary table bench_crime as
      select g as n,
        md5('crime-' || g)::uuid as crime_id, md5('person-' || g)::uuid as person_id,
        md5('enrolment-' || g)::uuid as enrolment_id,
        now() - interval '365 days' + (g * interval '365 days' / ${n}) as recorded_at,
        (g % 10 = 0) as enhanced
      from generate_series(1, ${n}) g;

    insert into people (id, force_id, display_name, created_at, updated_at)
      select person_id, '${force}', 'Victim ' || n, recorded_at, recorded_at from bench_crime;
    insert into crimes (id, force_id, crime_ref, crime_type, status, vcop_category, recorded_at,
        occurrence_id, created_at, updated_at)
      select crime_id, '${force}', 'KT/' || lpad(n::text, 6, '0') || '/26',
        (array['Burglary', 'Theft', 'Assault', 'Criminal damage', 'Fraud', 'Stalking'])[1 + n % 6],
        case when recorded_at < now() - interval '60 days' then 'closed' else 'open' end,
        case when enhanced then 'enhanced' else 'standard' end, recorded_at, crime_id, recorded_at, recorded_at
      from bench_crime;

    insert into enrolments (id, force_id, journey_id, version_id, case_id, crime_id, person_id, status,
        step_index, vcop_due_at, enrolled_at, updated_at, occurrence_id)
      select enrolment_id, '${force}',
        md5(case when enhanced then 'journey-enhanced' else 'journey-standard' end)::uuid,
        md5(case when enhanced then 'journey-enhanced-v1' else 'journey-standard-v1' end)::uuid,
        crime_id, crime_id, person_id,
        case when recorded_at < now() - interval '30 days' then 'completed' else 'active' end, 0,
        recorded_at + case when enhanced then interval '1 day' else interval '5 days' end,
        recorded_at, recorded_at, crime_id
      from bench_crime;
    -- The incident's journey, started before the crime was raised, merged into the crime's.
    insert into enrolments (id, force_id, journey_id, version_id, case_id, incident_id, person_id, status,
        step_index, vcop_due_at, enrolled_at, updated_at, occurrence_id, merged_into, end_reason)
      select md5('incident-enrolment-' || n)::uuid, '${force}', md5('journey-standard')::uuid,
        md5('journey-standard-v1')::uuid, md5('incident-' || n)::uuid, md5('incident-' || n)::uuid,
        person_id, 'cancelled', 0, recorded_at + interval '5 days', recorded_at - interval '2 hours',
        recorded_at, crime_id, enrolment_id, 'the same journey already runs for this person on this occurrence'
      from bench_crime where n % 20 = 0;

    create temporary table bench_message as
      select c.n, k, c.crime_id, c.person_id, c.enrolment_id, c.enhanced,
        md5('message-' || c.n || '-' || k)::uuid as message_id,
        -- The first message within hours (1 in 25 after its deadline), the rest days apart.
        c.recorded_at + case when k = 1
          then case when c.n % 25 = 0 then interval '6 days' else (c.n % 180) * interval '1 minute' end
          else (k - 1) * interval '7 days' + (c.n % 600) * interval '1 minute' end as send_after,
        c.n % 100 as r
      from bench_crime c cross join generate_series(1, 5) k;

    insert into messages (id, force_id, reference, person_id, case_id, channel, provider, recipient,
        recipient_key, template_key, template_version, body, due_at, send_after, status, status_reason,
        provider_ref, attempts, last_error, sent_at, completed_at, created_at, updated_at)
      select message_id, '${force}', 'bench-' || n || '-' || k, person_id::text, crime_id::text,
        case when r < 85 then 'sms' else 'email' end, 'notify',
        case when r < 85 then '+447700' || lpad((n % 1000000)::text, 6, '0') else 'victim' || n || '@example.com' end,
        case when r < 85 then '+447700' || lpad((n % 1000000)::text, 6, '0') else 'victim' || n || '@example.com' end,
        'step-' || k, 1, case when status = 'suppressed' then '' else 'Message ' || k || ' about your crime' end,
        send_after, send_after, status,
        case status when 'suppressed' then 'The victim''s phone is not confirmed as safe to contact'
          when 'cancelled' then 'The case was closed' end,
        case when status in ('sent', 'delivered', 'permanent-failure', 'temporary-failure') then 'ref-' || n || '-' || k end,
        case when status = 'scheduled' then 0 else 1 end,
        case when status = 'technical-failure' then 'Notify answered 500' end,
        case when status in ('sent', 'delivered', 'permanent-failure', 'temporary-failure') then send_after + interval '4 seconds' end,
        case when status in ('delivered', 'permanent-failure', 'temporary-failure', 'technical-failure', 'cancelled', 'suppressed')
          then send_after + interval '40 seconds' end,
        send_after - interval '1 minute', send_after
      from (select m.*, case
          when m.send_after > now() then 'scheduled'
          when r < 78 then 'delivered'
          when r < 82 then 'sent'
          when r < 85 then 'permanent-failure'
          when r < 87 then 'temporary-failure'
          when r < 88 then 'technical-failure'
          when r < 94 then 'suppressed'
          else 'cancelled' end as status
        from bench_message m) m;

    insert into enrolment_steps (force_id, enrolment_id, step_index, outcome, template, channel,
        recipient_person_id, send_after, message_id, recorded_at)
      select '${force}', enrolment_id, k - 1, 'message', 'step-' || k, case when r < 85 then 'sms' else 'email' end,
        person_id, send_after, message_id, send_after - interval '1 minute'
      from bench_message order by enrolment_id, k;

    drop table bench_message;
    drop table bench_crime;
  `)
  // As a year-old database is: vacuumed (hint bits and visibility map set) and analysed.
  await client.query('vacuum analyze')
}

/**
 * What the console reads beyond the reports, for the same year: each crime's incident (raised
 * two hours before, the same occurrence) with the victim on both, the force's templates, every
 * message's history as receipts leave it, 200 members of staff, and a year's audit trail (five
 * events a crime: views of the crime, the person and a message, the enrolment, a case search;
 * and the journeys published, which keep only the publisher's id, as the app records them).
 */
export async function loadConsoleYear(client: pg.Client, force: string, crimes: number): Promise<void> {
  const n = crimes
  await client.query(`
    set synchronous_commit = off;
    create temporary table bench_crime as
      select g as n, md5('crime-' || g)::uuid as crime_id, md5('person-' || g)::uuid as person_id,
        md5('incident-' || g)::uuid as incident_id,
        now() - interval '365 days' + (g * interval '365 days' / ${n}) as recorded_at
      from generate_series(1, ${n}) g;
    insert into incidents (id, force_id, cad_ref, opened_at, closed_at, grading, incident_type, location,
        occurrence_id, created_at, updated_at)
      select incident_id, '${force}', 'KT-' || to_char(recorded_at, 'YYYYMMDD') || '-' || lpad(n::text, 6, '0'),
        recorded_at - interval '2 hours', recorded_at + interval '1 day',
        (array['Immediate', 'Prompt', 'Scheduled', 'Appointment'])[1 + n % 4], 'Crime report',
        n || ' High Street, Maidstone', crime_id, recorded_at - interval '2 hours', recorded_at
      from bench_crime;
    insert into crime_incidents (force_id, crime_id, incident_id, linked_at)
      select '${force}', crime_id, incident_id, recorded_at from bench_crime;
    insert into case_parties (force_id, person_id, crime_id, role, added_at)
      select '${force}', person_id, crime_id, 'victim', recorded_at from bench_crime;
    insert into case_parties (force_id, person_id, incident_id, role, added_at)
      select '${force}', person_id, incident_id, 'victim', recorded_at - interval '2 hours' from bench_crime;

    insert into staff_users (id, force_id, email, display_name, created_at)
      select md5('staff-' || g)::uuid, '${force}', 'officer' || g || '@kent.example.org', 'Officer ' || g,
        now() - interval '400 days'
      from generate_series(1, 200) g;
    insert into staff_users (id, force_id, email, display_name, created_at)
      values (md5('staff-designer')::uuid, '${force}', 'jo.designer@kent.example.org', 'Jo Designer',
        now() - interval '400 days');
    insert into message_templates (force_id, key, title, channel, language, version, subject, body, created_by, created_at)
      select '${force}', 'step-' || k, (array['Your crime reference', 'Your officer', 'An update on your case',
          'Support for victims', 'Your case is closing'])[k], c, 'en', 1,
        case when c = 'email' then 'An update from Kent Police' end, 'Message ' || k || ' about your crime',
        md5('staff-designer')::uuid, now() - interval '400 days'
      from generate_series(1, 5) k cross join unnest(array['sms', 'email']) c;

    -- Each message's history: written, handed over, and what its receipt said.
    insert into message_events (force_id, message_id, from_status, to_status, detail, at)
      select force_id, id, null, case when status in ('suppressed', 'cancelled') then status else 'scheduled' end,
        status_reason, created_at
      from messages where force_id = '${force}';
    insert into message_events (force_id, message_id, from_status, to_status, at)
      select force_id, id, 'sending', 'sent', sent_at from messages
      where force_id = '${force}' and sent_at is not null;
    insert into message_events (force_id, message_id, from_status, to_status, detail, at)
      select force_id, id, 'sent', status, last_error, completed_at from messages
      where force_id = '${force}' and sent_at is not null and completed_at is not null;

    create temporary table bench_audit as
      select c.n, k, c.recorded_at + k * interval '3 hours' as at, c.crime_id, c.person_id,
        md5('staff-' || (1 + (c.n * 7 + k) % 200))::uuid as actor
      from bench_crime c cross join generate_series(1, 5) k;
    insert into audit_events (chain, seq, force_id, occurred_at, actor_kind, actor_id, actor_name, action,
        record_type, record_id, detail, ip, correlation_id, prev_hash, hash)
      select '${force}', row_number() over (order by at, n, k), '${force}', at,
        case when k = 4 then 'system' else 'staff' end,
        case when k = 4 then null else actor::text end,
        case when k = 4 then 'Journeys' else 'Officer ' || (1 + (n * 7 + k) % 200) end,
        (array['crime.viewed', 'person.viewed', 'message.viewed', 'journey.enrolled', 'case.searched'])[k],
        (array['crime', 'person', 'message', 'journey', null])[k],
        case k when 1 then crime_id::text when 2 then person_id::text
          when 3 then md5('message-' || n || '-1')::uuid::text when 4 then md5('enrolment-' || n)::uuid::text end,
        case when k = 5 then jsonb_build_object('resultCount', 1) else '{}'::jsonb end,
        '10.0.' || (n % 250) || '.' || k, md5('correlation-' || n || '-' || k), 'bench', 'bench'
      from bench_audit;
    -- The journeys published over the year: the app keeps only the publisher's id.
    insert into audit_events (chain, seq, force_id, occurred_at, actor_kind, actor_id, actor_name, action,
        record_type, record_id, detail, ip, correlation_id, prev_hash, hash)
      select '${force}', ${n * 5} + v, '${force}', now() - interval '360 days' + v * interval '30 days', 'staff',
        md5('staff-designer')::text::uuid::text, null, 'journey.published', 'journey',
        md5(case when v % 2 = 0 then 'journey-standard' else 'journey-enhanced' end)::uuid::text,
        jsonb_build_object('version', v), '10.1.0.1', md5('published-' || v), 'bench', 'bench'
      from generate_series(1, 12) v;
    insert into audit_chains (chain, last_seq, last_hash) values ('${force}', ${n * 5 + 12}, 'bench')
      on conflict (chain) do update set last_seq = excluded.last_seq, last_hash = excluded.last_hash;
    drop table bench_audit;
    drop table bench_crime;
  `)
  await client.query('vacuum analyze')
}
