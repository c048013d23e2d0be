// Conversation: role-play with the model at the learner's level. Replies stream token by token;
// each learner message gets the rule-based checker's short tips at once and, after the reply,
// the model's correction; the backend saves each exchange, and the checked message becomes an
// attempt (History, Review, Progress). Stop ends a reply early.

import { api, ApiError, type Running } from "../api";
import type { ChatMessage } from "../bindings/ChatMessage";
import type { ConversationTurn } from "../bindings/ConversationTurn";
import type { CefrLevel } from "../bindings/CefrLevel";
import type { Hint } from "../bindings/Hint";
import type { Scenario } from "../bindings/Scenario";
import { h, tipList } from "../dom";
import { clearError, showError } from "../errors";
import { t } from "../i18n";
import { LEVELS } from "../labels";

const SCENARIOS: Scenario[] = ["small_talk", "ordering_food", "job_interview", "travel", "shopping"];

/** The conversation survives switching screens (not a restart). */
const kept: {
  history: ChatMessage[];
  tips: Hint[][];
  corrected: (string | null)[];
  stopped: boolean[];
  scenario: Scenario;
  level: string;
  saved: number | null;
} = {
  history: [],
  tips: [],
  // The model's correction of each learner message that had a mistake.
  corrected: [],
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

  const bubble = (m: ChatMessage, tips: Hint[] = [], stopped = false, corrected: string | null = null) => {
    const li = h("li", { class: `msg ${m.role}` }, h("p", { class: "msg-text", text: m.content }));
    if (stopped) li.append(h("p", { class: "msg-stopped muted", text: s.stopped }));
    if (tips.length) li.append(tipList(tips));
    if (corrected) li.append(h("p", { class: "msg-corrected" }, h("strong", { text: `${s.corrected} ` }), corrected));
    return li;
  };
  const redraw = () => {
    log.replaceChildren(...kept.history.map((m, i) =>
      m.role === "user"
        ? bubble(m, kept.tips[i] ?? [], false, kept.corrected[i] ?? null)
        : bubble(m, [], kept.stopped[i] ?? false)));
  };
  redraw();

  scenario.addEventListener("change", () => (kept.scenario = scenario.value as Scenario));
  level.addEventListener("change", () => (kept.level = level.value));
  restart.addEventListener("click", () => {
    kept.history = [];
    kept.tips = [];
    kept.corrected = [];
    kept.stopped = [];
    kept.saved = null;
    redraw();
    input.focus();
  });

  let running: Running<ConversationTurn> | null = null;
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
    const userIndex = kept.history.length - 1;
    running = api.converse(
      { conversation_id: kept.saved, scenario: kept.scenario, level: kept.level as CefrLevel, history, message, check: true, seed: null },
      (piece) => {
        replyText.textContent += piece;
      },
    );
    try {
      const turn = await running.result;
      kept.history.push({ role: "assistant", content: turn.reply.reply });
      kept.stopped[kept.history.length - 1] = turn.reply.stopped || turn.reply.cancelled;
      if (turn.conversation_id !== null) kept.saved = turn.conversation_id;
      const check = turn.check;
      kept.corrected[userIndex] = check && check.edits.length ? check.corrected : null;
      // A failed check or save is shown, but the conversation goes on.
      if (turn.warnings.length) showError(new ApiError(turn.warnings[0].code, turn.warnings[0].message_vi, turn.warnings[0].message_en));
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
  });
}
