import { render, screen } from "@testing-library/react";
import i18n from "i18next";
import { afterEach, describe, expect, it } from "vitest";

import { ApiError } from "../api/client";
import { ErrorAlert } from "../ui/ErrorAlert";
import { REASONS, errorText, problemTitle, reasonText } from "../ui/problemText";

const overpaid = new ApiError(409, { title: "Overpayment", status: 409, code: "overpayment", detail: "900.00 exceeds what the payable bills owe by 100.00" });
const invalid = (reason: string, field = "amount") =>
  new ApiError(422, { title: "Unprocessable request", code: "validation_failed", detail: `${field}: ${reason}`, errors: [{ field, reason }] });

describe("server messages in the user's language", () => {
  afterEach(() => void i18n.changeLanguage("zh-CN"));

  it("maps a 409's stable code to the console's message, in zh-CN and in English", async () => {
    await i18n.changeLanguage("zh-CN");
    expect(problemTitle(i18n.t, overpaid)).toEqual({ text: "付款金额超过应付余额", known: true });
    await i18n.changeLanguage("en");
    expect(errorText(i18n.t, overpaid)).toBe("The payment exceeds what is owed");
  });

  it("falls back to the server's text for a code it does not know", () => {
    const novel = new ApiError(409, { title: "Brand new", code: "brand_new_rule", detail: "a rule added yesterday" });
    expect(problemTitle(i18n.t, novel)).toEqual({ text: "a rule added yesterday", known: false });
    expect(errorText(i18n.t, new ApiError(500, null))).toBe("HTTP 500");
  });

  it("names what was not found when the server says", () => {
    const missing = new ApiError(404, { title: "Not found", code: "not_found", detail: "purchase order PO-2026-9 not found", entity: "purchase order", id: "PO-2026-9" });
    expect(errorText(i18n.t, missing)).toBe("未找到 PO-2026-9");
    expect(errorText(i18n.t, new ApiError(404, { title: "Not Found", code: "not_found" }))).toBe("未找到");
  });

  it("maps 422 reasons (pydantic's templates and the handlers' own) with their values", () => {
    expect(reasonText(i18n.t, "Field required")).toBe("必填");
    expect(reasonText(i18n.t, "Input should be greater than 0")).toBe("必须大于 0");
    expect(reasonText(i18n.t, "Input should be greater than or equal to 1")).toBe("不能小于 1");
    expect(reasonText(i18n.t, "Decimal input should have no more than 2 decimal places")).toBe("小数不能超过 2 位");
    expect(reasonText(i18n.t, "Input should be 'web', 'email' or 'phone'")).toBe("必须是以下之一：'web', 'email' or 'phone'");
    expect(reasonText(i18n.t, "unknown barcode 0000000000000")).toBe("未知条码 0000000000000");
    expect(reasonText(i18n.t, "BILL-2026-7 owes 50.00, cannot take 80.00")).toBe("BILL-2026-7 仅欠 50.00，不能核销 80.00");
    expect(reasonText(i18n.t, "Value error, something only this server says")).toBe("something only this server says");
  });

  it("has a message for every reason template in both languages", () => {
    for (const [, key] of REASONS) {
      for (const lang of ["zh-CN", "en"]) expect(i18n.exists(`reasons.${key}`, { lng: lang, fallbackLng: false }), `${lang} reasons.${key}`).toBe(true);
    }
  });

  it("shows the code's message with the server's detail beneath, and field reasons translated", () => {
    const { unmount } = render(<ErrorAlert error={overpaid} />);
    expect(screen.getByTestId("error-title").textContent).toBe("付款金额超过应付余额");
    expect(screen.getByText("900.00 exceeds what the payable bills owe by 100.00")).toBeTruthy();
    unmount();
    render(<ErrorAlert error={invalid("Input should be greater than 0")} />);
    expect(screen.getByTestId("error-title").textContent).toBe("输入有误，请检查标出的字段");
    expect(screen.getByRole("listitem").textContent).toBe("amount: 必须大于 0");
    expect(screen.queryByText("amount: Input should be greater than 0")).toBeNull();
  });
});
