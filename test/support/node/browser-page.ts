/**
 * Helpers for the Chromium tests in test/browser/ (Node side, playwright-core): collecting what a page
 * reports as broken.
 */
import type { ConsoleMessage, Page } from "playwright-core";

/** Console errors and uncaught page errors (CSP violations are reported as console errors). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}
