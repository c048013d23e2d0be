// The one error line at the bottom of the window, in the UI's language.

import { ApiError } from "./api";
import { lang, t } from "./i18n";

/** Shows `e` in the window's error line, or in `near` (a box beside the control that failed). */
export function showError(e: unknown, near?: HTMLElement): void {
  const box = near ?? document.getElementById("error");
  if (!box) return;
  let text: string;
  if (e instanceof ApiError) text = lang() === "vi" ? e.messageVi : e.messageEn;
  else if (typeof e === "string") text = e;
  else text = t().errors.generic;
  box.textContent = text;
  box.hidden = false;
}

export function clearError(near?: HTMLElement): void {
  const box = document.getElementById("error");
  if (box) box.hidden = true;
  if (near) near.hidden = true;
}
