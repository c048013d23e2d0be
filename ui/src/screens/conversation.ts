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
import { SCENARIO_TEXTS } from "../bindings/ScenarioTexts";
import { h, nodes, speakButton, tipList } from "../dom";
import { clearError, showError } from "../errors";
import { lang, t } from "../i18n";
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

/** The learner's level as chosen for conversation (drills write sentences at it). */
export function learnerLevel(): string {
  return kept.level;
}

export function conversationScreen(root: HTMLElement): void {
  const s = t().conversation;
  const scenario = h("select", { id: "chat-scenario" },
    ...SCENARIOS.map((x) => h("option", { value: x, text: s.scenarios[x], selected: x === kept.scenario })));
  const level = h("select", { id: "chat-level" },
    ...LEVELS.map((l) => h("option", { value: l, text: l, selected: l === kept.level })));
  const restart = h("button", { type: "button", class: "secondary", id: "chat-restart", text: s.restart });
  const finish = h("button", { type: "button", class: "secondary", id: "chat-finish", text: s.finish });
  const summary = h("section", { id: "chat-summary", class: "panel", hidden: true, "aria-live": "polite" });
  // Who the partner is and what to achieve, in the UI's language.
  const brief = h("p", { id: "chat-brief", class: "panel brief" });
  const showBrief = () => {
    brief.textContent = SCENARIO_TEXTS[kept.scenario].brief[lang() === "vi" ? 0 : 1];
  };
  showBrief();
  // The partner opens the scene: a new conversation starts with its line (sent to the model
  // as history, and saved with the first exchange).
  const open = () => {
    kept.history = [{ role: "assistant", content: SCENARIO_TEXTS[kept.scenario].opening }];
    kept.tips = [];
    kept.corrected = [];
    kept.stopped = [];
    kept.saved = null;
  };
  if (kept.history.length === 0) open();
  const log = h("ol", { id: "chat-log", class: "chat", "aria-live": "polite" });
  const input = h("textarea", { id: "chat-input", rows: 2, maxlength: 1000, placeholder: s.placeholder, "aria-label": s.yourMessage });
  const send = h("button", { type: "submit", id: "chat-send", text: s.send });
  const stop = h("button", { type: "button", id: "chat-stop", class: "secondary", text: s.stop, hidden: true });
  // "Giúp em nói câu này": the learner types in Vietnamese; the partner suggests English.
  const help = h("button", { type: "button", id: "chat-help", class: "secondary", text: s.help, title: s.helpHow });
  const suggestion = h("div", { id: "chat-suggestion", class: "panel", hidden: true, "aria-live": "polite" });
  const helpError = h("p", { id: "chat-help-error", class: "inline-error", role: "alert", hidden: true });
  const form = h("form", { id: "chat-form" }, input, h("div", { class: "actions" }, send, help, stop), helpError, suggestion);
  root.replaceChildren(
    h("h2", { text: s.title }),
    h("div", { class: "filters" },
      h("label", {}, s.scenario, scenario),
      h("label", {}, s.level, level)),
    h("div", { class: "actions" }, finish, restart),
    brief,
    log,
    form,
    summary,
  );

  const bubble = (m: ChatMessage, tips: Hint[] = [], stopped = false, corrected: string | null = null) => {
    const li = h("li", { class: `msg ${m.role}` }, h("p", { class: "msg-text", text: m.content }));
    if (stopped) li.append(h("p", { class: "msg-stopped muted", text: s.stopped }));
    if (m.role === "assistant") {
      const speak = speakButton(() => m.content, s.readAloud);
      if (speak) li.append(speak);
    }
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

  scenario.addEventListener("change", () => {
    kept.scenario = scenario.value as Scenario;
    showBrief();
    // Before the learner has written anything, the new scene opens with its own line.
    if (!kept.history.some((m) => m.role === "user")) {
      open();
      redraw();
    }
  });
  level.addEventListener("change", () => (kept.level = level.value));
  restart.addEventListener("click", () => {
    open();
    redraw();
    summary.hidden = true;
    input.focus();
  });
  // The end of a conversation: what the learner wrote that needed fixing, with the fix. Those
  // the tutor was sure of are already Review cards; the summary says so and links there.
  finish.addEventListener("click", () => {
    const mistakes = kept.history
      .map((m, i) => ({ m, i }))
      .filter(({ m, i }) => m.role === "user" && (kept.corrected[i] || (kept.tips[i] ?? []).some((tip) => !tip.optional)));
    const sent = kept.history.filter((m) => m.role === "user").length;
    summary.replaceChildren(...nodes(
      h("h3", { text: s.summaryTitle }),
      h("p", { id: "chat-summary-count", text: s.summaryCount(sent, mistakes.length) }),
      mistakes.length
        ? h("ol", { class: "cards" }, ...mistakes.map(({ m, i }) => h("li", { class: "card" },
          h("p", { class: "msg-text", text: m.content }),
          kept.corrected[i] ? h("p", { class: "msg-corrected" }, h("strong", { text: `${s.corrected} ` }), kept.corrected[i]!) : null,
          (kept.tips[i] ?? []).length ? tipList(kept.tips[i]) : null)))
        : h("p", { text: s.summaryClean }),
      mistakes.length ? h("p", {}, `${s.summaryReview} `, h("a", { href: "#review", id: "chat-summary-review", text: s.openReview })) : null,
    ));
    summary.hidden = false;
    summary.scrollIntoView({ block: "nearest" });
  });

  help.addEventListener("click", async () => {
    const wanted = input.value.trim();
    clearError(helpError);
    if (!wanted) {
      showError(s.helpEmpty, helpError);
      input.focus();
      return;
    }
    help.disabled = true;
    help.textContent = s.helping;
    try {
      const r = await api.suggest({ text: wanted, scenario: kept.scenario, level: kept.level as CefrLevel, history: kept.history }).result;
      const use = h("button", { type: "button", id: "chat-use-suggestion", text: s.useSuggestion });
      use.addEventListener("click", () => {
        input.value = r.english;
        suggestion.hidden = true;
        input.focus();
      });
      suggestion.replaceChildren(
        h("p", { class: "muted", text: s.youWanted(r.wanted) }),
        h("p", { id: "chat-suggestion-text", class: "msg-text", text: r.english }),
        h("div", { class: "actions" }, use, speakButton(() => r.english, s.readAloud)));
      suggestion.hidden = false;
    } catch (e) {
      showError(e, helpError);
    } finally {
      help.disabled = false;
      help.textContent = s.help;
    }
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
