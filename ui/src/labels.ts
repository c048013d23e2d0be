// Display names for the error types and levels in both UI languages. The set itself comes
// from the Rust enum (./bindings/ErrorType); a name missing here shows the code, never breaks.

import type { ErrorType } from "./bindings/ErrorType";
import { lang } from "./i18n";

const NAMES: Record<ErrorType, [string, string]> = {
  verb_tense: ["Thì của động từ", "Verb tense"],
  subject_verb_agreement: ["Hoà hợp chủ ngữ – động từ", "Subject–verb agreement"],
  verb_form: ["Dạng của động từ", "Verb form"],
  missing_be: ["Thiếu động từ “to be”", "Missing “to be”"],
  noun_number: ["Danh từ số ít / số nhiều", "Singular / plural"],
  article: ["Mạo từ (a / an / the)", "Article (a / an / the)"],
  preposition: ["Giới từ", "Preposition"],
  word_order: ["Trật tự từ", "Word order"],
  word_choice: ["Dùng từ", "Word choice"],
  word_form: ["Loại từ", "Word form"],
  spelling: ["Chính tả", "Spelling"],
  punctuation: ["Dấu câu", "Punctuation"],
  capitalization: ["Viết hoa", "Capitalisation"],
  missing_word: ["Thiếu từ", "Missing word"],
  extra_word: ["Thừa từ", "Extra word"],
  pronoun: ["Đại từ", "Pronoun"],
  possessive: ["Sở hữu cách", "Possessive"],
  comparison: ["So sánh", "Comparison"],
  modal_verb: ["Động từ khuyết thiếu", "Modal verb"],
  gerund_infinitive: ["V-ing hay to V", "-ing or to + verb"],
  quantifier: ["Từ chỉ số lượng", "Quantifier"],
  conjunction: ["Liên từ", "Conjunction"],
  negation: ["Câu phủ định", "Negation"],
  question_form: ["Câu hỏi", "Question form"],
  other: ["Lỗi khác", "Other"],
};

export const ERROR_TYPES = Object.keys(NAMES) as ErrorType[];
export const LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"] as const;

export function errorTypeName(t: ErrorType): string {
  const n = NAMES[t];
  return n ? n[lang() === "vi" ? 0 : 1] : t;
}
