/**
 * Runs in Node before the workerd test pool starts: local stand-in servers for external services
 * (they speak the real protocols and serve real recorded data) start here, and their URLs reach the
 * tests through `provide`.
 */
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  project.provide("globalSetupReady", true);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    globalSetupReady: boolean;
  }
}
