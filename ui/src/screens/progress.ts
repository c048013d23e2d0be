// Progress: the streak, today against the daily goal, this week against the last, the totals;
// sentences and fluency per day over 7 or 30 days; the CEFR distribution and the most frequent
// mistakes, each linking to its History filter. Drawn with Chart.js (only the parts used are
// registered, to keep the bundle small).

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
import type { Progress } from "../bindings/Progress";
import { h } from "../dom";
import { showError } from "../errors";
import { t } from "../i18n";
import { errorTypeName } from "../labels";
import { drillButton } from "./drill";
import { openHistoryFiltered } from "./history";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);
Chart.defaults.font.family = "'Be Vietnam Pro', system-ui, sans-serif";
Chart.defaults.animation = false;

const charts: Chart[] = [];
const SPAN_KEY = "lexilingo.progress.days";

/** Counts are whole numbers: an axis of attempts never shows 0.5. */
const countAxis = { beginAtZero: true, ticks: { precision: 0 } } as const;

export function progressScreen(root: HTMLElement): void {
  const s = t().progress;
  for (const c of charts.splice(0)) c.destroy();
  root.replaceChildren(h("h2", { text: s.title }), h("p", { class: "muted", "aria-busy": "true", text: "…" }));
  void api.progress().then(
    (p) => {
      if (p.activity.total_attempts === 0) {
        root.replaceChildren(h("h2", { text: s.title }), h("p", { id: "progress-empty", text: s.empty }));
        return;
      }
      draw(root, p);
    },
    (e) => showError(e),
  );
}

function draw(root: HTMLElement, p: Progress): void {
  const s = t().progress;
  const a = p.activity;
  const accent = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#0b6e4f";
  const card = (id: string, title: string, value: string, ...rest: Node[]) =>
    h("section", { class: "panel stat", id }, h("h3", { text: title }), h("p", { class: "stat-value", text: value }), ...rest);

  const goalMet = a.today >= p.daily_goal;
  const today = card("stat-today", s.today, s.ofGoal(Number(a.today), p.daily_goal),
    h("progress", { max: p.daily_goal, value: Math.min(Number(a.today), p.daily_goal), "aria-label": s.today }),
    h("p", { class: "muted", text: goalMet ? s.goalMet : s.goalLeft(p.daily_goal - Number(a.today)) }));
  const diff = Number(a.last_7_days) - Number(a.previous_7_days);
  const week = card("stat-week", s.week, s.sentences(Number(a.last_7_days)),
    h("p", { class: "muted", text: s.weekBefore(Number(a.previous_7_days), diff) }));
  const streak = card("stat-streak", s.streak, s.days(Number(a.streak)),
    h("p", { class: "muted", text: s.best(Number(a.best_streak)) }));
  const total = card("stat-total", s.total, s.sentences(Number(a.total_attempts)),
    h("p", { class: "muted", text: s.onDays(Number(a.practice_days)) }));

  const span = (days: number, label: string) => {
    const input = h("input", { type: "radio", name: "progress-span", value: String(days), id: `span-${days}` });
    return [input, h("label", { for: `span-${days}`, text: label })] as const;
  };
  const [week7, week7Label] = span(7, s.days7);
  const [month, monthLabel] = span(30, s.days30);
  const saved = localStorage.getItem(SPAN_KEY) === "30" ? 30 : 7;
  (saved === 30 ? month : week7).checked = true;
  const activityCanvas = h("canvas", { id: "chart-activity", role: "img", "aria-label": s.activity });
  const levels = h("canvas", { id: "chart-levels", role: "img", "aria-label": s.levels });
  const errors = h("canvas", { id: "chart-errors", role: "img", "aria-label": s.errors });
  const errorLinks = h("ul", { id: "error-links", class: "error-links" },
    ...p.top_errors.map((e) => {
      const link = h("a", { href: "#history", text: s.seeInHistory(errorTypeName(e.error_type)) });
      link.addEventListener("click", (ev) => {
        ev.preventDefault();
        openHistoryFiltered(e.error_type);
      });
      return h("li", {}, link, ` (${s.sentences(Number(e.total))}) `, drillButton(e.error_type));
    }));

  root.replaceChildren(
    h("h2", { text: s.title }),
    h("div", { class: "stats" }, today, week, streak, total),
    h("section", { class: "panel chart" },
      h("h3", { text: s.activity }),
      h("fieldset", { class: "segmented" }, h("legend", { class: "visually-hidden", text: s.span }),
        week7, week7Label, month, monthLabel),
      activityCanvas),
    h("div", { class: "summary" },
      h("section", { class: "panel chart" }, h("h3", { text: s.levels }), levels),
      h("section", { class: "panel chart" }, h("h3", { text: s.errors }), errors, errorLinks)),
  );

  let activity: Chart | null = null;
  const drawActivity = (days: number) => {
    activity?.destroy();
    const shown = p.activity.last_30_days.slice(-days);
    activity = new Chart(activityCanvas, {
      type: "bar",
      data: {
        labels: shown.map((d) => d.day.slice(5)),
        datasets: [
          { type: "bar", label: s.attempts, data: shown.map((d) => Number(d.attempts)), backgroundColor: accent, yAxisID: "y" },
          {
            type: "line",
            label: s.average,
            data: shown.map((d) => d.average),
            borderColor: "#b5542d",
            backgroundColor: "#b5542d",
            spanGaps: true,
            yAxisID: "fluency",
          },
        ],
      },
      options: {
        scales: {
          y: { ...countAxis, title: { display: true, text: s.attempts } },
          fluency: { position: "right", min: 0, max: 5, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: s.average } },
        },
      },
    });
    charts.push(activity);
  };
  for (const input of [week7, month]) {
    input.addEventListener("change", () => {
      localStorage.setItem(SPAN_KEY, input.value);
      drawActivity(Number(input.value));
    });
  }
  drawActivity(saved);

  charts.push(
    new Chart(levels, {
      type: "bar",
      data: {
        labels: p.cefr_distribution.map((l) => l.level),
        datasets: [{ label: s.attempts, data: p.cefr_distribution.map((l) => Number(l.attempts)), backgroundColor: accent }],
      },
      options: { plugins: { legend: { display: false } }, scales: { y: countAxis } },
    }),
    new Chart(errors, {
      type: "bar",
      data: {
        labels: p.top_errors.map((e) => errorTypeName(e.error_type)),
        datasets: [{ label: s.attempts, data: p.top_errors.map((e) => Number(e.total)), backgroundColor: "#b5542d" }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: countAxis } },
    }),
  );
}
