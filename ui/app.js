// The first screen of LexiLingo Desktop: the model's status and one sentence check.
// Model output is always inserted as text (textContent), never as HTML.
"use strict";

const invoke = window.__TAURI__.core.invoke;
const $ = (id) => document.getElementById(id);

function showError(err) {
  const box = $("error");
  box.textContent = (err && err.message) || String(err);
  box.hidden = false;
}

async function loadStatus() {
  try {
    const info = await invoke("engine_status");
    $("engine-status").textContent =
      `Mô hình: ${info.name} · ${info.threads} luồng · nạp trong ${info.load_ms} ms`;
    $("engine-status").dataset.ready = "true";
  } catch (err) {
    $("engine-status").textContent = "Chưa sẵn sàng";
    showError(err);
  }
}

function renderDiff(original, edits) {
  const out = document.createDocumentFragment();
  let cursor = 0;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const bytes = enc.encode(original);
  const slice = (a, b) => dec.decode(bytes.slice(a, b));
  for (const e of edits) {
    out.append(slice(cursor, e.start));
    if (e.original) {
      const del = document.createElement("del");
      del.textContent = e.original;
      out.append(del);
    }
    if (e.replacement) {
      const ins = document.createElement("ins");
      ins.textContent = e.replacement;
      out.append(ins);
    }
    cursor = e.end;
  }
  out.append(slice(cursor, bytes.length));
  return out;
}

async function check(event) {
  event.preventDefault();
  $("error").hidden = true;
  const button = $("check");
  button.disabled = true;
  button.textContent = "Đang kiểm tra…";
  try {
    const r = await invoke("analyze_sentence", { sentence: $("sentence").value });
    $("fluency-score").textContent = `${r.fluency.score.toFixed(1)}/5`;
    $("fluency-reason").textContent = r.fluency.reason;
    $("cefr-level").textContent = r.vocabulary.level;
    const diff = $("diff");
    diff.replaceChildren(
      r.correction.edits.length
        ? renderDiff(r.correction.original, r.correction.edits)
        : "Câu đúng rồi, giỏi lắm!"
    );
    const list = $("explanations");
    list.replaceChildren(
      ...r.explanations.map((e) => {
        const li = document.createElement("li");
        const title = document.createElement("strong");
        title.textContent = e.error_type_vi;
        const body = document.createElement("p");
        body.textContent = e.explanation_vi;
        li.append(title, body);
        return li;
      })
    );
    $("result").hidden = false;
  } catch (err) {
    showError(err);
  } finally {
    button.disabled = false;
    button.textContent = "Kiểm tra";
  }
}

// Hints while typing: the rule-based checker, asked after a short pause in typing. A reply to
// an older text is dropped, so hints never describe words the learner has already changed.
let hintTimer = null;
let hintSeq = 0;
async function refreshHints() {
  const text = $("sentence").value;
  const seq = ++hintSeq;
  let hints = [];
  try {
    hints = await invoke("rule_hints", { sentence: text });
  } catch (_) {
    hints = []; // too long or blank: the check button reports it properly
  }
  if (seq !== hintSeq) return;
  $("hints").replaceChildren(
    ...hints.map((h) => {
      const li = document.createElement("li");
      const what = document.createElement("strong");
      what.textContent = h.replacement !== null && h.replacement !== undefined
        ? `${h.original} → ${h.replacement || "(bỏ)"}`
        : h.original;
      const kind = document.createElement("span");
      kind.className = "hint-type";
      kind.textContent = ` · ${h.error_type_vi}`;
      const why = document.createElement("p");
      why.textContent = h.explanation_vi;
      li.append(what, kind, why);
      return li;
    })
  );
}
$("sentence").addEventListener("input", () => {
  clearTimeout(hintTimer);
  hintTimer = setTimeout(refreshHints, 250);
});

$("check-form").addEventListener("submit", check);
loadStatus();
