declare module "vitest" {
  interface ProvidedContext {
    emulatorUrl: string;
  }
}
export {};
