// Settings: the interface language, the model in use, and the licences.

import { api, transport } from "../api";
import { h } from "../dom";
import { clearError, showError } from "../errors";
import { lang, setLang, t, type Lang } from "../i18n";

/** Called after the engine's settings changed (the status line restarts the engine). */
let onEngineChanged: () => void = () => undefined;
export function setOnEngineChanged(f: () => void): void {
  onEngineChanged = f;
}

export function settingsScreen(root: HTMLElement): void {
  const s = t().settings;
  const choice = (value: Lang, label: string) => {
    const input = h("input", { type: "radio", name: "lang", value, id: `lang-${value}`, checked: lang() === value });
    input.addEventListener("change", () => setLang(value));
    return h("label", { for: `lang-${value}` }, input, ` ${label}`);
  };
  const model = h("p", { id: "model-info", text: "…" });
  const showModel = () =>
    api.status().then(
      (m) => {
        model.textContent = `${m.name} — ${s.params(m.n_params, m.size_bytes / 1048576, m.n_ctx, m.threads)}`;
      },
      () => {
        model.textContent = s.noModel;
      },
    );
  const exportJson = h("button", { type: "button", id: "export-json", class: "secondary", text: s.exportJson });
  const exportCsv = h("button", { type: "button", id: "export-csv", class: "secondary", text: s.exportCsv });
  const importFile = h("input", { type: "file", id: "import-file", accept: ".json,application/json" });
  const dataStatus = h("p", { id: "data-status", role: "status", class: "muted" });
  for (const [button, format] of [[exportJson, "json"], [exportCsv, "csv"]] as const) {
    button.addEventListener("click", async () => {
      try {
        dataStatus.textContent = s.exported(await api.exportHistory(format));
      } catch (e) {
        showError(e);
      }
    });
  }
  importFile.addEventListener("change", async () => {
    const file = importFile.files?.[0];
    if (!file) return;
    try {
      const r = await api.importHistory(await file.text());
      dataStatus.textContent = s.imported(r.imported, r.skipped, r.conversations_imported);
    } catch (e) {
      showError(e);
    } finally {
      importFile.value = "";
    }
  });
  const copy = h("button", { type: "button", id: "copy-diagnostics", class: "secondary", text: s.copyDiagnostics });
  const copied = h("p", { id: "diagnostics-status", role: "status", class: "muted" });
  const report = h("textarea", { id: "diagnostics", rows: 8, readonly: true, hidden: true, "aria-label": s.diagnostics });
  copy.addEventListener("click", async () => {
    try {
      report.value = await api.diagnostics();
    } catch (e) {
      showError(e);
      return;
    }
    report.hidden = false;
    try {
      await navigator.clipboard.writeText(report.value);
      copied.textContent = s.copied;
    } catch {
      report.select();
      copied.textContent = s.copyByHand;
    }
  });
  // The engine: which installed model, threads, context size. Saving restarts the engine.
  const activeModel = h("select", { id: "active-model" });
  const threads = h("select", { id: "threads" });
  const context = h("select", { id: "context" });
  const saveEngine = h("button", { type: "button", id: "save-engine", text: s.saveEngine });
  const engineStatus = h("p", { id: "engine-settings-status", role: "status", class: "muted" });
  const dataDir = h("code", { id: "data-dir" });
  const newDir = h("input", { type: "text", id: "new-data-dir", placeholder: s.newDirPlaceholder, autocomplete: "off", spellcheck: false });
  const moveDir = h("button", { type: "button", id: "move-data-dir", class: "secondary", text: s.moveDir });
  const pickDir = transport === "tauri" ? h("button", { type: "button", id: "pick-data-dir", class: "secondary", text: s.pickDir }) : null;
  // The app moves data only to a folder chosen in the native dialog (it refuses typed paths).
  newDir.readOnly = transport === "tauri";
  const moveStatus = h("p", { id: "move-status", role: "status", class: "muted" });
  pickDir?.addEventListener("click", async () => {
    try {
      const picked = await api.pickPath(s.pickDir, "folder");
      if (picked) newDir.value = picked;
    } catch (e) {
      showError(e);
    }
  });
  moveDir.addEventListener("click", async () => {
    const path = newDir.value.trim();
    if (!path) {
      showError(s.newDirEmpty);
      newDir.focus();
      return;
    }
    moveDir.disabled = true;
    moveStatus.textContent = s.moving;
    try {
      const r = await api.moveDataDir(path);
      moveStatus.textContent = r.existing ? s.movedExisting(r.to) : s.moved(r.to, r.files, (r.bytes / 1e6).toFixed(0));
      if (r.overridden_by_env) moveStatus.textContent += ` ${s.envWins}`;
    } catch (e) {
      moveStatus.textContent = "";
      showError(e);
    } finally {
      moveDir.disabled = false;
    }
  });
  Promise.all([api.models(), api.engineSettings()]).then(([o, e]) => {
    activeModel.replaceChildren(...(o.installed.length
      ? o.installed.map((m) => h("option", { value: m.id, text: m.id, selected: o.active === m.id }))
      : [h("option", { value: "", text: s.noModel })]));
    activeModel.disabled = o.installed.length === 0;
    // A model given at start (`--model`, LEXILINGO_MODEL) runs without being installed: name
    // it rather than saying there is none.
    if (o.installed.length === 0) {
      api.status().then(
        (m) => activeModel.replaceChildren(h("option", { value: "", text: s.givenModel(m.name) })),
        () => undefined,
      );
    }
    threads.replaceChildren(
      h("option", { value: "", text: s.auto(e.default_threads), selected: e.threads === null }),
      ...Array.from({ length: e.max_threads }, (_, i) => i + 1).map((n) =>
        h("option", { value: String(n), text: String(n), selected: e.threads === n })));
    const sizes = [1024, 2048, 4096, 8192, 16384, 32768];
    context.replaceChildren(
      h("option", { value: "", text: s.auto(e.default_context), selected: e.context === null }),
      ...sizes.map((n) => h("option", { value: String(n), text: s.tokens(n), selected: e.context === n })));
    dataDir.textContent = e.data_dir;
    saveEngine.onclick = async () => {
      try {
        if (activeModel.value && activeModel.value !== o.active) await api.activateModel(activeModel.value);
        await api.saveEngineSettings({
          ...e,
          threads: threads.value ? Number(threads.value) : null,
          context: context.value ? Number(context.value) : null,
        });
        engineStatus.textContent = s.engineSaved;
        onEngineChanged();
        void showModel();
      } catch (err) {
        showError(err);
      }
    };
  }, showError);
  // The daily goal: sentences a day, shown on Progress against today's count.
  const goal = h("input", { type: "number", id: "daily-goal", min: 1, max: 500, step: 1, inputmode: "numeric" });
  const saveGoal = h("button", { type: "button", id: "save-goal", class: "secondary", text: s.saveGoal });
  const goalStatus = h("p", { id: "goal-status", role: "status", class: "muted" });
  const goalError = h("p", { id: "goal-error", class: "inline-error", role: "alert", hidden: true });
  api.progress().then((p) => {
    goal.value = String(p.daily_goal);
  }, () => undefined);
  saveGoal.addEventListener("click", async () => {
    const n = Number(goal.value);
    goalStatus.textContent = "";
    clearError(goalError);
    if (!Number.isInteger(n) || n < 1 || n > 500) {
      showError(s.goalRange, goalError);
      goal.focus();
      return;
    }
    try {
      const saved = await api.saveDailyGoal(n);
      goalStatus.textContent = s.goalSaved(saved.daily_goal);
    } catch (e) {
      showError(e, goalError);
    }
  });
  const field = (id: string, label: string, control: HTMLElement) =>
    h("div", { class: "field" }, h("label", { for: id, text: label }), control);

  root.replaceChildren(
    h("h2", { text: s.title }),
    h("fieldset", { class: "panel" }, h("legend", { text: s.language }), choice("vi", "Tiếng Việt"), " ", choice("en", "English")),
    h("section", { class: "panel", id: "engine" },
      h("h3", { text: s.model }),
      model,
      field("active-model", s.activeModel, activeModel),
      field("threads", s.threads, threads),
      field("context", s.context, context),
      h("p", { class: "muted", text: s.engineText }),
      h("div", { class: "actions" }, saveEngine, h("a", { href: "#models", id: "manage-models", text: s.manageModels })),
      engineStatus),
    h("section", { class: "panel", id: "goal" },
      h("h3", { text: s.goal }),
      h("div", { class: "row" }, h("label", { for: "daily-goal", text: s.goalLabel }), goal, saveGoal),
      goalError,
      goalStatus),
    h("section", { class: "panel", id: "data" },
      h("h3", { text: s.data }),
      h("p", { class: "muted", text: s.dataText }),
      h("p", {}, `${s.dataDir} `, dataDir),
      h("label", { for: "new-data-dir", text: s.newDirLabel }),
      h("div", { class: "row" }, newDir, pickDir, moveDir),
      h("p", { class: "muted", text: s.dataDirHow }),
      moveStatus,
      h("div", { class: "actions" }, exportJson, exportCsv),
      h("label", { for: "import-file", text: s.importLabel }),
      importFile,
      dataStatus),
    h("section", { class: "panel" }, h("h3", { text: s.diagnostics }), copy, copied, report),
    h("section", { class: "panel", id: "about" },
      h("h3", { text: s.about }),
      h("p", { text: s.aboutText }),
      h("h4", { text: s.licences }),
      h("ul", {},
        h("li", { text: "LexiLingo — Apache-2.0" }),
        h("li", { text: "llama.cpp (ggml) — MIT; llama-cpp-2 — MIT/Apache-2.0" }),
        h("li", { text: "Harper (harper-core) — Apache-2.0" }),
        h("li", { text: "The CEFR-J Wordlist Version 1.5. Compiled by Yukio Tono, Tokyo University of Foreign Studies. © Tono Laboratory, TUFS" }),
        h("li", { text: "Octanove Vocabulary Profile C1/C2 1.0 — Octanove Labs, CC BY-SA 4.0" }),
        h("li", { text: "SCOWL word lists (size 70) — Copyright 2000-2011 by Kevin Atkinson, permissive licence" }),
        h("li", { text: "Be Vietnam Pro font — SIL Open Font License 1.1" }),
        h("li", { text: "Chart.js — MIT" }))),
  );
  showModel();
}
