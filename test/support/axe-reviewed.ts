// Items axe marks "needs review" (it cannot decide them by itself) that a person has looked at
// and judged to meet WCAG 2.2 AA. The browser tests fail on any other needs-review item, so a new
// one is looked at before it reaches a user. Each entry says what was reviewed and why it passes;
// keep the list short and specific (a rule and where it applies), never a whole rule everywhere.

export interface ReviewNode {
  target: string
  reason: string
  within: 'scroll-pane' | 'timeline' | ''
}

export interface ReviewedItem {
  /** axe rule id. */
  rule: string
  /** Which of the rule's elements it covers: where the element sits. */
  applies(node: ReviewNode): boolean
  /** What a person checked, and why it meets the criterion. */
  reason: string
}

export const reviewedNeedsReview: ReviewedItem[] = [
  {
    rule: 'color-contrast',
    applies: (node) => node.within === 'scroll-pane',
    reason:
      'At 320 px a wide table scrolls inside its own pane, so columns past the pane’s edge are ' +
      'out of view and axe cannot sample their background. Reviewed: the cells are GOV.UK table ' +
      'text and links (#0b0c0c and #1d70b8 on white, 19.7:1 and 5.2:1), the same as the ' +
      'columns in view, which axe checks and passes; scrolling the pane shows them unchanged.',
  },
  {
    rule: 'color-contrast',
    applies: (node) => node.within === 'timeline',
    reason:
      'The MoJ timeline draws its line and dots with pseudo-elements beside the text, which axe ' +
      'cannot see past. Reviewed: headings, bylines, dates and descriptions are MoJ Frontend ' +
      'text (#0b0c0c and #505a5f on white, 19.7:1 and 7:1); the line never runs under the text.',
  },
  {
    rule: 'color-contrast',
    applies: (node) => node.target.endsWith('.govuk-pagination__item--ellipsis') && node.reason === 'nonBmp',
    reason:
      'GOV.UK pagination shows skipped pages as "⋯", a symbol axe will not measure. Reviewed: it ' +
      'is GOV.UK Frontend’s bold secondary text (#484949 on white, 9:1), and it is not a link.',
  },
]

/** The needs-review items on a page that nobody has reviewed yet. */
export function unreviewed(
  items: { id: string; help: string; nodes: ReviewNode[] }[],
): { id: string; help: string; target: string; reason: string }[] {
  return items.flatMap((item) =>
    item.nodes
      .filter((node) => !reviewedNeedsReview.some((r) => r.rule === item.id && r.applies(node)))
      .map((node) => ({ id: item.id, help: item.help, target: node.target, reason: node.reason })),
  )
}
