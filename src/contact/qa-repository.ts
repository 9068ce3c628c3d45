// The only code that touches quality assurance's tables (migration 1251): the force's scorecard
// and questions, the reviews sampling chooses, their answers and the handler's response.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import { handledIn } from './teams.ts'

export const qaReasons = ['sample', 'complaint', 'low-rating'] as const
export type QaReason = (typeof qaReasons)[number]
export const qaAnswers = ['yes', 'no', 'na'] as const
export type QaAnswer = (typeof qaAnswers)[number]
export type QaStatus = 'to-score' | 'scored' | 'acknowledged' | 'disputed'

export interface ScorecardRow {
  name: string
  samplePercent: number
  lowRatingMax: number
  complaintLabelId: string | null
  updatedAt: Date
}

export interface QuestionRow {
  id: string
  text: string
  weight: number
  failAll: boolean
  position: number
}

export interface ReviewRow {
  id: string
  itemId: string
  handlerId: string
  handlerName: string | null
  reason: QaReason
  weekStarting: string
  selectedAt: Date
  status: QaStatus
  reviewerId: string | null
  reviewerName: string | null
  scoredAt: Date | null
  score: number | null
  failed: boolean | null
  comment: string | null
  response: string | null
  respondedAt: Date | null
  channel: string
  closedAt: Date | null
  outcome: string | null
}

export interface AnswerRow {
  questionId: string
  text: string
  weight: number
  failAll: boolean
  answer: QaAnswer
}

export interface TranscriptRow {
  id: string
  direction: 'inbound' | 'outbound'
  channel: string
  author: string | null
  body: string
  sentAt: Date
}

export interface QaReportRow {
  weekStarting: string
  handlerId: string | null
  handlerName: string | null
  reviews: number
  scored: number
  averageScore: number | null
  failed: number
  disputed: number
}

const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string))
const dated = <T extends object>(row: T): T => {
  const fields = row as Record<string, unknown>
  for (const key of Object.keys(fields)) if (key.endsWith('At')) fields[key] = toDate(fields[key])
  return row
}

const reviewColumns = sql`r.id, r.item_id as "itemId", r.handler_id as "handlerId", h.display_name as "handlerName",
  r.reason, to_char(r.week_starting, 'YYYY-MM-DD') as "weekStarting", r.selected_at as "selectedAt", r.status,
  r.reviewer_id as "reviewerId", v.display_name as "reviewerName", r.scored_at as "scoredAt", r.score,
  r.failed, r.comment, r.response, r.responded_at as "respondedAt", i.channel, i.closed_at as "closedAt",
  i.outcome`
const reviewFrom = sql`contact_qa_reviews r join contact_items i on i.id = r.item_id
  left join contact_agents h on h.force_id = r.force_id and h.staff_id = r.handler_id
  left join contact_agents v on v.force_id = r.force_id and v.staff_id = r.reviewer_id`

export class QaRepository {
  async scorecard(tx: Tx): Promise<ScorecardRow | undefined> {
    const [row] = await rows<ScorecardRow>(
      tx,
      sql`select name, sample_percent as "samplePercent", low_rating_max as "lowRatingMax",
            complaint_label_id as "complaintLabelId", updated_at as "updatedAt" from contact_qa_scorecards`,
    )
    return row ? dated(row) : undefined
  }

  async saveScorecard(
    tx: Tx,
    forceId: string,
    s: { name: string; samplePercent: number; lowRatingMax: number; complaintLabelId: string | null },
    by: string,
    at: Date,
  ): Promise<void> {
    await tx.execute(
      sql`insert into contact_qa_scorecards (force_id, name, sample_percent, low_rating_max, complaint_label_id,
            updated_by, updated_at)
          values (${forceId}, ${s.name}, ${s.samplePercent}, ${s.lowRatingMax}, ${s.complaintLabelId}, ${by}, ${at})
          on conflict (force_id) do update set name = excluded.name, sample_percent = excluded.sample_percent,
            low_rating_max = excluded.low_rating_max, complaint_label_id = excluded.complaint_label_id,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    )
  }

  async labelExists(tx: Tx, id: string): Promise<boolean> {
    return (await rows(tx, sql`select 1 from contact_labels where id = ${id}`)).length === 1
  }

  questions(tx: Tx): Promise<QuestionRow[]> {
    return rows<QuestionRow>(
      tx,
      sql`select id, text, weight, fail_all as "failAll", position from contact_qa_questions
          where removed_at is null order by position, id`,
    )
  }

  async addQuestion(
    tx: Tx,
    forceId: string,
    q: { text: string; weight: number; failAll: boolean },
    at: Date,
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_qa_questions (force_id, text, weight, fail_all, position, created_at)
          values (${forceId}, ${q.text}, ${q.weight}, ${q.failAll},
            (select coalesce(max(position), 0) + 1 from contact_qa_questions), ${at})
          returning id`,
    )
    return row!.id
  }

  async removeQuestion(tx: Tx, id: string, at: Date): Promise<{ text: string } | undefined> {
    const [row] = await rows<{ text: string }>(
      tx,
      sql`update contact_qa_questions set removed_at = ${at} where id = ${id} and removed_at is null
          returning text`,
    )
    return row
  }

  /**
   * Chooses a week's contacts for review, each once: every contact closed in [from, to) with the
   * complaint label or a chat survey rating at or below `lowRatingMax`, then for each handler
   * enough of their other closed contacts (in a stable random order) that the week's sample is
   * `samplePercent` of what they closed, rounded up. Returns how many were chosen for each reason.
   */
  async sample(
    tx: Tx,
    forceId: string,
    week: { starting: string; from: Date; to: Date },
    card: ScorecardRow,
    at: Date,
  ): Promise<{ reason: QaReason; n: number }[]> {
    const closed = sql`select i.id, i.assigned_to as handler, i.conversation_id, i.enqueued_at, i.closed_at
      from contact_items i
      where i.status = 'closed' and i.closed_at >= ${week.from} and i.closed_at < ${week.to}
        and i.assigned_to is not null`
    const chosen: { reason: QaReason }[] = []
    if (card.complaintLabelId)
      chosen.push(
        ...(await rows<{ reason: QaReason }>(
          tx,
          sql`insert into contact_qa_reviews (force_id, item_id, handler_id, reason, week_starting, selected_at)
              select ${forceId}, c.id, c.handler, 'complaint', ${week.starting}::date, ${at}
              from (${closed}) c
              where exists (select 1 from contact_item_labels l
                where l.item_id = c.id and l.label_id = ${card.complaintLabelId})
              on conflict (item_id) do nothing
              returning reason`,
        )),
      )
    if (card.lowRatingMax > 0)
      chosen.push(
        ...(await rows<{ reason: QaReason }>(
          tx,
          sql`insert into contact_qa_reviews (force_id, item_id, handler_id, reason, week_starting, selected_at)
              select ${forceId}, c.id, c.handler, 'low-rating', ${week.starting}::date, ${at}
              from (${closed}) c
              where exists (select 1 from contact_chats ch join contact_chat_surveys s on s.chat_id = ch.id
                where ch.conversation_id = c.conversation_id and s.rating <= ${card.lowRatingMax}
                  and ch.started_at <= c.closed_at and coalesce(ch.ended_at, c.closed_at) >= c.enqueued_at)
              on conflict (item_id) do nothing
              returning reason`,
        )),
      )
    if (card.samplePercent > 0)
      chosen.push(
        ...(await rows<{ reason: QaReason }>(
          tx,
          sql`with closed as (${closed}),
            targets as (
              select handler, ceil(count(*) * ${card.samplePercent}::numeric / 100)::int as target
              from closed group by handler),
            have as (
              select handler_id as handler, count(*)::int as n from contact_qa_reviews
              where reason = 'sample' and week_starting = ${week.starting}::date group by handler_id),
            pool as (
              select c.id, c.handler,
                row_number() over (partition by c.handler order by md5(c.id::text || ${week.starting})) as n
              from closed c where not exists (select 1 from contact_qa_reviews r where r.item_id = c.id))
          insert into contact_qa_reviews (force_id, item_id, handler_id, reason, week_starting, selected_at)
          select ${forceId}, p.id, p.handler, 'sample', ${week.starting}::date, ${at}
          from pool p join targets t on t.handler = p.handler left join have h on h.handler = p.handler
          where p.n <= t.target - coalesce(h.n, 0)
          on conflict (item_id) do nothing
          returning reason`,
        )),
      )
    return qaReasons
      .map((reason) => ({ reason, n: chosen.filter((c) => c.reason === reason).length }))
      .filter((c) => c.n > 0)
  }

  async review(tx: Tx, id: string): Promise<ReviewRow | undefined> {
    const [row] = await rows<ReviewRow>(
      tx,
      sql`select ${reviewColumns} from ${reviewFrom} where r.id = ${id}`,
    )
    return row ? dated(row) : undefined
  }

  /** Reviews, newest chosen first; of one handler only (their own page) or all. */
  async reviews(
    tx: Tx,
    filter: { handlerId?: string; teamId?: string | null; status?: readonly QaStatus[]; limit: number },
  ): Promise<ReviewRow[]> {
    // A team's reviews are of the contacts handled in it, by a handler while in the team.
    const where = [handledIn(sql`i.team_id`, filter.teamId)]
    if (filter.handlerId) where.push(sql`r.handler_id = ${filter.handlerId}`)
    if (filter.status)
      where.push(
        sql`r.status in (${sql.join(
          filter.status.map((s) => sql`${s}`),
          sql`, `,
        )})`,
      )
    return (
      await rows<ReviewRow>(
        tx,
        sql`select ${reviewColumns} from ${reviewFrom} where ${sql.join(where, sql` and `)}
            order by r.selected_at desc, r.id limit ${filter.limit}`,
      )
    ).map(dated)
  }

  answers(tx: Tx, reviewId: string): Promise<AnswerRow[]> {
    return rows<AnswerRow>(
      tx,
      sql`select question_id as "questionId", text, weight, fail_all as "failAll", answer
          from contact_qa_answers where review_id = ${reviewId} order by position, question_id`,
    )
  }

  /** Records the answers and score of a review still to be scored; false if it no longer is. */
  async score(
    tx: Tx,
    forceId: string,
    id: string,
    s: {
      answers: (QuestionRow & { answer: QaAnswer })[]
      score: number
      failed: boolean
      comment: string | null
      reviewerId: string
      at: Date
    },
  ): Promise<boolean> {
    const done = await rows(
      tx,
      sql`update contact_qa_reviews set status = 'scored', reviewer_id = ${s.reviewerId}, scored_at = ${s.at},
            score = ${s.score}, failed = ${s.failed}, comment = ${s.comment}
          where id = ${id} and status = 'to-score' and handler_id <> ${s.reviewerId} returning id`,
    )
    if (done.length !== 1) return false
    for (const a of s.answers)
      await tx.execute(
        sql`insert into contact_qa_answers (review_id, force_id, question_id, position, text, weight, fail_all, answer)
            values (${id}, ${forceId}, ${a.id}, ${a.position}, ${a.text}, ${a.weight}, ${a.failAll}, ${a.answer})`,
      )
    return true
  }

  /** The handler's acknowledgement or dispute of their scored review; false if not theirs or not scored. */
  async respond(
    tx: Tx,
    id: string,
    handlerId: string,
    status: 'acknowledged' | 'disputed',
    response: string | null,
    at: Date,
  ): Promise<boolean> {
    const done = await rows(
      tx,
      sql`update contact_qa_reviews set status = ${status}, response = ${response}, responded_at = ${at}
          where id = ${id} and handler_id = ${handlerId} and status = 'scored' returning id`,
    )
    return done.length === 1
  }

  /**
   * The messages of the contact's spell of its conversation: from the close of the conversation's
   * contact before it (if any) up to its own close. Recalled messages are left out.
   */
  async transcript(tx: Tx, itemId: string): Promise<TranscriptRow[]> {
    return (
      await rows<TranscriptRow>(
        tx,
        sql`select m.id, m.direction, m.channel, pa.display_name as author, m.body, m.sent_at as "sentAt"
            from contact_items i
            join conversation_messages m on m.conversation_id = i.conversation_id
            left join conversation_participants pa on pa.id = m.participant_id
            where i.id = ${itemId} and m.recalled_at is null
              and m.sent_at <= coalesce(i.closed_at, 'infinity'::timestamptz)
              and m.sent_at > coalesce((select max(p.closed_at) from contact_items p
                where p.conversation_id = i.conversation_id and p.id <> i.id and p.closed_at <= i.enqueued_at),
                '-infinity'::timestamptz)
            order by m.sent_at, m.created_at, m.direction = 'outbound', m.id
            limit 500`,
      )
    ).map(dated)
  }

  /**
   * Per UK week and handler, and per week for all handlers, from `from` (a Monday); with a team,
   * of the contacts handled in it (a handler who moved is in each team's report for their time in it).
   */
  async report(tx: Tx, from: string, teamId?: string | null): Promise<QaReportRow[]> {
    return rows<QaReportRow>(
      tx,
      sql`select to_char(r.week_starting, 'YYYY-MM-DD') as "weekStarting", r.handler_id as "handlerId",
            max(h.display_name) as "handlerName", count(*)::int as reviews,
            (count(*) filter (where r.scored_at is not null))::int as scored,
            round(avg(r.score), 1)::float as "averageScore",
            (count(*) filter (where r.failed))::int as failed,
            (count(*) filter (where r.status = 'disputed'))::int as disputed
          from contact_qa_reviews r
          left join contact_agents h on h.force_id = r.force_id and h.staff_id = r.handler_id
          where r.week_starting >= ${from}::date
            and ${teamId ? sql`exists (select 1 from contact_items i where i.id = r.item_id and ${handledIn(sql`i.team_id`, teamId)})` : sql`true`}
          group by grouping sets ((r.week_starting, r.handler_id), (r.week_starting))
          order by r.week_starting desc, r.handler_id is null, max(h.display_name), r.handler_id`,
    )
  }
}

/** Each quality review, for Power BI (the OData set `QualityReviews`). */
export function qualityReviewFacts() {
  return sql`
    select r.id::text as "Id", r.force_id as "Force", r.item_id::text as "ContactId", i.channel as "Channel",
      r.handler_id::text as "HandlerId", h.display_name as "Handler", r.reason as "Reason",
      to_char(r.week_starting, 'YYYY-MM-DD') as "WeekStarting", r.status as "Status", r.scored_at as "ScoredAt",
      to_char(r.scored_at at time zone 'Europe/London', 'YYYY-MM-DD') as "ScoredDate",
      r.score::int as "Score", r.failed as "Failed", (r.status = 'disputed') as "Disputed"
    from contact_qa_reviews r join contact_items i on i.id = r.item_id
    left join contact_agents h on h.force_id = r.force_id and h.staff_id = r.handler_id`
}
