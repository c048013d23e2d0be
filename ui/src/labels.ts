// Display names for the error types and levels in both UI languages. The names come from the
// Rust enum (ErrorType::name_vi / name_en, written to ./bindings/ErrorTypeNames.ts by `cargo
// test`), so every screen and every front end names a type the same way.

import type { ErrorType } from "./bindings/ErrorType";
import { ERROR_TYPE_NAMES } from "./bindings/ErrorTypeNames";
import { lang } from "./i18n";

const NAMES = ERROR_TYPE_NAMES;

export const ERROR_TYPES = Object.keys(NAMES) as ErrorType[];
export const LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"] as const;

export function errorTypeName(t: ErrorType): string {
  const n = NAMES[t];
  return n ? n[lang() === "vi" ? 0 : 1] : t;
}
