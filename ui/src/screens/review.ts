// Review: the learner's own past mistakes, spaced by FSRS. Each card shows a wrong sentence
// the learner wrote; they fix it, the tutor grades it and schedules the next review.

import { api } from "../api";
import type { DueCard } from "../bindings/DueCard";
import { formatDate, h, renderDiff } from "../dom";
import { clearError, showError } from "../errors";
import { lang, t } from "../i18n";
import { errorTypeName } from "../labels";

export function reviewScreen(root: HTMLElement): void {
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
    const answer = h("textarea", { id: "review-answer", rows: 2, maxlength: 1000, "aria-label": s.yourFix });
    answer.value = card.text;
    const check = h("button", { type: "submit", id: "review-check", text: s.check });
    const feedback = h("p", { id: "review-feedback", role: "status" });
    const next = h("button", { type: "button", id: "review-next", class: "secondary", text: s.next, hidden: true });
    const form = h("form", { class: "panel" },
      h("p", { class: "muted", text: s.progress(i + 1, cards.length) }),
      h("p", {}, h("strong", { text: `${s.fixThis}: ` }), h("span", { id: "review-sentence", text: card.text })),
      h("p", {}, `${s.hints}: `, ...[...new Set(card.error_types)].map((e) => h("span", { class: "tag", text: errorTypeName(e) }))),
      h("label", { for: "review-answer", text: s.yourFix }),
      answer,
      h("div", { class: "actions" }, check, next),
      feedback);
    body.replaceChildren(form);
    answer.focus();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      check.disabled = true;
      try {
        const f = await api.reviewAnswer(card.attempt_id, answer.value);
        const when = formatDate(f.next_due_at, lang());
        feedback.className = f.grade === "again" ? "feedback wrong" : "feedback right";
        feedback.textContent =
          f.grade === "good" ? s.good(when) : f.grade === "hard" ? s.hard(f.expected, when) : s.again(f.expected, when);
        if (f.diff.length) {
          // Where the answer still differs from the saved correction, as the practice diff.
          feedback.append(h("span", { class: "diff answer-diff", id: "review-diff" }, " ", renderDiff(answer.value.trim(), f.diff)));
        }
        done += 1;
        if (f.grade !== "again") right += 1;
        nextDue = nextDue === null ? f.next_due_at : Math.min(nextDue, f.next_due_at);
        check.hidden = true;
        next.hidden = false;
        next.focus();
      } catch (e) {
        check.disabled = false;
        showError(e);
      }
    });
    next.addEventListener("click", () => show(cards, i + 1));
  };
}
