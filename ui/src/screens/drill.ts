// Drills ("Luyện lỗi này"): 5–10 sentences with one type of mistake, the learner's own first,
// then new ones the model writes and the tutor checks. Opened from Progress and History; runs
// on the Review screen (it is practice of the same kind), graded like a review card but
// without moving any card's review date.

import { api, ApiError, type Running } from "../api";
import type { DrillItem } from "../bindings/DrillItem";
import type { ErrorType } from "../bindings/ErrorType";
import type { CefrLevel } from "../bindings/CefrLevel";
import type { NewDrillItem } from "../bindings/NewDrillItem";
import { h, speakButton } from "../dom";
import { fixForm, verdictLine } from "../fixform";
import { clearError, showError } from "../errors";
import { t } from "../i18n";
import { errorTypeName } from "../labels";
import { learnerLevel } from "./conversation";

/** A drill the next Review screen starts instead of the due cards. */
let pendingDrill: ErrorType | null = null;

/** Opens the drill of `type` on the Review screen. */
export function openDrill(type: ErrorType): void {
  pendingDrill = type;
  if (location.hash === "#review") window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = "#review";
}

/** The drill asked for, once (the Review screen's next render is its own again). */
export function takePendingDrill(): ErrorType | null {
  const type = pendingDrill;
  pendingDrill = null;
  return type;
}

/** A "Luyện lỗi này" button for `type`. */
export function drillButton(type: ErrorType, id?: string): HTMLButtonElement {
  const s = t().drill;
  const b = h("button", {
    type: "button",
    class: "secondary small",
    id,
    "data-drill": type,
    text: s.start,
    "aria-label": s.startFor(errorTypeName(type)),
  });
  b.addEventListener("click", () => openDrill(type));
  return b;
}

/** The most model requests one drill makes (each tries a bounded number of sentences). */
const EXTRA_REQUESTS = 3;

export function drillScreen(root: HTMLElement, type: ErrorType): void {
  const s = t().drill;
  const body = h("div", { id: "drill-body", "aria-live": "polite" }, h("p", { class: "muted", text: s.loading }));
  const note = h("p", { id: "drill-note", class: "muted", hidden: true });
  root.replaceChildren(
    h("h2", { id: "drill-title", text: s.title(errorTypeName(type)) }),
    h("p", { class: "muted", text: s.intro }),
    note,
    body,
  );

  const items: DrillItem[] = [];
  let wanted = 0;
  let fetching = false;
  let modelError: unknown = null;
  let running: Running<NewDrillItem> | null = null;
  let waiting: (() => void) | null = null;
  let done = 0;
  let right = 0;
  let gone = false;
  // A new drill writes new sentences: the seed differs per drill, and per item within it.
  // (A test may fix it: `lexilingo.drillSeed` in session storage.)
  const seed0 = Number(sessionStorage.getItem("lexilingo.drillSeed") ?? Math.floor(Math.random() * 1_000_000));

  // Leaving the screen stops the model's work for this drill.
  const leave = () => {
    gone = true;
    running?.cancel();
    window.removeEventListener("hashchange", leave);
  };
  window.addEventListener("hashchange", leave);

  /** Asks the model for items, one at a time, until the drill has `wanted` or tries run out. */
  const fill = async () => {
    fetching = true;
    let requests = 0;
    const limit = Math.max(0, wanted - items.length) + EXTRA_REQUESTS;
    while (!gone && items.length < wanted && requests < limit) {
      requests += 1;
      const avoid = items.flatMap((i) => [i.text, i.expected]);
      running = api.drillItem({ error_type: type, level: learnerLevel() as CefrLevel, avoid, seed: seed0 + 7 * (requests - 1) });
      try {
        const r = await running.result;
        if (r.item) items.push(r.item);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === "cancelled")) modelError = e;
        break;
      } finally {
        running = null;
        waiting?.();
      }
    }
    fetching = false;
    waiting?.();
  };

  const finish = () => {
    const own = items.filter((i) => i.source === "own").length;
    const made = items.length - own;
    const lines: string[] = [];
    if (done) lines.push(s.finished(right, done));
    else lines.push(s.none);
    if (wanted > own && made < wanted - own) lines.push(modelError ? s.noModel : s.fewer(made));
    const again = h("button", { type: "button", id: "drill-again", text: s.again });
    again.addEventListener("click", () => openDrill(type));
    const back = h("button", { type: "button", class: "secondary", id: "drill-back", text: s.back });
    back.addEventListener("click", () => window.dispatchEvent(new HashChangeEvent("hashchange")));
    body.replaceChildren(
      h("div", { id: "drill-done", class: "panel" }, ...lines.map((l) => h("p", { text: l })),
        h("div", { class: "actions" }, again, back)),
    );
  };

  const show = (i: number) => {
    clearError();
    const item = items[i];
    if (!item) {
      if (fetching) {
        body.replaceChildren(h("p", { class: "muted", id: "drill-writing", text: s.writing }));
        waiting = () => {
          if (items[i] || !fetching) {
            waiting = null;
            show(i);
          }
        };
        return;
      }
      finish();
      return;
    }
    const total = fetching ? Math.max(items.length, wanted) : items.length;
    const header = h("p", { class: "muted" }, s.progress(i + 1, total), " · ",
      h("span", { class: `tag source-${item.source}`, id: "drill-source", text: item.source === "own" ? s.own : s.model }));
    const form = fixForm("drill", s, item.text, header, null,
      async (answer, feedback) => {
        const f = await api.drillAnswer({ item, answer });
        const text = f.grade === "good" ? s.good : f.grade === "hard" ? s.hard(f.expected) : s.wrong(f.expected);
        const why = f.explanations.filter((x) => x.trim());
        feedback.replaceChildren(
          verdictLine(f.grade !== "again", text, answer, f.diff, "drill-diff"),
          why.length ? h("ul", { class: "drill-why", lang: "vi" }, ...why.map((x) => h("li", { text: x }))) : "",
          speakButton(() => f.expected, t().practice.readAloud) ?? "");
        done += 1;
        if (f.grade !== "again") right += 1;
      },
      () => show(i + 1));
    body.replaceChildren(form);
  };

  api.drill(type).then(
    (drill) => {
      if (gone) return;
      items.push(...drill.items);
      wanted = drill.items.length + drill.more;
      if (drill.more > 0) {
        note.hidden = false;
        note.textContent = drill.items.length ? s.ownThenModel(drill.items.length) : s.modelOnly;
        void fill();
      }
      show(0);
    },
    (e) => {
      body.replaceChildren();
      showError(e);
    },
  );
}
