// Accessibility and narrow windows, in Debian's Chromium against a real `lexilingo serve` with
// the real test model: axe-core's WCAG 2 A/AA rules on every screen, in both UI languages, at
// a desktop width and at 480 px; and at 480 px the layout a learner on a small laptop or a
// phone browser needs (one-line navigation labels, no empty band, the header on screen).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, dist, launchBrowser, model, shots, startServer } from "./harness.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SCREENS = ["practice", "conversation", "history", "review", "progress", "models", "settings"];
const data = mkdtempSync(join(tmpdir(), "lexilingo-a11y-"));
let server;
let base;
let token;
let browser;

before(async () => {
  ({ child: server, url: base, token } = await startServer(bin, ["--model", model, "--data-dir", data, "--threads", "2"], dist));
  browser = await launchBrowser();
  // One checked sentence, so History, Review and Progress show content rather than their
  // empty states.
  const r = await fetch(`${base}/v1/tutor/analyze`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ sentence: "She don't like apples." }),
  });
  assert.equal(r.status, 200, await r.text());
});

after(async () => {
  await browser?.close();
  server?.kill();
  rmSync(data, { recursive: true, force: true });
});

/** A page at `width` in `lang`, already holding the access token. */
async function open(width, lang) {
  // axe is injected as a script: the app's Content-Security-Policy (rightly) forbids that, so
  // this test's pages bypass it.
  const page = await browser.newPage({ viewport: { width, height: 800 }, bypassCSP: true });
  await page.goto(`${base}/?token=${token}`);
  await page.evaluate((l) => localStorage.setItem("lexilingo.lang", l), lang);
  await page.reload();
  return page;
}

/** Goes to `screen` and waits until it has drawn its content (not the loading line). */
async function show(page, screen) {
  await page.goto(`${base}/#${screen}`);
  await page.waitForFunction(() => {
    const main = document.getElementById("screen");
    return main && main.querySelector("h2") && !main.querySelector("[aria-busy='true']");
  });
  await page.waitForTimeout(300);
}

async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
}

test("axe runs and reports a violation it is shown (the checks below can fail)", async () => {
  const page = await open(1100, "vi");
  await show(page, "practice");
  await page.evaluate(() => {
    const low = document.createElement("p");
    low.textContent = "low contrast";
    low.style.color = "#ddd";
    document.getElementById("screen").append(low, document.createElement("img"));
  });
  const found = (await axe(page)).join("\n");
  assert.match(found, /image-alt/);
  assert.match(found, /color-contrast/);
  await page.close();
});

for (const lang of ["vi", "en"]) {
  for (const width of [1100, 480]) {
    test(`axe: every screen in ${lang} at ${width} px has no WCAG 2 A/AA violation`, async () => {
      const page = await open(width, lang);
      const found = [];
      for (const screen of SCREENS) {
        await show(page, screen);
        assert.equal(await page.getAttribute("html", "lang"), lang);
        for (const v of await axe(page)) found.push(`#${screen}: ${v}`);
      }
      // A drill of the learner's own mistake ("Luyện lỗi này" from Progress).
      await show(page, "progress");
      await page.click("#error-links button[data-drill]");
      await page.waitForSelector("#drill-sentence");
      for (const v of await axe(page)) found.push(`#review (drill): ${v}`);
      // A checked sentence: the result view (gauge, word levels, diff, explanations).
      await show(page, "practice");
      await page.fill("#sentence", "She don't like apples.");
      await page.click("#check");
      await page.waitForSelector("#result:not([hidden]) .gauge", { timeout: 120_000 });
      for (const v of await axe(page)) found.push(`#practice (result): ${v}`);
      await page.close();
      assert.deepEqual(found, []);
    });
  }
}

test("at 480 px the navigation is one row of one-line labels, with no empty band, and the header stays on screen", async () => {
  const page = await open(480, "vi");
  await show(page, "practice");
  const nav = await page.evaluate(() => {
    const links = [...document.querySelectorAll("nav a")];
    const heights = links.map((a) => a.getBoundingClientRect().height);
    const tops = new Set(links.map((a) => Math.round(a.getBoundingClientRect().top)));
    const nav = document.getElementById("nav").getBoundingClientRect();
    const main = document.getElementById("screen").getBoundingClientRect();
    const lineHeight = parseFloat(getComputedStyle(links[0]).lineHeight);
    return { heights, rows: tops.size, gap: main.top - nav.bottom, lineHeight };
  });
  assert.equal(nav.rows, 1, "one row of links");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "nothing wider than the window");
  for (const h of nav.heights) assert.ok(h < nav.lineHeight * 2, `a label wraps: ${nav.heights}`);
  assert.ok(nav.gap < 24, `an empty band of ${nav.gap}px under the navigation`);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.fill("#sentence", "She don't like apples. ".repeat(20));
  await page.evaluate(() => window.scrollTo(0, 10_000));
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "a long text does not widen the page");
  const header = await page.evaluate(() => document.querySelector("header.top").getBoundingClientRect().top);
  assert.ok(header >= 0 && header < 5, `the header scrolled away (top ${header})`);
  await page.screenshot({ path: join(shots, "practice-480.png"), fullPage: false });
  // This Chromium has no English voice: no read-aloud button is offered.
  await show(page, "conversation");
  await page.waitForSelector("#chat-log .msg.assistant");
  assert.ok(await page.$$eval(".speak", (l) => l.every((b) => b.hidden)), "a read-aloud button without a voice");
  await page.close();
});
