// Shared by the Playwright suites: a real `lexilingo serve` on a free port, and Debian's
// Chromium (never a browser Playwright downloads).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where the suites keep their screenshots (a few are shown in the README). */
export const shots = join(repo, "docs", "screenshots");
/** The built UI that `serve --ui` hands to the browser. */
export const dist = join(repo, "ui", "dist");
export const bin = process.env.LEXILINGO_BIN;
export const model = process.env.LEXILINGO_TEST_MODEL;
assert.ok(bin && model, "set LEXILINGO_BIN and LEXILINGO_TEST_MODEL (scripts/test does)");

/**
 * Starts `lexilingo ARGS… serve --port 0 --ui DIST SERVE_ARGS…` and resolves with the child, its URL and
 * the access token it made (the link a learner opens is `${url}/?token=${token}`).
 */
export function startServer(bin, args, ui, env = process.env, serveArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, "serve", "--port", "0", "--ui", ui, ...serveArgs], {
      stdio: ["ignore", "pipe", "inherit"],
      env,
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\/(?:\?token=(\w+))?\n/);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}`, token: m[2] ?? null });
    });
    child.on("exit", (code) => reject(new Error(`lexilingo serve exited (${code}): ${out}`)));
  });
}

/** Headless /usr/bin/chromium with nothing phoning home. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
