// Models: the first-run screen and the place to add or switch models later. Pick from the
// catalog (the recommended one pre-selected) and download it with progress, speed and ETA —
// pause, resume (even after closing the app) and cancel — or import a GGUF file.

import { api, transport } from "../api";
import type { CatalogItem } from "../bindings/CatalogItem";
import type { DownloadStatus } from "../bindings/DownloadStatus";
import type { ModelsOverview } from "../bindings/ModelsOverview";
import { h } from "../dom";
import { clearError, showError } from "../errors";
import { t } from "../i18n";

/** Called when a model becomes usable (downloaded or imported as the first, or switched). */
let onModelReady: () => void = () => undefined;
export function setOnModelReady(f: () => void): void {
  onModelReady = f;
}

/** No model yet: the screen greets the learner as a first run. */
let firstRun = false;
export function setFirstRun(b: boolean): void {
  firstRun = b;
}

/** Stops listening to the download when the learner leaves the screen. */
let stopListening: (() => void) | null = null;

const gb = (bytes: number) => (bytes / 1e9).toFixed(bytes < 1e9 ? 2 : 1);
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

export function modelsScreen(root: HTMLElement): void {
  stopListening?.();
  stopListening = null;
  const s = t().models;
  const intro = h("div", { id: "models-intro" },
    firstRun ? h("p", { id: "welcome", class: "welcome", text: s.welcome }) : null,
    h("p", { class: "muted", text: s.intro }));
  const list = h("div", { id: "catalog", role: "radiogroup", "aria-label": s.catalog });
  const progress = h("progress", { id: "download-progress", max: 1, value: 0, hidden: true });
  const progressText = h("p", { id: "download-text", role: "status", "aria-live": "polite" });
  const start = h("button", { type: "button", id: "download-start", text: s.download });
  const pause = h("button", { type: "button", id: "download-pause", class: "secondary", text: s.pause, hidden: true });
  const cancel = h("button", { type: "button", id: "download-cancel", class: "secondary", text: s.cancel, hidden: true });
  const done = h("a", { id: "download-done", class: "button", href: "#practice", text: s.startPractice, hidden: true });
  const installedList = h("ul", { id: "installed" });
  // In the app the native file dialog chooses the file (the app accepts no typed path); in a
  // browser the file is chosen with a file input and sent to the server, which never opens
  // a path a web page names.
  const importFile = h("input", { type: "file", id: "import-file-model", accept: ".gguf" });
  const importButton = h("button", { type: "button", id: "import-model", class: "secondary", text: s.importButton });
  const importStatus = h("p", { id: "import-status", role: "status", class: "muted" });
  const pick = transport === "tauri" ? h("button", { type: "button", id: "pick-model", class: "secondary", text: s.pickFile }) : null;
  /** Imports a file (a picked path in the app, a chosen file in a browser). */
  const runImport = async (what: string | File) => {
    clearError();
    importButton.disabled = true;
    if (pick) pick.disabled = true;
    importStatus.textContent = s.importing;
    try {
      const m = typeof what === "string" ? await api.importModel(what) : await api.uploadModel(what);
      importStatus.textContent = s.imported(m.id);
      importFile.value = "";
      await refresh();
      if (overview?.active === m.id) {
        // The imported model is ready, as after a download: offer to start, drop the welcome.
        done.hidden = false;
        intro.querySelector("#welcome")?.remove();
        onModelReady();
      }
    } catch (e) {
      importStatus.textContent = "";
      showError(e);
    } finally {
      importButton.disabled = false;
      if (pick) pick.disabled = false;
    }
  };
  pick?.addEventListener("click", async () => {
    try {
      const path = await api.pickPath(s.pickFile, "gguf");
      if (path) await runImport(path);
    } catch (e) {
      showError(e);
    }
  });

  let overview: ModelsOverview | null = null;
  let status: DownloadStatus = { status: "idle" };
  const selected = () => list.querySelector<HTMLInputElement>("input[name=model]:checked")?.value ?? "";
  const item = (id: string): CatalogItem | undefined => overview?.catalog.find((c) => c.id === id);

  function renderCatalog(o: ModelsOverview): void {
    const keep = selected();
    // Entries the app cannot download (no pinned, checked source yet) go in their own group:
    // a learner can only bring them as a file.
    const fileOnly = (c: CatalogItem) => !c.downloadable && !c.installed;
    const option = (c: CatalogItem) => {
      const id = `model-${c.id}`;
      const input = h("input", {
        type: "radio", name: "model", value: c.id, id,
        checked: keep ? keep === c.id : c.recommended,
        disabled: !c.downloadable && !c.installed,
      });
      input.addEventListener("change", renderStatus);
      const badges: string[] = [];
      if (c.recommended) badges.push(s.recommended);
      if (o.active === c.id) badges.push(s.active);
      else if (c.installed) badges.push(s.installed);
      if (c.partial_bytes !== null && !c.installed) {
        badges.push(c.size ? s.partialPct(Math.floor((100 * c.partial_bytes) / c.size)) : s.partial);
      }
      return h("label", { for: id, class: "model-option" },
        input,
        h("span", { class: "model-text" },
          h("strong", { text: c.name }),
          badges.length ? h("span", { class: "badges", text: badges.join(" · ") }) : null,
          h("span", { class: "muted", text: s.facts(c.size === null ? null : gb(c.size), c.ram_gb, c.licence) }),
          h("span", { class: "muted", text: c.recommendation }),
          c.low_memory ? h("span", { class: "warning", text: s.lowMemory(c.ram_gb, o.available_memory === null ? null : gb(o.available_memory)) }) : null));
    };
    const importOnly = o.catalog.filter(fileOnly);
    list.replaceChildren(
      ...o.catalog.filter((c) => !fileOnly(c)).map(option),
      ...(importOnly.length
        ? [h("div", { id: "catalog-import-only", class: "group" },
          h("h3", { text: s.importOnlyTitle }),
          h("p", { class: "muted", text: s.importOnlyText }),
          ...importOnly.map(option))]
        : []),
    );
    installedList.replaceChildren(...(o.installed.length === 0
      ? [h("li", { class: "muted", text: s.noneInstalled })]
      : o.installed.map((m) => {
        const use = h("button", { type: "button", class: "secondary", "data-use": m.id, text: s.use, disabled: o.active === m.id });
        use.addEventListener("click", async () => {
          try {
            overview = await api.activateModel(m.id);
            renderCatalog(overview);
            onModelReady();
          } catch (e) {
            showError(e);
          }
        });
        return h("li", {},
          h("strong", { text: m.id }),
          ` · ${gb(m.size)} GB · ${m.verified ? s.verified : s.notVerified}${o.active === m.id ? ` · ${s.active}` : ""} `,
          use);
      })));
  }

  function renderStatus(): void {
    const id = selected();
    const c = item(id);
    const running = status.status === "running";
    const thisOne = "id" in status && status.id === id;
    progress.hidden = !(thisOne && (running || status.status === "paused"));
    pause.hidden = !(running && thisOne);
    cancel.hidden = !(thisOne && (running || status.status === "paused" || status.status === "failed")) && !(c?.partial_bytes && !c.installed);
    start.hidden = running && thisOne;
    start.disabled = !c || !c.downloadable || c.installed || (running && !thisOne);
    start.textContent = c?.partial_bytes && !c.installed ? s.resume : s.download;
    done.hidden = !(status.status === "finished" && overview?.active);
    progressText.classList.remove("error-text");
    if (!thisOne) {
      progressText.textContent = c?.installed ? s.alreadyInstalled : running ? s.otherRunning : "";
      return;
    }
    const total = c?.size ?? null;
    switch (status.status) {
      case "running": {
        const st = status.state;
        if (st.state === "downloading") {
          const all = st.total ?? total;
          if (all) {
            progress.max = all;
            progress.value = st.bytes;
          } else progress.removeAttribute("value");
          progressText.textContent = s.progress(mb(st.bytes), all ? mb(all) : null, st.speed > 0 ? (st.speed / 1e6).toFixed(1) : null, st.eta_secs);
        } else if (st.state === "waiting_for_network") {
          progressText.textContent = s.waiting(Math.ceil(st.retry_in_ms / 1000), st.attempt);
        } else if (st.state === "verifying") {
          progressText.textContent = s.verifying;
        } else if (st.state === "connecting") {
          progressText.textContent = s.connecting;
        }
        break;
      }
      case "paused":
        if (total) {
          progress.max = total;
          progress.value = status.bytes;
        }
        progressText.textContent = s.paused(mb(status.bytes), total ? mb(total) : null);
        break;
      case "failed":
        progressText.textContent = status.message;
        progressText.classList.add("error-text");
        break;
      case "finished":
        progressText.textContent = status.activated ? s.finishedActive : s.finished;
        break;
      case "idle":
        progressText.textContent = "";
    }
  }

  async function refresh(): Promise<void> {
    try {
      overview = await api.models();
      renderCatalog(overview);
      // The overview knows about a download paused before a restart; live events override it.
      if (status.status === "idle") status = overview.download;
      renderStatus();
    } catch (e) {
      showError(e);
    }
  }

  start.addEventListener("click", async () => {
    clearError();
    try {
      await api.downloadModel(selected());
    } catch (e) {
      showError(e);
    }
  });
  pause.addEventListener("click", () => void api.pauseDownload().catch(showError));
  cancel.addEventListener("click", async () => {
    if (!confirm(s.confirmCancel)) return;
    try {
      await api.cancelDownload(selected());
      status = { status: "idle" };
      await refresh();
    } catch (e) {
      showError(e);
    }
  });
  importButton.addEventListener("click", async () => {
    const file = importFile.files?.[0];
    if (!file) {
      clearError();
      showError(s.importEmpty);
      importFile.focus();
      return;
    }
    await runImport(file);
  });

  root.replaceChildren(
    h("h2", { text: s.title }),
    intro,
    h("section", { class: "panel" },
      h("h3", { text: s.catalog }),
      list,
      h("div", { class: "actions" }, start, pause, cancel, done),
      progress,
      progressText),
    h("section", { class: "panel", id: "import" },
      h("h3", { text: s.importTitle }),
      h("p", { class: "muted", text: s.importText }),
      transport === "tauri"
        ? h("div", { class: "row" }, pick)
        : h("div", { class: "row" }, h("label", { for: "import-file-model", text: s.importLabel }), importFile, importButton),
      importStatus),
    h("section", { class: "panel" }, h("h3", { text: s.installedTitle }), installedList),
  );

  let finishedSeen = false;
  stopListening = api.onDownload((next) => {
    // A paused download from before a restart shows as idle in the live state.
    if (next.status === "idle" && status.status === "paused") return;
    const wasRunning = status.status === "running";
    status = next;
    if (next.status === "finished" || (next.status !== "running" && wasRunning)) {
      void refresh().then(() => {
        if (next.status === "finished" && next.activated && !finishedSeen) {
          finishedSeen = true;
          onModelReady();
        }
      });
    }
    renderStatus();
  });
  void refresh();
}
