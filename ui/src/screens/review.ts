// Review: the learner's own past mistakes, spaced by FSRS. Each card shows a wrong sentence
// the learner wrote; they fix it, the tutor grades it and schedules the next review.

import { api } from "../api";
import type { DueCard } from "../bindings/DueCard";
import { formatDate, h } from "../dom";
import { fixForm, verdictLine } from "../fixform";
import { clearError, showError } from "../errors";
import { lang, t } from "../i18n";
import { errorTypeName } from "../labels";
import { drillScreen, takePendingDrill } from "./drill";

export function reviewScreen(root: HTMLElement): void {
  const drill = takePendingDrill();
  if (drill) {
    drillScreen(root, drill);
    return;
  }
  const s = t().review;
  const body = h("div", { id: "review-body", "aria-live": "polite" }, h("p", { class: "muted", text: "…" }));
  root.replaceChildren(h("h2", { text: s.title }), h("p", { class: "muted", text: s.intro }), body);
  let done = 0;
  let right = 0;
  let nextDue: number | null = null;
  api.reviewDue(20).then(
    (cards) => show(cards, 0),
    (e) => showError(e),
  );

  const show = (cards: DueCard[], i: number) => {
    clearError();
    const card = cards[i];
    if (!card) {
      const summary = done && nextDue !== null ? ` ${s.summary(right, done - right, formatDate(nextDue, lang()))}` : "";
      body.replaceChildren(h("p", { id: "review-done", class: "panel", text: done ? s.finished(done) + summary : s.nothingDue }));
      return;
    }
    const form = fixForm("review", s, card.text,
      h("p", { class: "muted", text: s.progress(i + 1, cards.length) }),
      h("p", {}, `${s.hints}: `, ...[...new Set(card.error_types)].map((e) => h("span", { class: "tag", text: errorTypeName(e) }))),
      async (answer, feedback) => {
        const f = await api.reviewAnswer(card.attempt_id, answer);
        const when = formatDate(f.next_due_at, lang());
        const text = f.grade === "good" ? s.good(when) : f.grade === "hard" ? s.hard(f.expected, when) : s.again(f.expected, when);
        feedback.replaceChildren(verdictLine(f.grade !== "again", text, answer, f.diff, "review-diff"));
        done += 1;
        if (f.grade !== "again") right += 1;
        nextDue = nextDue === null ? f.next_due_at : Math.min(nextDue, f.next_due_at);
      },
      () => show(cards, i + 1));
    body.replaceChildren(form);
  };
}
