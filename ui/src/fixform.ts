// The card both Review and drills show: a sentence to fix, the answer box filled with it,
// Check, then Next, and the feedback. One form, so both grade, announce and move on alike.

import { h, renderDiff } from "./dom";
import { showError } from "./errors";
import type { Edit } from "./bindings/Edit";

export interface FixFormTexts {
  fixThis: string;
  yourFix: string;
  check: string;
  next: string;
}

/**
 * The form for `sentence`, its ids prefixed with `prefix` (`review-answer`, `drill-check`…).
 * `header` goes above the sentence and `extra` below it. Check calls `grade` with the answer
 * and the feedback box; once it resolves, Next replaces Check and takes the focus. A failed
 * `grade` shows its error and leaves Check to try again.
 */
export function fixForm(
  prefix: string,
  s: FixFormTexts,
  sentence: string,
  header: Node,
  extra: Node | null,
  grade: (answer: string, feedback: HTMLElement) => Promise<void>,
  onNext: () => void,
): HTMLFormElement {
  const answer = h("textarea", { id: `${prefix}-answer`, rows: 2, maxlength: 1000, "aria-label": s.yourFix });
  answer.value = sentence;
  const check = h("button", { type: "submit", id: `${prefix}-check`, text: s.check });
  const feedback = h("div", { id: `${prefix}-feedback`, role: "status" });
  const next = h("button", { type: "button", id: `${prefix}-next`, class: "secondary", text: s.next, hidden: true });
  const form = h("form", { class: "panel" },
    header,
    h("p", {}, h("strong", { text: `${s.fixThis}: ` }), h("span", { id: `${prefix}-sentence`, text: sentence })),
    extra ?? "",
    h("label", { for: `${prefix}-answer`, text: s.yourFix }),
    answer,
    h("div", { class: "actions" }, check, next),
    feedback);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    check.disabled = true;
    try {
      await grade(answer.value, feedback);
      check.hidden = true;
      next.hidden = false;
      next.focus();
    } catch (e) {
      check.disabled = false;
      showError(e);
    }
  });
  next.addEventListener("click", onNext);
  queueMicrotask(() => answer.focus());
  return form;
}

/** The verdict line, with where the answer still differs from the expected sentence. */
export function verdictLine(right: boolean, text: string, answer: string, diff: Edit[], diffId: string): HTMLElement {
  const line = h("p", { class: right ? "feedback right" : "feedback wrong", text });
  if (diff.length) {
    // Where the answer still differs from the correction, as the practice diff.
    line.append(h("span", { class: "diff answer-diff", id: diffId }, " ", renderDiff(answer.trim(), diff)));
  }
  return line;
}
