// A tiny element builder. Text is always set with `textContent` (never innerHTML): model output
// and learner text are shown as text, so nothing they contain can run as markup.

import { t } from "./i18n";
import type { ErrorType } from "./bindings/ErrorType";
import { errorTypeName } from "./labels";

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | number | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** Byte offsets (Rust strings) → the text between them (JS strings are UTF-16). */
export function byteSlicer(text: string): (start: number, end?: number) => string {
  const bytes = new TextEncoder().encode(text);
  const dec = new TextDecoder();
  return (start, end) => dec.decode(bytes.slice(start, end ?? bytes.length));
}

/** The sentence with each edit shown inline: removed words struck out, new words underlined. */
export function renderDiff(
  original: string,
  edits: ReadonlyArray<{ start: number; end: number; original: string; replacement: string }>,
): DocumentFragment {
  const out = document.createDocumentFragment();
  const slice = byteSlicer(original);
  let cursor = 0;
  for (const e of edits) {
    out.append(slice(cursor, e.start));
    if (e.original) out.append(h("del", { text: e.original }));
    if (e.original && e.replacement) out.append(" ");
    if (e.replacement) out.append(h("ins", { text: e.replacement }));
    if (!e.original && e.replacement) out.append(" ");
    cursor = e.end;
  }
  out.append(slice(cursor));
  return out;
}

export function formatDate(ms: number, lang: string): string {
  return new Date(ms).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

/** The children worth appending (drops null/false), for `replaceChildren`. */
export function nodes(...children: Child[]): Array<Node | string> {
  return children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false);
}

/** The rule checker's short tips under a learner's message ("an → a · Mạo từ"). */
export function tipList(
  tips: ReadonlyArray<{ original: string; replacement: string | null; error_type: ErrorType; explanation_vi?: string }>,
): HTMLElement {
  // Each tip opens to its Vietnamese explanation: a short line in the chat, the why on demand.
  return h("ul", { class: "tips" }, ...tips.map((tip) => {
    const what = [
      h("strong", { text: tip.replacement !== null ? `${tip.original} → ${tip.replacement || t().practice.removed}` : tip.original }),
      ` · ${errorTypeName(tip.error_type)}`,
    ];
    if (!tip.explanation_vi) return h("li", {}, ...what);
    return h("li", {}, h("details", {}, h("summary", {}, ...what), h("p", { class: "tip-why", text: tip.explanation_vi })));
  }));
}

/** Whether the system has an English voice (the list may fill in after the page loads). */
function hasEnglishVoice(): boolean {
  return window.speechSynthesis.getVoices().some((v) => v.lang.toLowerCase().startsWith("en"));
}

/**
 * A button that reads `text()` aloud in English with the system's voices (Web Speech API, no
 * network), or null where the webview has no speech synthesis. It stays hidden while the
 * system has no English voice: a button that says nothing would only confuse.
 */
export function speakButton(text: () => string, label: string): HTMLButtonElement | null {
  if (!("speechSynthesis" in window)) return null;
  const button = h("button", { type: "button", class: "secondary speak", text: label });
  button.hidden = !hasEnglishVoice();
  if (button.hidden) {
    window.speechSynthesis.addEventListener("voiceschanged", () => (button.hidden = !hasEnglishVoice()), { once: true });
  }
  button.addEventListener("click", () => {
    window.speechSynthesis.cancel();
    const utterance = new SpeechSynthesisUtterance(text());
    utterance.lang = "en-US";
    utterance.rate = 0.9;
    const voice = window.speechSynthesis.getVoices().find((v) => v.lang.startsWith("en"));
    if (voice instanceof SpeechSynthesisVoice) utterance.voice = voice;
    window.speechSynthesis.speak(utterance);
  });
  return button;
}
