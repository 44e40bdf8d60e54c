import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { visibleMenu } from "../app/menu";
import { groupDigits, formatDateTime, todayInShanghai } from "../ui/format";
import { readState, writeState } from "../ui/listState";
import { Money, Qty } from "../ui/Money";
import { PROGRESS_KEYS, ProgressSteps } from "../ui/ProgressSteps";

describe("numbers and times", () => {
  it("groups a decimal string's digits without turning it into a float", () => {
    expect(groupDigits("12345678901234567.89")).toBe("12,345,678,901,234,567.89");
    expect(groupDigits("-1000.10")).toBe("-1,000.10");
    expect(groupDigits("0.1")).toBe("0.1");
  });
  it("shows money and quantities as sent", () => {
    render(
      <>
        <Money value="0.30" currency="CNY" />
        <Qty value="5.000" />
      </>,
    );
    expect(screen.getByText("¥0.30")).toBeTruthy();
    expect(screen.getByText("5")).toBeTruthy();
  });
  it("shows times in Asia/Shanghai", () => {
    expect(formatDateTime("2026-01-01T16:30:00Z")).toBe("2026-01-02 00:30:00");
    expect(todayInShanghai(new Date("2026-01-01T16:30:00Z"))).toBe("2026-01-02");
  });
});

describe("list state", () => {
  it("round-trips filters, sort and page through the URL", () => {
    const state = { filters: { status: ["pending", "confirmed"], customer_code: "C-1" }, sort: { field: "placed_at", order: "desc" as const }, page: 3 };
    expect(readState(writeState(state), new Set(["status"]))).toEqual(state);
  });
});

describe("menu", () => {
  const areas = [
    { name: "finance", menu: [{ key: "finance", path: "/finance", label: "x", roles: ["finance" as const], order: 2 }] },
    { name: "warehouse", menu: [{ key: "warehouse", path: "/warehouse", label: "x", roles: ["warehouse" as const], order: 1 }] },
    { name: "dashboard", menu: [{ key: "dashboard", path: "/", label: "x", order: 0 }] },
  ];
  it("shows an entry only to its roles (admin sees all)", () => {
    expect(visibleMenu(areas, ["warehouse"]).map((e) => e.key)).toEqual(["dashboard", "warehouse"]);
    expect(visibleMenu(areas, ["admin"]).map((e) => e.key)).toEqual(["dashboard", "warehouse", "finance"]);
  });
});

describe("ProgressSteps", () => {
  it("marks the first open step current and shows the alarm's reason there", () => {
    const steps = PROGRESS_KEYS.map((key, i) => ({ key, done: i < 2, at: i < 2 ? "2026-01-01T00:00:00Z" : null }));
    render(<ProgressSteps steps={steps} alarm={{ level: "red", reason: "缺货" }} />);
    expect(screen.getByTestId("progress").dataset.current).toBe("allocated");
    expect(screen.getByText("缺货")).toBeTruthy();
  });
});
