// History: search and filter past attempts, open one, delete one.

import { api } from "../api";
import type { Attempt } from "../bindings/Attempt";
import type { Conversation } from "../bindings/Conversation";
import type { AttemptSummary } from "../bindings/AttemptSummary";
import type { CefrLevel } from "../bindings/CefrLevel";
import type { ErrorType } from "../bindings/ErrorType";
import type { HistoryQuery } from "../bindings/HistoryQuery";
import { formatDate, h, nodes, renderDiff, tipList } from "../dom";
import { clearError, showError } from "../errors";
import { lang, t } from "../i18n";
import { ERROR_TYPES, LEVELS, errorTypeName } from "../labels";
import { drillButton } from "./drill";

const PAGE = 20;
const DAY_MS = 86_400_000;

/** An error type the next History screen opens filtered by (Progress links here). */
let pendingType: ErrorType | null = null;
export function openHistoryFiltered(type: ErrorType): void {
  pendingType = type;
  if (location.hash === "#history") window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = "#history";
}

export function historyScreen(root: HTMLElement): void {
  const s = t().history;
  const search = h("input", { id: "history-search", type: "search", placeholder: s.searchPlaceholder });
  const type = h("select", { id: "history-type" }, h("option", { value: "", text: s.anyType }),
    ...ERROR_TYPES.map((e) => h("option", { value: e, text: errorTypeName(e) })));
  if (pendingType) type.value = pendingType;
  pendingType = null;
  const level = h("select", { id: "history-level" }, h("option", { value: "", text: s.anyLevel }),
    ...LEVELS.map((l) => h("option", { value: l, text: l })));
  const since = h("select", { id: "history-since" },
    h("option", { value: "", text: s.anyTime }),
    h("option", { value: "7", text: s.week }),
    h("option", { value: "30", text: s.month }));
  const list = h("ul", { id: "history-list", class: "history" });
  const more = h("button", { type: "button", class: "secondary", text: s.more, hidden: true });
  const filters = h("form", { class: "filters", role: "search" },
    h("label", {}, s.search, search),
    h("label", {}, s.type, type),
    h("label", {}, s.level, level),
    h("label", {}, s.since, since));
  const chats = h("ul", { id: "conversation-list", class: "history" });
  // With a type chosen, its drill is one click away.
  const drillHere = h("p", { id: "history-drill", hidden: true });
  const showDrill = () => {
    drillHere.hidden = !type.value;
    drillHere.replaceChildren(...(type.value ? [drillButton(type.value as ErrorType, "history-drill-start")] : []));
  };
  showDrill();
  type.addEventListener("change", showDrill);
  const listView = h("div", {}, filters, drillHere, list, more, h("h3", { text: s.conversations }), chats);
  const detailView = h("div", { id: "history-detail", hidden: true });
  root.replaceChildren(h("h2", { text: s.title }), listView, detailView);

  /** Shows `content` in place of the lists, with Back and a Delete that asks first. */
  const openDetail = (content: Array<Node | string>, deleteId: string, confirmText: string, remove: () => Promise<void>) => {
    const back = h("button", { type: "button", class: "secondary", text: s.back });
    const del = h("button", { type: "button", class: "danger", id: deleteId, text: s.delete });
    const close = () => {
      detailView.hidden = true;
      listView.hidden = false;
    };
    back.addEventListener("click", close);
    del.addEventListener("click", async () => {
      if (!window.confirm(confirmText)) return;
      try {
        await remove();
        close();
      } catch (e) {
        showError(e);
      }
    });
    detailView.replaceChildren(...content, h("div", { class: "actions" }, back, del));
    listView.hidden = true;
    detailView.hidden = false;
    back.focus();
  };

  let offset = 0;
  let seq = 0;
  const query = (): HistoryQuery => ({
    search: search.value.trim() || null,
    error_type: (type.value || null) as ErrorType | null,
    level: (level.value || null) as CefrLevel | null,
    since: since.value ? Date.now() - Number(since.value) * DAY_MS : null,
    limit: PAGE,
    offset,
  });
  const load = async (append: boolean) => {
    const mine = ++seq;
    if (!append) offset = 0;
    try {
      const page = await api.history(query());
      if (mine !== seq) return;
      const rows = page.items.map((a) => row(a));
      if (append) list.append(...rows);
      else list.replaceChildren(...rows);
      if (!append && rows.length === 0) list.replaceChildren(h("li", { class: "empty", text: s.empty }));
      more.hidden = !page.has_more;
      offset += page.items.length;
    } catch (e) {
      showError(e);
    }
  };
  const row = (a: AttemptSummary): HTMLElement => {
    const open = h("button", { type: "button", class: "link", text: a.text, "aria-label": `${s.open}: ${a.text}` });
    open.addEventListener("click", () => void showDetail(a.id));
    return h("li", { "data-id": a.id },
      open,
      h("div", { class: "meta" },
        h("span", { text: formatDate(a.created_at, lang()) }),
        a.fluency !== null ? h("span", { class: "score", text: `${a.fluency.toFixed(1)}/5` }) : null,
        a.cefr ? h("span", { class: `badge level-${a.cefr}`, text: a.cefr }) : null,
        ...[...new Set(a.error_types)].map((e) => h("span", { class: "tag", text: errorTypeName(e) }))));
  };
  const showDetail = async (id: number) => {
    clearError();
    let a: Attempt;
    try {
      a = await api.attempt(id);
    } catch (e) {
      showError(e);
      return;
    }
    const diff = h("p", { class: "diff" });
    diff.append(a.edits.length ? renderDiff(a.text, a.edits) : s.noEdits);
    openDetail(nodes(
      h("h3", { text: s.detail }),
      h("p", { class: "muted", text: formatDate(a.created_at, lang()) }),
      h("p", {}, h("strong", { text: `${s.written}: ` }), a.text),
      diff,
      a.fluency !== null ? h("p", {}, h("strong", { text: `${t().practice.fluency}: ` }), `${a.fluency.toFixed(1)}/5 — ${a.fluency_reason ?? ""}`) : null,
      a.cefr ? h("p", {}, h("strong", { text: `${t().practice.level}: ` }), h("span", { class: `badge level-${a.cefr}`, text: a.cefr })) : null,
      h("ol", { class: "cards" }, ...a.edits.map((e) => h("li", { class: "card" },
        h("h4", {}, `${e.original || "∅"} → ${e.replacement || t().practice.removed} `, h("span", { class: "tag", text: errorTypeName(e.error_type) })),
        h("p", { text: e.explanation_vi })))),
    ), "delete-attempt", s.confirmDelete, async () => {
      await api.deleteAttempt(id);
      await load(false);
    });
  };

  const loadChats = async () => {
    try {
      const all = await api.conversations();
      chats.replaceChildren(...(all.length === 0
        ? [h("li", { class: "empty", text: s.noConversations })]
        : all.map((c) => {
          const open = h("button", { type: "button", class: "link", text: c.first_message || "…", "aria-label": `${s.open}: ${c.first_message}` });
          open.addEventListener("click", () => void showConversation(c.id));
          return h("li", { "data-conversation": c.id },
            open,
            h("div", { class: "meta" },
              h("span", { text: formatDate(c.started_at, lang()) }),
              h("span", { class: "tag", text: scenarioName(c.scenario) }),
              h("span", { class: `badge level-${c.level}`, text: c.level }),
              h("span", { text: s.messages(c.turns) })));
        })));
    } catch (e) {
      showError(e);
    }
  };
  const showConversation = async (id: number) => {
    clearError();
    let c: Conversation;
    try {
      c = await api.conversation(id);
    } catch (e) {
      showError(e);
      return;
    }
    // The learner's messages get the same rule-based tips as during the conversation.
    const log = h("ol", { class: "chat", id: "conversation-detail" });
    for (const turn of c.turns) {
      const li = h("li", { class: `msg ${turn.role}` }, h("p", { class: "msg-text", text: turn.content }));
      log.append(li);
      if (turn.role === "user") {
        void api.hints(turn.content).then((tips) => {
          if (tips.length) li.append(tipList(tips));
        }, () => undefined);
      }
    }
    openDetail([
      h("h3", { text: `${scenarioName(c.scenario)} · ${c.level}` }),
      h("p", { class: "muted", text: formatDate(c.started_at, lang()) }),
      log,
    ], "delete-conversation", s.confirmDeleteConversation, async () => {
      await api.deleteConversation(id);
      await loadChats();
    });
  };

  let timer: number | undefined;
  search.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void load(false), 250);
  });
  filters.addEventListener("submit", (e) => e.preventDefault());
  for (const select of [type, level, since]) select.addEventListener("change", () => void load(false));
  more.addEventListener("click", () => void load(true));
  void load(false);
  void loadChats();
}

function scenarioName(name: string): string {
  const names = t().conversation.scenarios as Record<string, string>;
  return names[name] ?? name;
}
