// The one module that talks to the backend, with two transports:
// - in the desktop app, Tauri IPC (@tauri-apps/api; no global `window.__TAURI__`);
// - in a browser, HTTP against `lexilingo serve` (same origin), with the access token from
//   the link the server printed (`/?token=…`), kept in session storage and sent as
//   `Authorization: Bearer`.
// Both return the same Rust-generated types (./bindings) and the same error shape.

import { invoke as tauriInvoke, Channel } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { AppError } from "./bindings/AppError";
import type { ConversationTurn } from "./bindings/ConversationTurn";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { Practiced } from "./bindings/Practiced";
import type { TurnRequest } from "./bindings/TurnRequest";
import type { Attempt } from "./bindings/Attempt";
import type { HistoryPage } from "./bindings/HistoryPage";
import type { HistoryQuery } from "./bindings/HistoryQuery";
import type { Hint } from "./bindings/Hint";
import type { ModelInfo } from "./bindings/ModelInfo";
import type { Progress } from "./bindings/Progress";
import type { DueCard } from "./bindings/DueCard";
import type { ImportReport } from "./bindings/ImportReport";
import type { ReviewFeedback } from "./bindings/ReviewFeedback";
import type { ModelsOverview } from "./bindings/ModelsOverview";
import type { DownloadStatus } from "./bindings/DownloadStatus";
import type { InstalledModel } from "./bindings/InstalledModel";
import type { EngineSettings } from "./bindings/EngineSettings";
import type { Conversation } from "./bindings/Conversation";
import type { ConversationSummary } from "./bindings/ConversationSummary";
import type { MoveReport } from "./bindings/MoveReport";

/**
 * An error as the UI shows it: the backend's typed code (`ErrorCode`, generated from the Rust
 * enum) or one the UI itself met (`offline`, an HTTP status without a body), the Vietnamese
 * and the English message.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | "offline" | `http_${number}` | "error",
    readonly messageVi: string,
    readonly messageEn: string,
  ) {
    super(messageEn);
  }
}

declare global {
  interface Window {
    __TAURI_INTERNALS__?: unknown;
  }
}

const OFFLINE = new ApiError(
  "offline",
  "Không kết nối được với LexiLingo. Hãy kiểm tra ứng dụng hoặc máy chủ còn chạy không.",
  "Cannot reach LexiLingo. Check that the app or the server is still running.",
);

export const transport: "tauri" | "http" = window.__TAURI_INTERNALS__ ? "tauri" : "http";

const TOKEN_KEY = "lexilingo-token";

/**
 * The access token for `lexilingo serve`: taken once from the link's `?token=`, kept in this
 * tab's session storage, and removed from the address bar (so it is not bookmarked, shared in
 * a screenshot or sent on as a referrer).
 */
function accessToken(): string | null {
  const url = new URL(window.location.href);
  const fromLink = url.searchParams.get("token");
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = transport === "http" ? accessToken() : null;

/** Headers every HTTP request carries: the token, and the body's type when there is one. */
function headers(contentType?: string): Record<string, string> {
  const h: Record<string, string> = {};
  if (token) h.Authorization = `Bearer ${token}`;
  if (contentType) h["Content-Type"] = contentType;
  return h;
}

/** Called when the server refuses the token; main.ts shows the way in. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return (await tauriInvoke(cmd, args)) as T;
  } catch (e) {
    throw fromAppError(e);
  }
}

/** The backend's `AppError` (Tauri commands reject with it; the server sends it as `error`). */
function fromAppError(e: unknown): ApiError {
  const err = e as Partial<AppError> & { message?: string };
  if (err && typeof err === "object" && err.code) {
    return new ApiError(err.code, err.message_vi ?? String(e), err.message_en ?? err.message ?? String(e));
  }
  return new ApiError("error", String(e), String(e));
}

/** Sends a request; an unreachable server is [`OFFLINE`], an abort stays an `AbortError`. */
async function send(method: string, path: string, body?: string, signal?: AbortSignal): Promise<Response> {
  try {
    const response = await fetch(path, {
      method,
      headers: headers(body === undefined ? undefined : "application/json"),
      body,
      signal,
    });
    if (response.status === 401) onUnauthorized();
    return response;
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw OFFLINE;
  }
}

/** The server's error (`{ error: { code, message, message_vi } }`), or one made from the status. */
async function serverError(response: Response): Promise<ApiError> {
  const value = (await response.json().catch(() => null)) as { error?: Partial<AppError> & { message?: string } } | null;
  const err = value?.error;
  if (err?.code) return fromAppError(err);
  return new ApiError(`http_${response.status}`, `Máy chủ trả lời lỗi ${response.status}.`, `The server answered ${response.status}.`);
}

/** A JSON request with a JSON answer (`rawBody`: a body that is JSON text already). */
async function http<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, rawBody?: string): Promise<T> {
  const response = await send(method, path, rawBody ?? (body === undefined ? undefined : JSON.stringify(body)), signal);
  if (!response.ok) throw await serverError(response);
  if (response.status === 204) return undefined as T;
  const value = await response.json().catch(() => null);
  if (value === null) throw await serverError(response);
  return value as T;
}

function queryString(q: HistoryQuery): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== null && v !== undefined && v !== "") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

let nextRequest = 1;

/**
 * Calls `onData` with each `data:` payload of a server-sent-event response until the stream
 * ends or `onData` returns true.
 */
async function eachEvent(response: Response, onData: (data: string) => boolean | void): Promise<void> {
  if (!response.ok || !response.body) throw await serverError(response);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (data && onData(data)) {
        void reader.cancel();
        return;
      }
    }
  }
}

/** Reads the server-sent events of one conversation turn: tokens, then the turn or an error. */
async function streamTurn(turn: TurnRequest, onToken: (piece: string) => void, signal: AbortSignal): Promise<ConversationTurn> {
  const response = await send("POST", "/v1/conversations/turn", JSON.stringify(turn), signal);
  let done: ConversationTurn | null = null;
  let failure: ApiError | null = null;
  await eachEvent(response, (data) => {
    if (data === "[DONE]") return false;
    const msg = JSON.parse(data) as { token?: string; turn?: ConversationTurn; error?: AppError };
    if (msg.token !== undefined) onToken(msg.token);
    if (msg.turn) done = msg.turn;
    if (msg.error) failure = fromAppError(msg.error);
    return done !== null || failure !== null;
  });
  const [r, f] = [done as ConversationTurn | null, failure as ApiError | null];
  if (f) throw f;
  if (r) return r;
  throw OFFLINE;
}

/** A running check that can be cancelled. */
export interface Running<T> {
  result: Promise<T>;
  cancel: () => void;
}

export const api = {
  /** Starts the model if needed and describes it. */
  status(): Promise<ModelInfo> {
    return transport === "tauri" ? invoke("engine_status") : http("GET", "/v1/engine");
  },

  /**
   * Fluency, level, correction and explanations, saved to the history; a failed save is the
   * answer's `warning`. Cancellable.
   */
  analyze(sentence: string): Running<Practiced> {
    if (transport === "tauri") {
      const requestId = nextRequest++;
      return {
        result: invoke("analyze_sentence", { sentence, requestId }),
        cancel: () => void invoke("cancel_request", { requestId }).catch(() => undefined),
      };
    }
    // Closing the HTTP request cancels the generation on the server.
    const abort = new AbortController();
    return {
      result: http("POST", "/v1/tutor/analyze", { sentence }, abort.signal),
      cancel: () => abort.abort(),
    };
  },

  /** Rule-based hints (no model; milliseconds). */
  async hints(sentence: string): Promise<Hint[]> {
    if (!sentence.trim()) return [];
    if (transport === "tauri") return invoke("rule_hints", { sentence });
    const r = await http<{ hints: Hint[] }>("POST", "/v1/tutor/hints", { sentence });
    return r.hints;
  },

  history(query: HistoryQuery): Promise<HistoryPage> {
    return transport === "tauri"
      ? invoke("history_list", { query })
      : http("GET", `/v1/history${queryString(query)}`);
  },

  attempt(id: number): Promise<Attempt> {
    return transport === "tauri" ? invoke("history_get", { id }) : http("GET", `/v1/history/${id}`);
  },

  deleteAttempt(id: number): Promise<void> {
    return transport === "tauri" ? invoke("history_delete", { id }) : http("DELETE", `/v1/history/${id}`);
  },

  /** Versions, machine, model and (in the app) the last log lines, as plain text. */
  async diagnostics(): Promise<string> {
    if (transport === "tauri") return invoke("diagnostics");
    const r = await http<{ report: string }>("GET", "/v1/diagnostics");
    return r.report;
  },

  /**
   * One learner message: the partner's reply streamed through `onToken` (Stop cancels it),
   * then the message checked by the model and the exchange saved (History, Review, Progress).
   */
  converse(turn: TurnRequest, onToken: (piece: string) => void): Running<ConversationTurn> {
    if (transport === "tauri") {
      const requestId = nextRequest++;
      const channel = new Channel<string>();
      channel.onmessage = onToken;
      return {
        result: invoke("conversation_turn", { turn, requestId, onToken: channel }),
        cancel: () => void invoke("cancel_request", { requestId }).catch(() => undefined),
      };
    }
    const abort = new AbortController();
    return {
      result: streamTurn(turn, onToken, abort.signal),
      cancel: () => abort.abort(),
    };
  },

  /**
   * Exports the whole history. In the app the file goes to `<data folder>/exports` and the
   * path comes back; in a browser the file is downloaded and `null` comes back.
   */
  async exportHistory(format: "json" | "csv"): Promise<string | null> {
    if (transport === "tauri") return invoke("history_export", { format });
    const response = await send("GET", `/v1/history/export?format=${format}`);
    if (!response.ok) throw await serverError(response);
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? `lexilingo-history.${format}`;
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return null;
  },

  /** Adds the attempts of a JSON export; those already present are left alone. */
  importHistory(data: string): Promise<ImportReport> {
    return transport === "tauri"
      ? invoke("history_import", { data })
      : http("POST", "/v1/history/import", undefined, undefined, data);
  },

  reviewDue(limit: number): Promise<DueCard[]> {
    return transport === "tauri"
      ? invoke("review_due", { limit })
      : http("GET", `/v1/review/due?limit=${limit}`);
  },

  reviewAnswer(attemptId: number, answer: string): Promise<ReviewFeedback> {
    return transport === "tauri"
      ? invoke("review_answer", { attemptId, answer })
      : http("POST", `/v1/review/${attemptId}`, { answer });
  },

  /** Catalog, installed models, the download. */
  models(): Promise<ModelsOverview> {
    return transport === "tauri" ? invoke("models_overview") : http("GET", "/v1/models/overview");
  },

  /** Starts or resumes downloading catalog model `id`; follow it with `onDownload`. */
  downloadModel(id: string): Promise<void> {
    return transport === "tauri"
      ? invoke("model_download", { id })
      : http<unknown>("POST", "/v1/models/download", { id }).then(() => undefined);
  },

  pauseDownload(): Promise<void> {
    return transport === "tauri"
      ? invoke("model_pause")
      : http<unknown>("POST", "/v1/models/download/pause", {}).then(() => undefined);
  },

  /** Stops the download of `id` and deletes what arrived. */
  cancelDownload(id: string): Promise<void> {
    return transport === "tauri"
      ? invoke("model_cancel", { id })
      : http<unknown>("POST", "/v1/models/download/cancel", { id }).then(() => undefined);
  },

  /**
   * Calls `onStatus` with the download's state now and at every change (Tauri events in the
   * app, server-sent events in a browser). Returns the function that stops listening.
   */
  onDownload(onStatus: (s: DownloadStatus) => void): () => void {
    if (transport === "tauri") {
      let stop: (() => void) | null = null;
      let stopped = false;
      void listen<DownloadStatus>("download-state", (e) => onStatus(e.payload)).then((f) => {
        if (stopped) f();
        else stop = f;
      });
      return () => {
        stopped = true;
        stop?.();
      };
    }
    // EventSource cannot send the token: read the event stream with fetch instead.
    const abort = new AbortController();
    void send("GET", "/v1/models/download/events", undefined, abort.signal)
      .then((r) => eachEvent(r, (data) => void onStatus(JSON.parse(data) as DownloadStatus)))
      .catch(() => undefined);
    return () => abort.abort();
  },

  /**
   * In the app, the engine's state as the backend changes it (`loading`, `ready`, `failed`),
   * whichever screen caused it; a browser learns it from `status()` alone.
   */
  onEngineState(onState: (state: "loading" | "ready" | "failed") => void): void {
    if (transport !== "tauri") return;
    void listen<{ state: "loading" | "ready" | "failed" }>("engine-state", (e) => onState(e.payload.state));
  },

  /**
   * In the app, the native dialog for a GGUF model file or a folder; null when cancelled (and
   * always in a browser, which cannot see paths). The app accepts only paths chosen here.
   */
  async pickPath(title: string, what: "gguf" | "folder"): Promise<string | null> {
    if (transport !== "tauri") return null;
    return invoke<string | null>("pick_path", { title, what });
  },

  /** Copies the data folder to `path`, used from the next start; the old folder stays. */
  moveDataDir(path: string): Promise<MoveReport> {
    return transport === "tauri" ? invoke("data_dir_move", { path }) : http("POST", "/v1/settings/data-dir", { path });
  },

  /** In the app: copies the GGUF file chosen in the native dialog into the models folder. */
  importModel(path: string): Promise<InstalledModel> {
    return invoke("model_import", { path });
  },

  /** In a browser: sends a GGUF file the learner chose to the server, which checks it. */
  async uploadModel(file: File): Promise<InstalledModel> {
    let response: Response;
    try {
      response = await fetch(`/v1/models/import?name=${encodeURIComponent(file.name)}`, {
        method: "POST",
        headers: headers("application/octet-stream"),
        body: file,
      });
    } catch {
      throw OFFLINE;
    }
    if (response.status === 401) onUnauthorized();
    if (!response.ok) throw await serverError(response);
    return (await response.json()) as InstalledModel;
  },

  /** Makes an installed model the active one; the engine restarts with it. */
  activateModel(id: string): Promise<ModelsOverview> {
    return transport === "tauri" ? invoke("model_activate", { id }) : http("POST", "/v1/models/active", { id });
  },

  engineSettings(): Promise<EngineSettings> {
    return transport === "tauri" ? invoke("engine_settings") : http("GET", "/v1/settings/engine");
  },

  /** Saves threads and context size; the engine restarts with them. */
  saveEngineSettings(settings: EngineSettings): Promise<EngineSettings> {
    return transport === "tauri"
      ? invoke("engine_settings_save", { settings })
      : http("PUT", "/v1/settings/engine", settings);
  },

  conversations(): Promise<ConversationSummary[]> {
    return transport === "tauri" ? invoke("conversation_list", { limit: 50 }) : http("GET", "/v1/conversations?limit=50");
  },

  conversation(id: number): Promise<Conversation> {
    return transport === "tauri" ? invoke("conversation_get", { id }) : http("GET", `/v1/conversations/${id}`);
  },

  deleteConversation(id: number): Promise<void> {
    return transport === "tauri" ? invoke("conversation_delete", { id }) : http("DELETE", `/v1/conversations/${id}`);
  },

  progress(): Promise<Progress> {
    const offset = -new Date().getTimezoneOffset();
    return transport === "tauri"
      ? invoke("progress_stats", { utcOffsetMinutes: offset })
      : http("GET", `/v1/stats?utc_offset_minutes=${offset}`);
  },
};
