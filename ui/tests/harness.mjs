// Shared by the Playwright suites: a real `lexilingo serve` on a free port, and Debian's
// Chromium (never a browser Playwright downloads).

import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

/** Starts `lexilingo ARGS… serve --port 0 --ui DIST` and resolves with the child and its URL. */
export function startServer(bin, args, ui, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, "serve", "--port", "0", "--ui", ui], {
      stdio: ["ignore", "pipe", "inherit"],
      env,
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
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
