import { cleanup } from "@testing-library/react";
import { afterEach, beforeAll } from "vitest";

import { loadLanguage } from "../app/i18n";

// Both languages for the tests (the app loads English only when it is chosen).
beforeAll(() => loadLanguage("en"));

// jsdom lacks these; antd's responsive parts ask for them.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }) as MediaQueryList;
}
if (!("ResizeObserver" in window)) {
  (window as unknown as { ResizeObserver: unknown }).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}

afterEach(() => cleanup());
