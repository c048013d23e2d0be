// Progress: fluency over time, the CEFR distribution and the most frequent mistakes, drawn with
// Chart.js (only the parts used are registered, to keep the bundle small).

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { api } from "../api";
import { h } from "../dom";
import { showError } from "../errors";
import { t } from "../i18n";
import { errorTypeName } from "../labels";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);
Chart.defaults.font.family = "'Be Vietnam Pro', system-ui, sans-serif";
Chart.defaults.animation = false;

const charts: Chart[] = [];

export function progressScreen(root: HTMLElement): void {
  const s = t().progress;
  for (const c of charts.splice(0)) c.destroy();
  root.replaceChildren(h("h2", { text: s.title }), h("p", { class: "muted", "aria-busy": "true", text: "…" }));
  void api.progress().then(
    (p) => {
      if (p.fluency_by_day.length === 0) {
        root.replaceChildren(h("h2", { text: s.title }), h("p", { id: "progress-empty", text: s.empty }));
        return;
      }
      const canvas = (id: string, label: string) => h("canvas", { id, role: "img", "aria-label": label });
      const fluency = canvas("chart-fluency", s.fluency);
      const levels = canvas("chart-levels", s.levels);
      const errors = canvas("chart-errors", s.errors);
      root.replaceChildren(
        h("h2", { text: s.title }),
        h("section", { class: "panel chart" }, h("h3", { text: s.fluency }), fluency),
        h("div", { class: "summary" },
          h("section", { class: "panel chart" }, h("h3", { text: s.levels }), levels),
          h("section", { class: "panel chart" }, h("h3", { text: s.errors }), errors)),
      );
      const accent = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#0b6e4f";
      charts.push(
        new Chart(fluency, {
          type: "line",
          data: {
            labels: p.fluency_by_day.map((d) => d.period),
            datasets: [{ label: s.average, data: p.fluency_by_day.map((d) => d.average), borderColor: accent, backgroundColor: accent }],
          },
          options: { scales: { y: { min: 0, max: 5 } } },
        }),
        new Chart(levels, {
          type: "bar",
          data: {
            labels: p.cefr_distribution.map((l) => l.level),
            datasets: [{ label: s.attempts, data: p.cefr_distribution.map((l) => l.attempts), backgroundColor: accent }],
          },
          options: { plugins: { legend: { display: false } } },
        }),
        new Chart(errors, {
          type: "bar",
          data: {
            labels: p.top_errors.map((e) => errorTypeName(e.error_type)),
            datasets: [{ label: s.attempts, data: p.top_errors.map((e) => e.total), backgroundColor: "#b5542d" }],
          },
          options: { indexAxis: "y", plugins: { legend: { display: false } } },
        }),
      );
    },
    (e) => showError(e),
  );
}
