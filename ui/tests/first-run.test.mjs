// The first run in Debian's Chromium against a real `lexilingo serve` started with no model:
// the model screen, a real download from a local HTTP server (Range requests, throttled so it
// can be paused), pause → server restart → resume, the network-down and bad-file messages,
// then the engine settings. Screenshots go to docs/screenshots/.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, dist, launchBrowser, model, shots, startServer as harnessStart } from "./harness.mjs";


const bytes = readFileSync(model);
const sha256 = createHash("sha256").update(bytes).digest("hex");
const data = mkdtempSync(join(tmpdir(), "lexilingo-first-run-"));
// Where the chosen data folder is remembered (never the real ~/.config in a test), and where
// the data is moved to.
const config = mkdtempSync(join(tmpdir(), "lexilingo-config-"));
const elsewhere = mkdtempSync(join(tmpdir(), "lexilingo-usb-"));
// What the file server sent, to prove the resume did not start over.
let served = 0;
let files;
let server;
let base;
let token;
let browser;
let page;

/** A Hugging Face stand-in: serves the test model at any path, honours `Range`, ~20 MB/s. */
function startFileServer() {
  return new Promise((resolve) => {
    const s = createServer((req, res) => {
      const m = /bytes=(\d+)-/.exec(req.headers.range ?? "");
      const from = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, {
        "Content-Length": bytes.length - from,
        ...(m ? { "Content-Range": `bytes ${from}-${bytes.length - 1}/${bytes.length}` } : {}),
      });
      let at = from;
      const tick = setInterval(() => {
        if (res.destroyed || at >= bytes.length) {
          clearInterval(tick);
          res.end();
          return;
        }
        const end = Math.min(at + (1 << 20), bytes.length);
        res.write(bytes.subarray(at, end));
        served += end - at;
        at = end;
      }, 50);
      res.on("close", () => clearInterval(tick));
    });
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

function withoutModel(env) {
  delete env.LEXILINGO_MODEL;
  return env;
}

function startServer() {
  const env = withoutModel({ ...process.env, LEXILINGO_CONFIG_DIR: config,
    LEXILINGO_HF_ENDPOINT: `http://127.0.0.1:${files.address().port}` });
  // The data folder may be moved from the browser only because this test allows it.
  return harnessStart(bin, ["--data-dir", data], dist, env, ["--allow-data-dir-move"]);
}

async function restartServer() {
  server.kill();
  await new Promise((r) => server.once("exit", r));
  ({ child: server, url: base, token } = await startServer());
}

before(async () => {
  files = await startFileServer();
  // A school's catalog: the test model, recommended; and one whose server is unreachable.
  writeFileSync(join(data, "catalog.toml"), `default = "smol"

[[model]]
id = "smol"
name = "SmolLM2 135M Instruct (Q4_1)"
quant = "Q4_1"
file = "smol.gguf"
url = "https://huggingface.co/test/smol/resolve/0123456789abcdef/smol.gguf"
size = ${bytes.length}
sha256 = "${sha256}"
licence = "Apache-2.0"
context = 8192
ram_gb = 1
recommendation = "Mô hình nhỏ để thử"
checked = true

[[model]]
id = "offline"
name = "Unreachable model"
quant = "Q4_0"
file = "offline.gguf"
url = "http://127.0.0.1:9/offline.gguf"
size = 1000
sha256 = "${"0".repeat(64)}"
licence = "MIT"
context = 2048
ram_gb = 1
recommendation = "unreachable"
checked = true
`);
  ({ child: server, url: base, token } = await startServer());
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.kill();
  files?.close();
  files?.closeAllConnections?.();
  for (const dir of [data, config, elsewhere]) rmSync(dir, { recursive: true, force: true });
});

test("with no model the window opens on the model screen, recommended model selected", async () => {
  await page.goto(`${base}/?token=${token}`);
  await page.waitForSelector("#welcome");
  assert.equal(new URL(page.url()).hash, "#models");
  assert.equal(await page.textContent("#engine-status"), "Chưa có mô hình");
  assert.ok(await page.isChecked("#model-smol"), "the recommended model is pre-selected");
  assert.match(await page.textContent('label[for="model-smol"]'), /Khuyên dùng/);
  // The built-in catalog is listed too, with sizes and RAM.
  assert.match(await page.textContent("#catalog"), /Qwen2\.5 1\.5B Instruct \(Q4_K_M\).*1\.1 GB · cần khoảng 4 GB RAM/s);
  assert.equal(await page.isVisible("#error"), false, "a first run is not an error");
  // Entries the app cannot download are grouped apart, in words a learner knows.
  const fileOnly = await page.textContent("#catalog-import-only");
  assert.match(fileOnly, /^Chỉ nhập từ tệp/);
  assert.match(fileOnly, /Qwen2\.5 1\.5B Instruct \(Q4_K_S\)/);
  assert.ok(await page.isDisabled("#catalog-import-only input[type=radio]"));
  assert.doesNotMatch(await page.textContent("body"), /mã băm|sha256|hash/i, "no jargon");
  await page.screenshot({ path: join(shots, "first-run.png"), fullPage: true });
});

test("download with progress, pause, survive a restart, resume, and the model starts", async () => {
  await page.click("#download-start");
  await page.waitForSelector("#download-text:has-text('MB/giây · còn khoảng')", { timeout: 30_000 });
  await page.waitForFunction(() => {
    const p = document.getElementById("download-progress");
    return !p.hidden && p.value > p.max * 0.15;
  }, null, { timeout: 30_000 });
  assert.equal(await page.isVisible("#download-done"), false, "no way to practise before the model is in");
  await page.screenshot({ path: join(shots, "download.png"), fullPage: true });
  await page.click("#download-pause");
  await page.waitForSelector("#download-text:has-text('Đã tạm dừng')");
  const paused = served;
  assert.ok(paused > 0 && paused < bytes.length, `${paused} of ${bytes.length}`);

  // The app closes and opens again: the partial download is still there.
  await restartServer();
  // A restart makes a new token: the learner opens the new link.
  await page.goto(`${base}/?token=${token}`);
  await page.waitForSelector("#download-text:has-text('Đã tạm dừng')");
  assert.match(await page.textContent('label[for="model-smol"]'), /Đã tải \d+%/);
  assert.equal(await page.textContent("#download-start"), "Tải tiếp");

  const before = served;
  await page.click("#download-start");
  await page.waitForSelector('#engine-status[data-ready="true"]', { timeout: 120_000 });
  assert.match(await page.textContent("#engine-status"), /^Mô hình: /);
  await page.waitForSelector("#download-done:visible");
  assert.ok(served - before <= bytes.length - paused + (4 << 20),
    `resumed after ${paused} bytes but ${served - before} more were sent`);
  assert.ok(existsSync(join(data, "models", "smol.gguf")));
  await page.waitForSelector("#installed li:has-text('smol')");
  assert.match(await page.textContent("#installed"), /Đang dùng/);
});

test("an unreachable server says the network is down, in Vietnamese, and can be cancelled", async () => {
  await page.goto(`${base}/#models`);
  await page.check("#model-offline");
  await page.click("#download-start");
  await page.waitForSelector("#download-text:has-text('Mất kết nối mạng')", { timeout: 30_000 });
  page.once("dialog", (d) => d.accept());
  await page.click("#download-cancel");
  await page.waitForFunction(() => !document.getElementById("download-text").textContent.includes("Mất kết nối"));
});

test("importing a file that is not a GGUF model is refused in Vietnamese", async () => {
  const notes = join(data, "notes.gguf");
  writeFileSync(notes, "these are my notes, not a model");
  await page.setInputFiles("#import-file-model", notes);
  await page.click("#import-model");
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error"), /không phải mô hình GGUF/);
  assert.ok(!existsSync(join(data, "models", "notes.gguf")), "a refused upload is not kept");
  await page.setInputFiles("#import-file-model", []);
  await page.click("#import-model");
  assert.match(await page.textContent("#error"), /chưa chọn tệp/);
});

test("settings: threads and context are saved and the engine restarts with them", async () => {
  await page.goto(`${base}/#settings`);
  await page.waitForSelector("#threads option[value='1']", { state: "attached" });
  assert.equal(await page.inputValue("#active-model"), "smol");
  await page.selectOption("#threads", "1");
  await page.selectOption("#context", "2048");
  await page.click("#save-engine");
  await page.waitForSelector("#engine-settings-status:has-text('Đã lưu')");
  await page.waitForSelector('#engine-status[data-ready="true"]', { timeout: 60_000 });
  assert.match(await page.textContent("#engine-status"), /· 1 luồng ·/);
  const saved = JSON.parse(readFileSync(join(data, "settings.json"), "utf8"));
  assert.equal(saved.threads, 1);
  assert.equal(saved.context, 2048);
  assert.match(await page.textContent("#data-dir"), /lexilingo-first-run-/);
  await page.waitForSelector("#model-info:has-text('ngữ cảnh 2048 token · 1 luồng')");
  await page.screenshot({ path: join(shots, "settings-engine.png"), fullPage: true });
});

test("settings: the data folder is copied to a new place and chosen for the next start", async () => {
  await page.goto(`${base}/#settings`);
  await page.fill("#new-data-dir", "usb/lexilingo");
  await page.click("#move-data-dir");
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error"), /đường dẫn đầy đủ/);
  const target = join(elsewhere, "lexilingo");
  await page.fill("#new-data-dir", target);
  await page.click("#move-data-dir");
  await page.waitForSelector("#move-status:has-text('Đã chép')");
  for (const f of ["lexilingo.db", "settings.json", join("models", "smol.gguf"), join("models", "manifest.json")]) {
    assert.ok(existsSync(join(target, f)), `${f} copied`);
    assert.ok(existsSync(join(data, f)), `${f} kept in the old folder`);
  }
  assert.equal(readFileSync(join(config, "data-dir"), "utf8").trim(), target);
  // The copied manifest still names the old folder's files; the new folder's own copy is used.
  const moved = spawnSync(bin, ["--data-dir", target, "models", "list", "--json"], { encoding: "utf8" });
  assert.equal(moved.status, 0, moved.stderr);
  assert.ok(moved.stdout.includes(join(target, "models", "smol.gguf")), moved.stdout);
});

test("a first run that imports a model file is offered to start practising, like a download", async () => {
  const fresh = mkdtempSync(join(tmpdir(), "lexilingo-import-"));
  const env = withoutModel({ ...process.env, LEXILINGO_CONFIG_DIR: config });
  const other = await harnessStart(bin, ["--data-dir", fresh], dist, env);
  try {
    await page.goto(`${other.url}/?token=${other.token}`);
    await page.waitForSelector("#welcome");
    assert.ok(await page.isHidden("#download-done"));
    await page.setInputFiles("#import-file-model", model);
    await page.click("#import-model");
    await page.waitForSelector("#download-done:not([hidden])", { timeout: 120_000 });
    assert.equal(await page.$("#welcome"), null, "the welcome line goes once a model is in");
    assert.match(await page.textContent("#import-status"), /Đã nhập mô hình/);
  } finally {
    other.child.kill();
    rmSync(fresh, { recursive: true, force: true });
  }
});
