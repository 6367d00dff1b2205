/** Values test/global-setup.ts hands to tests with `project.provide` (read them with `inject`). */
export {};

declare module "vitest" {
  export interface ProvidedContext {
    globalSetupReady: boolean;
    polymarketUrl: string;
    defillamaUrl: string;
  }
}
