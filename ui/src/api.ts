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
import type { DailyGoal } from "./bindings/DailyGoal";
import type { SentenceSpan } from "./bindings/SentenceSpan";
import type { SuggestRequest } from "./bindings/SuggestRequest";
import type { Suggestion } from "./bindings/Suggestion";
import type { Drill } from "./bindings/Drill";
import type { DrillAnswer } from "./bindings/DrillAnswer";
import type { DrillFeedback } from "./bindings/DrillFeedback";
import type { DrillItemRequest } from "./bindings/DrillItemRequest";
import type { NewDrillItem } from "./bindings/NewDrillItem";
import type { ErrorType } from "./bindings/ErrorType";

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

/**
 * Reads a streaming endpoint's server-sent events: `{"token": …}` pieces, then the answer
 * under the key `last` (or an `{"error": AppError}`), then `[DONE]`.
 */
async function streamEvents<T>(path: string, body: string, last: string, onPiece: (piece: string) => void, signal: AbortSignal): Promise<T> {
  const response = await send("POST", path, body, signal);
  let done: T | null = null;
  let failure: ApiError | null = null;
  await eachEvent(response, (data) => {
    if (data === "[DONE]") return false;
    const msg = JSON.parse(data) as { token?: string; error?: AppError } & Record<string, unknown>;
    if (msg.token !== undefined) onPiece(msg.token);
    if (msg[last] !== undefined) done = msg[last] as T;
    if (msg.error) failure = fromAppError(msg.error);
    return done !== null || failure !== null;
  });
  const [r, f] = [done as T | null, failure as ApiError | null];
  if (f) throw f;
  if (r !== null) return r;
  throw OFFLINE;
}

/** A running check that can be cancelled. */
export interface Running<T> {
  result: Promise<T>;
  cancel: () => void;
}

type Args = Record<string, unknown>;
type Method = "GET" | "POST" | "PUT" | "DELETE";

/**
 * A command both hosts answer: its Tauri command name (the key) and its route on
 * `lexilingo serve`. `path` and `body` build the HTTP request from the same arguments the
 * Tauri command takes; `unwrap` takes the answer out of the server's envelope. A Rust test
 * (crates/lexilingo-cli/tests/commands.rs) checks every entry against the Tauri handler list
 * and the server's router, so a command missing from either host fails the build's tests.
 */
interface Route {
  method: Method;
  path: (a: Args) => string;
  body?: (a: Args) => unknown;
  /** The body is already JSON text (an export being imported). */
  rawBody?: (a: Args) => string;
  unwrap?: (v: unknown) => unknown;
}

const COMMANDS = {
  engine_status: { method: "GET", path: () => "/v1/engine" },
  analyze_sentence: { method: "POST", path: () => "/v1/tutor/analyze", body: (a) => ({ sentence: a.sentence }) },
  rule_hints: {
    method: "POST",
    path: () => "/v1/tutor/hints",
    body: (a) => ({ sentence: a.sentence }),
    unwrap: (v) => (v as { hints: Hint[] }).hints,
  },
  split_sentences: {
    method: "POST",
    path: () => "/v1/tutor/sentences",
    body: (a) => ({ text: a.text }),
    unwrap: (v) => (v as { sentences: SentenceSpan[] }).sentences,
  },
  history_list: { method: "GET", path: (a) => `/v1/history${queryString(a.query as HistoryQuery)}` },
  history_get: { method: "GET", path: (a) => `/v1/history/${a.id}` },
  history_delete: { method: "DELETE", path: (a) => `/v1/history/${a.id}` },
  history_import: { method: "POST", path: () => "/v1/history/import", rawBody: (a) => a.data as string },
  diagnostics: { method: "GET", path: () => "/v1/diagnostics", unwrap: (v) => (v as { report: string }).report },
  conversation_turn: { method: "POST", path: () => "/v1/conversations/turn", body: (a) => a.turn },
  suggest_sentence: { method: "POST", path: () => "/v1/conversations/suggest", body: (a) => a.request },
  conversation_list: { method: "GET", path: (a) => `/v1/conversations?limit=${a.limit}` },
  conversation_get: { method: "GET", path: (a) => `/v1/conversations/${a.id}` },
  conversation_delete: { method: "DELETE", path: (a) => `/v1/conversations/${a.id}` },
  review_due: { method: "GET", path: (a) => `/v1/review/due?limit=${a.limit}` },
  review_answer: { method: "POST", path: (a) => `/v1/review/${a.attemptId}`, body: (a) => ({ answer: a.answer }) },
  drill_start: { method: "POST", path: () => "/v1/drills", body: (a) => a.request },
  drill_item: { method: "POST", path: () => "/v1/drills/item", body: (a) => a.request },
  drill_answer: { method: "POST", path: () => "/v1/drills/answer", body: (a) => a.request },
  progress_stats: { method: "GET", path: (a) => `/v1/stats?utc_offset_minutes=${a.utcOffsetMinutes}` },
  models_overview: { method: "GET", path: () => "/v1/models/overview" },
  model_download: { method: "POST", path: () => "/v1/models/download", body: (a) => ({ id: a.id }), unwrap: () => undefined },
  model_pause: { method: "POST", path: () => "/v1/models/download/pause", body: () => ({}), unwrap: () => undefined },
  model_cancel: { method: "POST", path: () => "/v1/models/download/cancel", body: (a) => ({ id: a.id }), unwrap: () => undefined },
  model_activate: { method: "POST", path: () => "/v1/models/active", body: (a) => ({ id: a.id }) },
  engine_settings: { method: "GET", path: () => "/v1/settings/engine" },
  engine_settings_save: { method: "PUT", path: () => "/v1/settings/engine", body: (a) => a.settings },
  daily_goal_save: { method: "PUT", path: () => "/v1/settings/daily-goal", body: (a) => a.goal },
  data_dir_move: { method: "POST", path: () => "/v1/settings/data-dir", body: (a) => ({ path: a.path }) },
} satisfies Record<string, Route>;

type Command = keyof typeof COMMANDS;

/**
 * How the UI reaches the backend: Tauri IPC in the desktop app, HTTP against `lexilingo
 * serve` in a browser. Every command goes through `call` (or `running`/`stream` when it can be
 * cancelled or streams); what only one host can do (a native dialog, a browser download)
 * is a method of its own.
 */
interface Transport {
  readonly kind: "tauri" | "http";
  call<T>(command: Command, args?: Args): Promise<T>;
  /** A call the learner can cancel (closing the request, or the app's cancel command). */
  running<T>(command: Command, args: Args): Running<T>;
  /** A call whose answer streams: each piece to `onPiece`, then the whole answer. */
  stream<T>(command: Command, args: Args, onPiece: (piece: string) => void, last: string): Running<T>;
  /** Exports the history: a path in the data folder (app) or a browser download (`null`). */
  exportHistory(format: "json" | "csv"): Promise<string | null>;
  /** The download's state now and at every change; returns the function that stops it. */
  onDownload(onStatus: (s: DownloadStatus) => void): () => void;
  onEngineState(onState: (state: "loading" | "ready" | "failed") => void): void;
}

const tauriTransport: Transport = {
  kind: "tauri",
  call: (command, args) => invoke(command, args),
  running<T>(command: Command, args: Args): Running<T> {
    const requestId = nextRequest++;
    return {
      result: invoke<T>(command, { ...args, requestId }),
      cancel: () => void invoke("cancel_request", { requestId }).catch(() => undefined),
    };
  },
  stream<T>(command: Command, args: Args, onPiece: (piece: string) => void): Running<T> {
    const channel = new Channel<string>();
    channel.onmessage = onPiece;
    return tauriTransport.running<T>(command, { ...args, onToken: channel });
  },
  exportHistory: (format) => invoke("history_export", { format }),
  onDownload(onStatus) {
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
  },
  onEngineState(onState) {
    void listen<{ state: "loading" | "ready" | "failed" }>("engine-state", (e) => onState(e.payload.state));
  },
};

/** The HTTP request for `command`, and how to read its answer. */
function httpCall<T>(command: Command, args: Args = {}, signal?: AbortSignal): Promise<T> {
  const route: Route = COMMANDS[command];
  const raw = route.rawBody?.(args) ?? (route.body ? JSON.stringify(route.body(args)) : undefined);
  return http<unknown>(route.method, route.path(args), undefined, signal, raw).then(
    (v) => (route.unwrap ? route.unwrap(v) : v) as T,
  );
}

const httpTransport: Transport = {
  kind: "http",
  call: (command, args) => httpCall(command, args),
  running<T>(command: Command, args: Args): Running<T> {
    // Closing the HTTP request cancels the generation on the server.
    const abort = new AbortController();
    return { result: httpCall<T>(command, args, abort.signal), cancel: () => abort.abort() };
  },
  stream<T>(command: Command, args: Args, onPiece: (piece: string) => void, last: string): Running<T> {
    const abort = new AbortController();
    const route: Route = COMMANDS[command];
    const body = JSON.stringify(route.body?.(args) ?? {});
    return { result: streamEvents<T>(route.path(args), body, last, onPiece, abort.signal), cancel: () => abort.abort() };
  },
  async exportHistory(format) {
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
  onDownload(onStatus) {
    // EventSource cannot send the token: read the event stream with fetch instead.
    const abort = new AbortController();
    void send("GET", "/v1/models/download/events", undefined, abort.signal)
      .then((r) => eachEvent(r, (data) => void onStatus(JSON.parse(data) as DownloadStatus)))
      .catch(() => undefined);
    return () => abort.abort();
  },
  // A browser learns the engine's state from `status()` alone.
  onEngineState: () => undefined,
};

const backend: Transport = transport === "tauri" ? tauriTransport : httpTransport;

export const api = {
  /** Starts the model if needed and describes it. */
  status: (): Promise<ModelInfo> => backend.call("engine_status"),

  /**
   * Fluency, level, correction and explanations, saved to the history; a failed save is the
   * answer's `warning`. Cancellable.
   */
  analyze: (sentence: string): Running<Practiced> => backend.running("analyze_sentence", { sentence }),
  suggest: (request: SuggestRequest): Running<Suggestion> => backend.running("suggest_sentence", { request }),

  /** Rule-based hints (no model; milliseconds). */
  hints: async (sentence: string): Promise<Hint[]> => (sentence.trim() ? backend.call("rule_hints", { sentence }) : []),

  history: (query: HistoryQuery): Promise<HistoryPage> => backend.call("history_list", { query }),
  attempt: (id: number): Promise<Attempt> => backend.call("history_get", { id }),
  deleteAttempt: (id: number): Promise<void> => backend.call("history_delete", { id }),

  /** Versions, machine, model and (in the app) the last log lines, as plain text. */
  diagnostics: (): Promise<string> => backend.call("diagnostics"),

  /**
   * One learner message: the partner's reply streamed through `onToken` (Stop cancels it),
   * then the message checked by the model and the exchange saved (History, Review, Progress).
   */
  converse: (turn: TurnRequest, onToken: (piece: string) => void): Running<ConversationTurn> =>
    backend.stream("conversation_turn", { turn }, onToken, "turn"),

  /**
   * Exports the whole history. In the app the file goes to `<data folder>/exports` and the
   * path comes back; in a browser the file is downloaded and `null` comes back.
   */
  exportHistory: (format: "json" | "csv"): Promise<string | null> => backend.exportHistory(format),

  /** Adds the attempts of a JSON export; those already present are left alone. */
  importHistory: (data: string): Promise<ImportReport> => backend.call("history_import", { data }),

  reviewDue: (limit: number): Promise<DueCard[]> => backend.call("review_due", { limit }),
  reviewAnswer: (attemptId: number, answer: string): Promise<ReviewFeedback> =>
    backend.call("review_answer", { attemptId, answer }),

  /** "Luyện lỗi này": the learner's own sentences with one type of mistake. */
  drill: (errorType: ErrorType): Promise<Drill> => backend.call("drill_start", { request: { error_type: errorType } }),
  /** One more drill sentence, written by the model and checked by the tutor. Cancellable. */
  drillItem: (request: DrillItemRequest): Running<NewDrillItem> => backend.running("drill_item", { request }),
  drillAnswer: (request: DrillAnswer): Promise<DrillFeedback> => backend.call("drill_answer", { request }),

  /** Catalog, installed models, the download. */
  models: (): Promise<ModelsOverview> => backend.call("models_overview"),
  /** Starts or resumes downloading catalog model `id`; follow it with `onDownload`. */
  downloadModel: (id: string): Promise<void> => backend.call("model_download", { id }),
  pauseDownload: (): Promise<void> => backend.call("model_pause"),
  /** Stops the download of `id` and deletes what arrived. */
  cancelDownload: (id: string): Promise<void> => backend.call("model_cancel", { id }),

  /**
   * Calls `onStatus` with the download's state now and at every change (Tauri events in the
   * app, server-sent events in a browser). Returns the function that stops listening.
   */
  onDownload: (onStatus: (s: DownloadStatus) => void): (() => void) => backend.onDownload(onStatus),

  /**
   * In the app, the engine's state as the backend changes it (`loading`, `ready`, `failed`),
   * whichever screen caused it; a browser learns it from `status()` alone.
   */
  onEngineState: (onState: (state: "loading" | "ready" | "failed") => void): void => backend.onEngineState(onState),

  /**
   * In the app, the native dialog for a GGUF model file or a folder; null when cancelled (and
   * always in a browser, which cannot see paths). The app accepts only paths chosen here.
   */
  async pickPath(title: string, what: "gguf" | "folder"): Promise<string | null> {
    if (backend.kind !== "tauri") return null;
    return invoke<string | null>("pick_path", { title, what });
  },

  /** Copies the data folder to `path`, used from the next start; the old folder stays. */
  moveDataDir: (path: string): Promise<MoveReport> => backend.call("data_dir_move", { path }),

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
  activateModel: (id: string): Promise<ModelsOverview> => backend.call("model_activate", { id }),

  engineSettings: (): Promise<EngineSettings> => backend.call("engine_settings"),
  /** Saves threads and context size; the engine restarts with them. */
  saveEngineSettings: (settings: EngineSettings): Promise<EngineSettings> =>
    backend.call("engine_settings_save", { settings }),

  conversations: (): Promise<ConversationSummary[]> => backend.call("conversation_list", { limit: 50 }),
  conversation: (id: number): Promise<Conversation> => backend.call("conversation_get", { id }),
  deleteConversation: (id: number): Promise<void> => backend.call("conversation_delete", { id }),

  sentences: (text: string): Promise<SentenceSpan[]> => backend.call("split_sentences", { text }),
  saveDailyGoal: (dailyGoal: number): Promise<DailyGoal> =>
    backend.call("daily_goal_save", { goal: { daily_goal: dailyGoal } }),
  progress: (): Promise<Progress> =>
    backend.call("progress_stats", { utcOffsetMinutes: -new Date().getTimezoneOffset() }),
};
