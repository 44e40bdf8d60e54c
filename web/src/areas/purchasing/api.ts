/** Purchasing's API as the pages use it; query keys `["purchasing", entity, ...]` so live notices refresh them. */
import { api } from "../../api/client";
import type { Schema } from "../../api/schemas";
import type { FilterValues, ListSource } from "../../ui/listState";

export type PoSummary = Schema<"purchasing", "PoSummary">;
export type PoRead = Schema<"purchasing", "PoRead">;
export type PoLine = Schema<"purchasing", "PoLineRead">;
export type LineProgress = Schema<"purchasing", "LineProgress">;
export type Requisition = Schema<"purchasing", "RequisitionRead">;
export type Sourcing = Schema<"purchasing", "SourcingRead">;
export type SourcingLine = Schema<"purchasing", "SourcingLineRead">;
export type Option = Schema<"purchasing", "OptionRead">;

export const PO_STATES = ["draft", "pending_approval", "approved", "sent", "shipped", "partially_received", "received", "closed", "cancelled"] as const;
export const ANOMALIES = ["overdue", "short_shipment", "short_receipt", "over_receipt", "price_mismatch", "quality_rejection"] as const;
export const PR_STATES = ["draft", "submitted", "approved", "rejected", "ordered", "cancelled"] as const;

export const keys = {
  orders: ["purchasing", "purchase_order"] as const,
  order: (no: string) => ["purchasing", "purchase_order", no] as const,
  requisitions: ["purchasing", "requisition"] as const,
  requisition: (no: string) => ["purchasing", "requisition", no] as const,
  sourcing: (no: string) => ["purchasing", "requisition", no, "sourcing"] as const,
};

function many(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}

export function boardQuery(f: FilterValues) {
  return {
    status: many(f.status),
    anomaly: many(f.anomaly),
    supplier_code: (f.supplier_code as string) || undefined,
    pr_no: (f.pr_no as string) || undefined,
    anomalies_only: f.red === "true" || undefined,
  };
}

export const purchasingApi = {
  board: (f: FilterValues, limit: number, offset: number, signal?: AbortSignal) =>
    api.get<PoSummary[]>("purchasing", "/purchase-orders", { query: { ...boardQuery(f), limit, offset }, signal }),
  order: (no: string, signal?: AbortSignal) => api.get<PoRead>("purchasing", `/purchase-orders/${no}`, { signal }),
  act: (no: string, action: "submit" | "send") => api.post<PoRead>("purchasing", `/purchase-orders/${no}/${action}`),
  cancel: (no: string, reason: string) => api.post<PoRead>("purchasing", `/purchase-orders/${no}/cancel`, { reason }),
  close: (no: string, reason: string | null) => api.post<PoRead>("purchasing", `/purchase-orders/${no}/close`, { reason }),
  shipNotice: (no: string, body: Schema<"purchasing", "ShipNoticeWrite">) => api.post<PoRead>("purchasing", `/purchase-orders/${no}/ship-notices`, body),
  requisitions: (f: FilterValues, limit: number, offset: number, signal?: AbortSignal) =>
    api.get<Requisition[]>("purchasing", "/requisitions", { query: { status: (f.status as string) || undefined, sku: (f.sku as string) || undefined, limit, offset }, signal }),
  requisition: (no: string, signal?: AbortSignal) => api.get<Requisition>("purchasing", `/requisitions/${no}`, { signal }),
  createRequisition: (body: Schema<"purchasing", "RequisitionCreate">) => api.post<Requisition>("purchasing", "/requisitions", body),
  submitRequisition: (no: string) => api.post<Requisition>("purchasing", `/requisitions/${no}/submit`),
  cancelRequisition: (no: string, reason: string) => api.post<Requisition>("purchasing", `/requisitions/${no}/cancel`, { reason }),
  sourcing: (no: string, signal?: AbortSignal) => api.get<Sourcing>("purchasing", `/requisitions/${no}/sourcing`, { signal }),
  override: (no: string, line_no: number, supplier_code: string | null) =>
    api.post<Sourcing>("purchasing", `/requisitions/${no}/sourcing`, { overrides: [{ line_no, supplier_code }] }),
  order_: (no: string) => api.post<Schema<"purchasing", "OrderedRead">>("purchasing", `/requisitions/${no}/purchase-orders`),
};

/** The purchase-order board's rows (its ListPage and the route's preload ask through it). */
export const orderBoard: ListSource<PoSummary> = {
  queryKey: keys.orders,
  fetch: (p, signal) => purchasingApi.board(p.filters, p.limit, p.offset, signal),
  multi: new Set(["status", "anomaly"]),
};
