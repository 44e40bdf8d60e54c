import { describe, expect, it } from "vitest";

import i18n from "i18next";

// Both languages' bundles (setup.ts loads English).
const resources = () => i18n.store.data as Record<"zh-CN" | "en", Record<string, unknown>>;

function keys(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object") return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe("translations", () => {
  const all = resources();
  it("has the common namespace and every area's", () => {
    expect(Object.keys(all["zh-CN"])).toEqual(expect.arrayContaining(["common", "sales", "dashboard", "finance"]));
  });
  it.each(Object.keys(resources()["zh-CN"]))("%s: English has every key of zh-CN and no other", (ns) => {
    expect(keys(all.en[ns]).sort()).toEqual(keys(all["zh-CN"][ns]).sort());
  });
});
