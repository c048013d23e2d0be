// Practice: type a sentence (or a paragraph), see hints while typing, "Kiểm tra" for the full
// analysis. A text of several sentences is split by the backend's sentence splitter and each
// sentence is checked on its own, shown as it finishes; the run can be cancelled.

import { api, ApiError, type Running } from "../api";
import type { AnalyzeResult } from "../bindings/AnalyzeResult";
import type { Practiced } from "../bindings/Practiced";
import type { Hint } from "../bindings/Hint";
import type { SentenceSpan } from "../bindings/SentenceSpan";
import { h, nodes, renderDiff, speakButton } from "../dom";
import { lang, t } from "../i18n";
import { LEVELS, errorTypeName } from "../labels";
import { showError, clearError } from "../errors";

/** One sentence of a paragraph run: its result, or why it has none (yet). */
type SentenceOutcome = { span: SentenceSpan; result: Practiced | null; error: string | null };

/** Kept across screen changes, so going to History and back keeps the text and results. */
const kept: { text: string; result: AnalyzeResult | null; paragraph: SentenceOutcome[] | null } = {
  text: "",
  result: null,
  paragraph: null,
};

/** The longest text paragraph mode takes (`MAX_TEXT_CHARS` in the backend); each sentence is
 * held to 1,000 characters. */
const MAX_CHARS = 3000;

export function practiceScreen(root: HTMLElement): void {
  const s = t().practice;
  const textarea = h("textarea", {
    id: "sentence",
    rows: 3,
    maxlength: MAX_CHARS,
    placeholder: s.placeholder,
    "aria-describedby": "hints char-count",
  });
  textarea.value = kept.text;
  // The limit shows before it is reached: a long paste is cut at the limit by the browser.
  const counter = h("span", { id: "char-count", class: "muted counter" });
  const count = () => {
    counter.textContent = s.count(textarea.value.length, MAX_CHARS);
    counter.classList.toggle("near-limit", textarea.value.length > MAX_CHARS * 0.9);
  };
  count();
  // Errors of this form appear beside its button, not at the bottom of the page.
  const checkError = h("p", { id: "check-error", class: "inline-error", role: "alert", hidden: true });
  const hints = h("ul", { id: "hints", class: "hints", "aria-live": "polite", "aria-label": s.hints });
  const check = h("button", { type: "submit", id: "check", text: s.check });
  const cancel = h("button", { type: "button", id: "cancel", class: "secondary", text: s.cancel, hidden: true });
  const result = h("section", { id: "result", "aria-live": "polite", hidden: true });
  const form = h(
    "form",
    { id: "check-form" },
    h("label", { for: "sentence", text: s.label }),
    textarea,
    hints,
    h("div", { class: "actions" }, check, cancel, counter),
    checkError,
  );
  root.replaceChildren(h("h2", { text: s.title }), form, result);
  const again = (sentence: string) => {
    textarea.value = sentence;
    kept.text = sentence;
    kept.result = null;
    kept.paragraph = null;
    result.hidden = true;
    count();
    textarea.focus();
    textarea.select();
    void refreshHints();
  };
  if (kept.result) renderResult(result, kept.result, again);
  else if (kept.paragraph) renderParagraph(result, kept.paragraph, null, again);

  // Hints while typing: asked after a short pause; a reply to an older text is dropped, so
  // hints never describe words the learner has already changed.
  let timer: number | undefined;
  let seq = 0;
  const refreshHints = async () => {
    const text = textarea.value;
    const mine = ++seq;
    let found: Hint[] = [];
    try {
      found = await api.hints(text);
    } catch {
      found = []; // blank or too long: the check reports it properly
    }
    if (mine === seq) hints.replaceChildren(...found.map(renderHint));
  };
  textarea.addEventListener("input", () => {
    kept.text = textarea.value;
    count();
    window.clearTimeout(timer);
    timer = window.setTimeout(refreshHints, 250);
  });
  if (textarea.value) void refreshHints();

  let running: Running<Practiced> | null = null;
  let stopped = false;
  cancel.addEventListener("click", () => {
    stopped = true;
    running?.cancel();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(checkError);
    check.disabled = true;
    check.textContent = s.checking;
    cancel.hidden = false;
    stopped = false;
    result.setAttribute("aria-busy", "true");
    let spans: SentenceSpan[];
    try {
      spans = await api.sentences(textarea.value);
    } catch (e) {
      kept.result = null;
      kept.paragraph = null;
      result.hidden = true;
      showError(e, checkError);
      result.removeAttribute("aria-busy");
      check.disabled = false;
      check.textContent = s.check;
      cancel.hidden = true;
      return;
    }
    if (spans.length > 1) {
      // Paragraph mode: one sentence after another, each shown as soon as it is checked.
      kept.result = null;
      const outcomes: SentenceOutcome[] = spans.map((span) => ({ span, result: null, error: null }));
      kept.paragraph = outcomes;
      for (let i = 0; i < outcomes.length && !stopped; i++) {
        renderParagraph(result, outcomes, i, again);
        running = api.analyze(outcomes[i].span.text);
        try {
          outcomes[i].result = await running.result;
        } catch (e) {
          if ((e as Error).name === "AbortError" || (e instanceof ApiError && e.code === "cancelled")) stopped = true;
          else outcomes[i].error = e instanceof ApiError ? (lang() === "vi" ? e.messageVi : e.messageEn) : String(e);
        }
      }
      running = null;
      renderParagraph(result, outcomes, null, again);
      const unsaved = outcomes.find((o) => o.result?.warning)?.result?.warning;
      if (unsaved) showError(new ApiError(unsaved.code, unsaved.message_vi, unsaved.message_en), checkError);
      else if (stopped) showError(s.cancelled, checkError);
      result.removeAttribute("aria-busy");
      check.disabled = false;
      check.textContent = s.check;
      cancel.hidden = true;
      return;
    }
    kept.paragraph = null;
    running = api.analyze(textarea.value);
    try {
      const r = await running.result;
      kept.result = r;
      renderResult(result, r, again);
      // The result is shown even when it could not be saved; the learner is told it was not.
      if (r.warning) showError(new ApiError(r.warning.code, r.warning.message_vi, r.warning.message_en), checkError);
    } catch (e) {
      // The old result is for another sentence: it must not stay beside this error.
      kept.result = null;
      result.hidden = true;
      if ((e as Error).name === "AbortError" || (e instanceof ApiError && e.code === "cancelled")) {
        showError(s.cancelled, checkError);
      } else {
        showError(e, checkError);
      }
    } finally {
      running = null;
      result.removeAttribute("aria-busy");
      check.disabled = false;
      check.textContent = s.check;
      cancel.hidden = true;
    }
  });
}

/** The number of words in `text`, for weighting a sentence in the paragraph's totals. */
function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * The paragraph's level: the level of the sentence in the middle when the sentences are
 * ordered by level and weighted by their words (a weighted median), so one advanced word in
 * one sentence does not lift the whole text.
 */
function paragraphLevel(done: Practiced[]): string | null {
  const weighted = done
    .map((r) => ({ level: LEVELS.indexOf(r.vocabulary.level as (typeof LEVELS)[number]), words: wordCount(r.sentence) }))
    .filter((x) => x.level >= 0)
    .sort((a, b) => a.level - b.level);
  const total = weighted.reduce((n, x) => n + x.words, 0);
  let seen = 0;
  for (const x of weighted) {
    seen += x.words;
    if (seen * 2 >= total) return LEVELS[x.level];
  }
  return null;
}

/** Paragraph mode's results: the whole text's figures, then each sentence (`current`: the
 * one being checked now). */
function renderParagraph(section: HTMLElement, outcomes: SentenceOutcome[], current: number | null, again: (s: string) => void): void {
  const s = t().practice;
  const done = outcomes.map((o) => o.result).filter((r): r is Practiced => r !== null);
  const words = done.reduce((n, r) => n + wordCount(r.sentence), 0);
  const score = words ? done.reduce((n, r) => n + r.fluency.score * wordCount(r.sentence), 0) / words : null;
  const level = paragraphLevel(done);
  const fixes = done.reduce((n, r) => n + r.correction.edits.length, 0);
  const withFixes = done.filter((r) => r.correction.edits.length > 0).length;
  const summary = h("div", { id: "paragraph-summary", class: "panel" },
    h("h3", { text: s.paragraph(outcomes.length) }),
    current !== null ? h("p", { id: "paragraph-progress", class: "muted", text: s.checkingSentence(current + 1, outcomes.length) }) : null,
    done.length
      ? h("div", { class: "row" },
        score !== null ? gauge(score) : null,
        level ? h("span", { id: "paragraph-level", class: `badge level-${level}`, title: s.level, text: level }) : null,
        h("p", { id: "paragraph-fixes", text: s.paragraphFixes(fixes, withFixes, done.length) }))
      : null);
  const items = outcomes.map((o, i) => {
    const li = h("li", { class: "sentence-result", "data-index": i });
    if (o.result) {
      const r = o.result;
      const diff = h("p", { class: "diff" });
      if (r.correction.edits.length) diff.append(renderDiff(r.correction.original, r.correction.edits));
      else if (r.verdict && r.verdict.kind === "unsure") diff.append(`${r.sentence} — ${lang() === "en" ? r.verdict.message_en : r.verdict.message_vi}`);
      else diff.append(`${r.sentence} ✓`);
      const detail = h("section", { class: "sentence-detail" });
      renderResult(detail, r, again);
      // The single-sentence view's ids would repeat once per sentence.
      for (const el of detail.querySelectorAll("[id]")) el.removeAttribute("id");
      li.append(diff,
        h("p", { class: "muted" },
          h("span", { class: `badge level-${r.vocabulary.level}`, text: r.vocabulary.level }),
          ` ${s.fluency}: ${r.fluency.score.toFixed(1)}/5`),
        h("details", {}, h("summary", { text: s.details }), detail));
    } else {
      li.append(h("p", { class: "sentence-text", text: o.span.text }),
        h("p", { class: o.error ? "inline-error" : "muted", text: o.error ?? (i === current ? s.checking : current === null ? s.notChecked : s.waiting) }));
    }
    return li;
  });
  section.replaceChildren(summary, h("ol", { id: "paragraph-results", class: "paragraph" }, ...items));
  section.hidden = false;
}

function renderHint(hint: Hint): HTMLElement {
  const s = t().practice;
  const what =
    hint.replacement !== null ? `${hint.original} → ${hint.replacement || s.removed}` : hint.original;
  // A suggestion (an optional comma, an unsure respelling) is not shown as a mistake.
  return h(
    "li",
    hint.optional ? { class: "hint-optional" } : {},
    h("strong", { text: what }),
    h("span", { class: "hint-type", text: ` · ${hint.optional ? s.suggestion : errorTypeName(hint.error_type)}` }),
    h("p", { text: hint.explanation_vi }),
  );
}

/** Copy the corrected sentence; put the learner's own sentence back in the box to fix it. */
function correctionActions(r: AnalyzeResult, again?: (sentence: string) => void): HTMLElement | null {
  if (!r.correction.edits.length) return null;
  const s = t().practice;
  const status = h("span", { id: "copy-status", class: "muted", role: "status" });
  const copy = h("button", { type: "button", id: "copy-corrected", class: "secondary", text: s.copy });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(r.correction.corrected);
      status.textContent = s.copied;
    } catch {
      status.textContent = s.copyFailed;
    }
  });
  const retry = h("button", { type: "button", id: "try-again", class: "secondary", text: s.tryAgain });
  retry.addEventListener("click", () => again?.(r.sentence));
  return h("div", { class: "actions" }, copy, again ? retry : null, status);
}

/** The score as a half-circle gauge (SVG) with the number in the middle. */
function gauge(score: number): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 120 70");
  svg.setAttribute("class", "gauge");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${score.toFixed(1)} / 5`);
  const arc = (fraction: number, cls: string) => {
    const angle = Math.PI * (1 - fraction);
    const x = 60 + 50 * Math.cos(angle);
    const y = 60 - 50 * Math.sin(angle);
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", `M 10 60 A 50 50 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`);
    path.setAttribute("class", cls);
    return path;
  };
  svg.append(arc(1, "gauge-track"));
  if (score > 0) svg.append(arc(Math.min(score, 5) / 5, "gauge-value"));
  const text = document.createElementNS(ns, "text");
  text.setAttribute("x", "60");
  text.setAttribute("y", "58");
  text.setAttribute("class", "gauge-text");
  text.textContent = score.toFixed(1);
  svg.append(text);
  return svg;
}

export function renderResult(section: HTMLElement, r: AnalyzeResult, again?: (sentence: string) => void): void {
  const s = t().practice;
  const words = h("p", { class: "words", "aria-label": s.words });
  for (const w of r.vocabulary.words) {
    const level = w.level === "unknown" ? "unknown" : w.level;
    words.append(
      h("span", {
        class: `word level-${level}`,
        title: level === "unknown" ? s.unknownWord : level,
        text: w.word,
      }),
      " ",
    );
  }
  // What each colour means: the same classes as the words, so the legend always matches them.
  const legend = h(
    "p",
    { id: "cefr-legend", class: "legend muted" },
    `${s.legend} `,
    ...(["A1", "A2", "B1", "B2", "C1", "C2"] as const).flatMap((l) => [h("span", { class: `word level-${l}`, text: l }), " "]),
    h("span", { class: "word level-unknown", text: s.unknownWord }),
  );
  const diff = h("p", { id: "diff", class: "diff" });
  if (r.correction.edits.length) {
    diff.append(renderDiff(r.correction.original, r.correction.edits));
  } else if (r.verdict && r.verdict.kind === "unsure") {
    // No clear mistake, but the tutor is not sure the sentence is right: say so, never praise.
    diff.classList.add("unsure");
    diff.append(lang() === "en" ? r.verdict.message_en : r.verdict.message_vi);
  } else {
    diff.append(s.noMistakes);
  }
  const cards = r.explanations.map((e) =>
    h(
      "li",
      { class: "card" },
      h("h4", {}, h("span", { class: "edit-words", text: `${e.edit.original || "∅"} → ${e.edit.replacement || s.removed}` }), " ", h("span", { class: "tag", text: errorTypeName(e.error_type) })),
      h("p", { text: e.explanation_vi }),
    ),
  );
  section.replaceChildren(...nodes(
    h(
      "div",
      { class: "summary" },
      h(
        "div",
        { class: "panel" },
        h("h3", { text: s.fluency }),
        gauge(r.fluency.score),
        h("p", { id: "fluency-reason", text: lang() === "en" && r.fluency.reason_en ? r.fluency.reason_en : r.fluency.reason }),
      ),
      h(
        "div",
        { class: "panel" },
        h("h3", { text: s.level }),
        h("p", {}, h("span", { id: "cefr-level", class: `badge level-${r.vocabulary.level}`, text: r.vocabulary.level })),
        words,
        legend,
      ),
    ),
    h("div", { class: "panel" }, h("h3", { text: s.correction }), diff, correctionActions(r, again),
      speakButton(() => r.correction.corrected, s.readAloud)),
    cards.length ? h("div", { class: "panel" }, h("h3", { text: s.explanations }), h("ol", { id: "explanations", class: "cards" }, ...cards)) : null,
    h("p", { class: "muted", text: s.took(r.timings_ms.total) }),
  ));
  section.hidden = false;
}
