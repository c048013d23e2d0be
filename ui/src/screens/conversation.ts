// Conversation: role-play with the model at the learner's level. Replies stream token by token;
// each learner message gets the rule-based checker's short tips; Stop ends a reply early.

import { api, type Running } from "../api";
import type { ChatMessage } from "../bindings/ChatMessage";
import type { DialogueReply } from "../bindings/DialogueReply";
import type { Hint } from "../bindings/Hint";
import type { Scenario } from "../bindings/Scenario";
import { h, tipList } from "../dom";
import { clearError, showError } from "../errors";
import { t } from "../i18n";
import { LEVELS } from "../labels";

const SCENARIOS: Scenario[] = ["small_talk", "ordering_food", "job_interview", "travel", "shopping"];

/** The conversation survives switching screens (not a restart). */
const kept: { history: ChatMessage[]; tips: Hint[][]; stopped: boolean[]; scenario: Scenario; level: string; saved: number | null } = {
  history: [],
  tips: [],
  // Replies that were cut short (Stop, or the partner repeating itself): marked "(đã dừng)".
  stopped: [],
  // The saved conversation this one goes on (History lists it); a restart begins another.
  saved: null,
  scenario: "small_talk",
  level: "A2",
};

export function conversationScreen(root: HTMLElement): void {
  const s = t().conversation;
  const scenario = h("select", { id: "chat-scenario" },
    ...SCENARIOS.map((x) => h("option", { value: x, text: s.scenarios[x], selected: x === kept.scenario })));
  const level = h("select", { id: "chat-level" },
    ...LEVELS.map((l) => h("option", { value: l, text: l, selected: l === kept.level })));
  const restart = h("button", { type: "button", class: "secondary", id: "chat-restart", text: s.restart });
  const log = h("ol", { id: "chat-log", class: "chat", "aria-live": "polite" });
  const input = h("textarea", { id: "chat-input", rows: 2, maxlength: 1000, placeholder: s.placeholder, "aria-label": s.yourMessage });
  const send = h("button", { type: "submit", id: "chat-send", text: s.send });
  const stop = h("button", { type: "button", id: "chat-stop", class: "secondary", text: s.stop, hidden: true });
  const form = h("form", { id: "chat-form" }, input, h("div", { class: "actions" }, send, stop));
  root.replaceChildren(
    h("h2", { text: s.title }),
    h("div", { class: "filters" },
      h("label", {}, s.scenario, scenario),
      h("label", {}, s.level, level),
      h("div", {}, restart)),
    log,
    form,
  );

  const bubble = (m: ChatMessage, tips: Hint[] = [], stopped = false) => {
    const li = h("li", { class: `msg ${m.role}` }, h("p", { class: "msg-text", text: m.content }));
    if (stopped) li.append(h("p", { class: "msg-stopped muted", text: s.stopped }));
    if (tips.length) li.append(tipList(tips));
    return li;
  };
  const redraw = () => {
    log.replaceChildren(...kept.history.map((m, i) =>
      bubble(m, m.role === "user" ? kept.tips[i] ?? [] : [], kept.stopped[i] ?? false)));
  };
  redraw();

  scenario.addEventListener("change", () => (kept.scenario = scenario.value as Scenario));
  level.addEventListener("change", () => (kept.level = level.value));
  restart.addEventListener("click", () => {
    kept.history = [];
    kept.tips = [];
    kept.stopped = [];
    kept.saved = null;
    redraw();
    input.focus();
  });

  let running: Running<DialogueReply> | null = null;
  stop.addEventListener("click", () => running?.cancel());
  // Enter sends, Shift+Enter makes a new line. Not while an input method is composing a
  // letter: Vietnamese keyboards (Telex, VNI) use Enter to confirm a syllable.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!send.disabled) form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = input.value.trim();
    // One message at a time: Send stays disabled from here until the reply is in.
    if (!message || send.disabled) return;
    send.disabled = true;
    clearError();
    const history = kept.history.slice();
    const tips = await api.hints(message).catch(() => [] as Hint[]);
    kept.history.push({ role: "user", content: message });
    kept.tips[kept.history.length - 1] = tips;
    input.value = "";
    redraw();
    const replyText = h("p", { class: "msg-text", text: "" });
    const reply = h("li", { class: "msg assistant streaming", "aria-busy": "true" }, replyText);
    log.append(reply);
    send.disabled = true;
    stop.hidden = false;
    running = api.dialogue(history, message, kept.scenario, kept.level, (piece) => {
      replyText.textContent += piece;
    });
    try {
      const r = await running.result;
      kept.history.push({ role: "assistant", content: r.reply });
      kept.stopped[kept.history.length - 1] = r.stopped || r.cancelled;
    } catch (e) {
      if ((e as Error).name !== "AbortError") showError(e);
      if (replyText.textContent) {
        kept.history.push({ role: "assistant", content: replyText.textContent });
        kept.stopped[kept.history.length - 1] = true;
      }
    } finally {
      running = null;
      send.disabled = false;
      stop.hidden = true;
      redraw();
      input.focus();
    }
    // Keep the exchange (the message, and the reply if any) in the history. A failure here
    // is shown but never interrupts the conversation.
    const exchange = kept.history.slice(history.length);
    // A message the partner never answered (no model, an error) is not a saved exchange.
    if (!exchange.some((m) => m.role === "assistant")) return;
    try {
      kept.saved = await api.saveConversation(kept.saved, kept.scenario, kept.level, exchange);
    } catch (e) {
      showError(e);
    }
  });
}
