-- Quality assurance of contacts (CRM-23, decision 0038): a force's scorecard (questions with
-- weights, some failing the whole review when not met), contacts chosen for review by themselves
-- each week (a share of each handler's closed contacts, and every one with the force's complaint
-- label or a low chat survey rating), a reviewer's answers and score, and the handler's
-- acknowledgement or dispute. An answer keeps the question as it was asked, so a scorecard
-- changed later leaves past reviews as they were scored.
create table contact_qa_scorecards (
  force_id text primary key references forces(id),
  name text not null check (length(name) between 1 and 100),
  -- The share of each handler's closed contacts chosen each week (UK weeks from Monday).
  sample_percent smallint not null check (sample_percent between 0 and 100),
  -- Every contact whose chat survey rated it this or lower (5 very satisfied … 1); 0 = none.
  low_rating_max smallint not null check (low_rating_max between 0 and 5),
  -- Every contact carrying this label (the force's complaints).
  complaint_label_id uuid references contact_labels(id) on delete set null,
  updated_by uuid,
  updated_at timestamptz not null
);
select waypoint_grant_app('contact_qa_scorecards', 'select, insert, update');
select waypoint_enable_tenancy('contact_qa_scorecards');

create table contact_qa_questions (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  text text not null check (length(text) between 1 and 200),
  weight smallint not null check (weight between 1 and 100),
  -- Not met, the whole review scores 0 (compliance: THRIVE assessed, caller verified).
  fail_all boolean not null default false,
  position integer not null,
  created_at timestamptz not null,
  removed_at timestamptz
);
create index contact_qa_questions_force on contact_qa_questions (force_id, position) where removed_at is null;
select waypoint_grant_app('contact_qa_questions', 'select, insert, update');
select waypoint_enable_tenancy('contact_qa_questions');

create table contact_qa_reviews (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  -- The handler who closed the contact.
  handler_id uuid not null,
  reason text not null check (reason in ('sample', 'complaint', 'low-rating')),
  week_starting date not null,
  selected_at timestamptz not null,
  status text not null default 'to-score' check (status in ('to-score', 'scored', 'acknowledged', 'disputed')),
  reviewer_id uuid,
  scored_at timestamptz,
  score smallint check (score between 0 and 100),
  failed boolean,
  comment text check (length(comment) <= 2000),
  response text check (length(response) <= 1000),
  responded_at timestamptz,
  -- Nobody scores their own contact.
  check (reviewer_id is null or reviewer_id <> handler_id),
  check ((status = 'to-score') = (scored_at is null)),
  check ((scored_at is null) = (score is null))
);
create unique index contact_qa_reviews_item on contact_qa_reviews (item_id);
create index contact_qa_reviews_handler on contact_qa_reviews (force_id, handler_id, week_starting);
create index contact_qa_reviews_status on contact_qa_reviews (force_id, status, selected_at);
create index contact_qa_reviews_week on contact_qa_reviews (force_id, week_starting);
select waypoint_grant_app('contact_qa_reviews', 'select, insert, update');
select waypoint_enable_tenancy('contact_qa_reviews');

create table contact_qa_answers (
  review_id uuid not null references contact_qa_reviews(id) on delete cascade,
  force_id text not null references forces(id),
  question_id uuid not null references contact_qa_questions(id),
  position integer not null,
  text text not null check (length(text) between 1 and 200),
  weight smallint not null,
  fail_all boolean not null,
  answer text not null check (answer in ('yes', 'no', 'na')),
  primary key (review_id, question_id)
);
select waypoint_grant_app('contact_qa_answers', 'select, insert');
select waypoint_enable_tenancy('contact_qa_answers');

-- Sampling reads a week of closed contacts by when they closed (contact_items_closed covers it)
-- and a conversation's chats (contact_chats_conversation).
