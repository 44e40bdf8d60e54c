import { describe, expect, it } from "vitest";

import i18n from "../app/i18n";
import { alarmOf, rowStateOf } from "../areas/sales/alarm";
import { orderQuery } from "../areas/sales/api";

const t = i18n.getFixedT("zh-CN");

describe("order alarms", () => {
  it("is red with the reason for rejected, stuck and overdue orders, amber for backordered", () => {
    expect(alarmOf({ status: "rejected", rejection_reason: "credit_limit" }, t)).toEqual({ level: "red", reason: "已拒绝：超出信用额度" });
    expect(alarmOf({ status: "reserving", stuck: true, saga_step: "reserve" }, t)?.reason).toBe("卡在「配货」已超时");
    expect(alarmOf({ status: "confirmed", overdue: true, requested_date: "2026-01-02" }, t)?.level).toBe("red");
    expect(alarmOf({ status: "backordered", status_reason: "out_of_stock" }, t)).toEqual({ level: "amber", reason: "缺货待补：库存不足" });
    expect(alarmOf({ status: "backordered" }, t)?.reason).toBe("缺货待补"); // no reason given: no dangling colon
    expect(alarmOf({ status: "rejected", rejection_reason: null }, t)?.reason).toBe("已拒绝");
    expect(alarmOf({ status: "confirmed" }, t)).toBeNull();
    expect(rowStateOf({ status: "backordered" })).toBe("warning");
    expect(rowStateOf({ status: "confirmed", stuck: true })).toBe("danger");
  });

  it("turns the list state into the API's query", () => {
    expect(orderQuery({ filters: { status: ["confirmed"], stuck_or_late: "true" }, sort: { field: "gross", order: "desc" } })).toEqual({
      status: ["confirmed"],
      stuck_or_late: true,
      sort: "-gross",
    });
  });
});
