import { afterEach, describe, expect, it, vi } from "vitest";

import { api, ApiError, queryString, setUnauthorizedHandler } from "../api/client";

function answer(status: number, body: unknown, type = "application/problem+json") {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

describe("api client", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.cookie = "ot_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
  });

  it("sends the CSRF cookie's token on unsafe methods only, to /api/<service>/<path>", async () => {
    document.cookie = "ot_csrf=tok123";
    const fetch = vi.fn(async () => answer(200, { ok: true }, "application/json"));
    vi.stubGlobal("fetch", fetch);
    await api.post("sales", "/orders", { a: 1 });
    await api.get("sales", "orders", { query: { status: ["pending", "confirmed"], limit: 5, empty: "" } });
    const [postUrl, post] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    const [getUrl, get] = fetch.mock.calls[1] as unknown as [string, RequestInit];
    expect(postUrl).toBe("/api/sales/orders");
    expect((post.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok123");
    expect(post.credentials).toBe("include");
    expect(getUrl).toBe("/api/sales/orders?status=pending&status=confirmed&limit=5");
    expect((get.headers as Record<string, string>)["X-CSRF-Token"]).toBeUndefined();
  });

  it("turns problem+json into an ApiError with its code and field errors", async () => {
    const problem = { title: "Unprocessable", detail: "qty: must be > 0", status: 422, code: "validation_failed", errors: [{ field: "lines.0.qty", reason: "must be > 0" }] };
    vi.stubGlobal("fetch", vi.fn(async () => answer(422, problem)));
    const error = await api.post("sales", "/orders", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect([e.status, e.code, e.detail]).toEqual([422, "validation_failed", "qty: must be > 0"]);
    expect(e.fieldReason("qty")).toBe("must be > 0");
  });

  it("sends a 401 to the sign-in handler", async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    vi.stubGlobal("fetch", vi.fn(async () => answer(401, { title: "Unauthorized", code: "not_authenticated" })));
    await expect(api.get("sales", "/orders")).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledOnce();
  });

  it("leaves out empty query values", () => {
    expect(queryString({ a: "", b: undefined, c: false, d: 0, e: true })).toBe("?d=0&e=true");
  });
});
