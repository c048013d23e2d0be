// LexiLingo's window: navigation between screens, the model's status, the language.

import "@fontsource/be-vietnam-pro/vietnamese-400.css";
import "@fontsource/be-vietnam-pro/vietnamese-600.css";
import "@fontsource/be-vietnam-pro/latin-400.css";
import "@fontsource/be-vietnam-pro/latin-600.css";
import "./style.css";

import { api, setUnauthorizedHandler } from "./api";
import { h } from "./dom";
import { showError, clearError } from "./errors";
import { onLangChange, setLang, lang, t } from "./i18n";
import { conversationScreen } from "./screens/conversation";
import { historyScreen } from "./screens/history";
import { practiceScreen } from "./screens/practice";
import { progressScreen } from "./screens/progress";
import { reviewScreen } from "./screens/review";
import { settingsScreen, setOnEngineChanged } from "./screens/settings";
import { modelsScreen, setFirstRun, setOnModelReady } from "./screens/models";
import { ApiError } from "./api";

const SCREENS = {
  practice: practiceScreen,
  conversation: conversationScreen,
  history: historyScreen,
  review: reviewScreen,
  progress: progressScreen,
  models: modelsScreen,
  settings: settingsScreen,
} as const;
type ScreenName = keyof typeof SCREENS;
const LAST_SCREEN = "lexilingo.screen";

function currentScreen(): ScreenName {
  const name = location.hash.replace(/^#/, "");
  if (name in SCREENS) return name as ScreenName;
  const last = localStorage.getItem(LAST_SCREEN);
  return last && last in SCREENS ? (last as ScreenName) : "practice";
}

function renderNav(active: ScreenName): void {
  const nav = document.getElementById("nav")!;
  nav.setAttribute("aria-label", t().navLabel);
  nav.replaceChildren(
    h("ul", {}, ...(Object.keys(SCREENS) as ScreenName[]).map((name) =>
      h("li", {}, h("a", {
        href: `#${name}`,
        id: `nav-${name}`,
        "aria-current": name === active ? "page" : undefined,
        text: t().nav[name],
      })))),
  );
}

function render(): void {
  if (locked) return;
  const name = currentScreen();
  localStorage.setItem(LAST_SCREEN, name);
  clearError();
  renderNav(name);
  document.querySelectorAll<HTMLElement>("[data-i18n]").forEach((el) => {
    const key = el.dataset.i18n as "skip" | "starting";
    if (key === "skip") el.textContent = t().skip;
  });
  const main = document.getElementById("screen")!;
  SCREENS[name](main);
  main.dataset.screen = name;
}

let status: { name: string; threads: number; load_ms: number; chat_template: boolean } | null = null;
function renderStatus(): void {
  const el = document.getElementById("engine-status")!;
  el.textContent = status
    ? t().ready(status.name, status.threads, status.load_ms) + (status.chat_template ? "" : t().baseModel)
    : t().starting;
}

async function loadStatus(): Promise<void> {
  const el = document.getElementById("engine-status")!;
  status = null;
  delete el.dataset.ready;
  renderStatus();
  try {
    const info = await api.status();
    status = { name: info.name, threads: info.threads, load_ms: info.load_ms, chat_template: info.chat_template };
    renderStatus();
    el.dataset.ready = "true";
    setFirstRun(false);
  } catch (e) {
    el.textContent = t().notReady;
    if (e instanceof ApiError && e.code === "no_model") {
      // First run: the model screen instead of an error.
      el.textContent = t().noModel;
      setFirstRun(true);
      if (currentScreen() !== "models") location.hash = "#models";
      else render();
      return;
    }
    showError(e);
  }
}

// The server refused the access token: say how to get in, instead of a screen of errors.
let locked = false;
setUnauthorizedHandler(() => {
  if (locked) return;
  locked = true;
  document.getElementById("nav")?.replaceChildren();
  document.getElementById("engine-status")!.textContent = t().tokenTitle;
  document.getElementById("screen")!.replaceChildren(
    h("section", { class: "panel", id: "token-needed" },
      h("h2", { text: t().tokenTitle }),
      h("p", { text: t().tokenText })),
  );
});

// A model was installed or switched: start it and show its status.
setOnModelReady(() => void loadStatus());
api.onEngineState((state) => {
  const el = document.getElementById("engine-status")!;
  el.dataset.engine = state;
  if (state === "loading" && !status) el.textContent = t().starting;
});
setOnEngineChanged(() => void loadStatus());

setLang(lang());
onLangChange(() => {
  render();
  renderStatus();
});
window.addEventListener("hashchange", () => {
  render();
  document.getElementById("screen")?.focus();
});
render();
void loadStatus();
