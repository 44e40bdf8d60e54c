/** Inventory's API for the warehouse pages; query keys `["inventory", entity, ...]` (live notices refresh them).
 * Inventory's documents are plain JSON (no response schema): their shapes are declared here from its handlers. */
import type { TFunction } from "i18next";

import { ApiError, api } from "../../api/client";
import type { Schema } from "../../api/schemas";
import { errorText, reasonText } from "../../ui/problemText";

export type WarehouseRow = Schema<"inventory", "WarehouseRead">;
export interface NoPoReceiptCreate {
  warehouse_code: string;
  supplier_code: string | null;
  reason: string;
}

export interface OutboundLine {
  line_no: number;
  sku: string;
  qty: string;
  picked_qty: string;
}
export interface Outbound {
  do_no: string;
  order_no: string;
  warehouse_code: string;
  status: string;
  priority: number;
  carrier: string | null;
  tracking_no: string | null;
  batch_no: string | null;
  created_at: string;
  shipped_at: string | null;
  delivered_at: string | null;
  lines: OutboundLine[];
}
export interface ReceiptLine {
  line_no: number;
  po_line_no: number | null;
  sku: string;
  qty_received: string;
  qty_rejected: string;
  qty_accepted: string;
  reject_reason: string | null;
  unit_cost: string;
}
export interface Receipt {
  grn_no: string;
  po_no: string | null;
  supplier_code: string | null;
  warehouse_code: string;
  status: string;
  reason: string | null;
  created_by: string;
  created_at: string;
  posted_by: string | null;
  posted_at: string | null;
  override_by: string | null;
  lines: ReceiptLine[];
}
export interface InventoryPo {
  po_no: string;
  supplier_code: string;
  warehouse_code: string;
  tolerance_pct: string;
  lines: { line_no: number; sku: string; qty: string; qty_received: string }[];
}
export interface StockRow {
  sku: string;
  warehouse_code: string;
  on_hand: string;
  reserved: string;
  available: string;
  low_stock: boolean;
}
export interface Movement {
  id: number;
  sku: string;
  warehouse_code: string;
  qty_delta: string;
  movement_type: string;
  reason_code: string | null;
  reason: string | null;
  reference: string | null;
  actor: string | null;
  at: string;
  balance: string;
}
export interface Ledger {
  sku: string;
  on_hand: string;
  movements: Movement[];
}
export interface StocktakeLine {
  sku: string;
  expected_qty: string;
  counted_qty: string | null;
  variance_qty: string | null;
}
export interface Stocktake {
  stocktake_no: string;
  warehouse_code: string;
  status: string;
  threshold_pct: string;
  opened_by: string;
  opened_at: string;
  submitted_at: string | null;
  approved_by: string | null;
  approved_at: string | null;
  lines: StocktakeLine[];
}

export const OUTBOUND_OPEN = ["created", "picking", "packed"];

export const keys = {
  outbound: ["inventory", "outbound_order"] as const,
  outboundOne: (no: string) => ["inventory", "outbound_order", no] as const,
  receipt: (no: string) => ["inventory", "goods_receipt", no] as const,
  stock: ["inventory", "stock"] as const,
  ledger: (sku: string) => ["inventory", "stock", sku, "ledger"] as const,
  stocktake: (no: string) => ["inventory", "stocktake", no] as const,
  warehouses: ["inventory", "warehouse"] as const,
};

export const inventoryApi = {
  outbound: (q: { status?: string[]; order_no?: string; warehouse_code?: string; limit: number; offset: number }, signal?: AbortSignal) =>
    api.get<Outbound[]>("inventory", "/outbound-orders", { query: q, signal }),
  outboundOne: (no: string, signal?: AbortSignal) => api.get<Outbound>("inventory", `/outbound-orders/${no}`, { signal }),
  pickScan: (no: string, barcode: string) => api.post<Outbound>("inventory", `/outbound-orders/${no}/scans`, { barcode }),
  pickAll: (no: string) => api.post<Outbound>("inventory", `/outbound-orders/${no}/pick-all`),
  unpick: (no: string, reason: string) => api.post<Outbound>("inventory", `/outbound-orders/${no}/unpick`, { reason }),
  ship: (no: string, carrier: string, tracking_no: string | null) => api.post<Outbound>("inventory", `/outbound-orders/${no}/ship`, { carrier, tracking_no }),
  shipBatch: (carrier: string, items: { do_no: string; tracking_no: string | null }[]) =>
    api.post<{ batch_no: string; shipped: unknown }>("inventory", "/shipments/batch", { carrier, items }),
  po: (no: string, signal?: AbortSignal) => api.get<InventoryPo>("inventory", `/purchase-orders/${no}`, { signal }),
  createReceipt: (po_no: string) => api.post<Receipt>("inventory", "/goods-receipts", { po_no }),
  createReceiptWithoutPo: (body: NoPoReceiptCreate, key: string) => api.post<Receipt>("inventory", "/goods-receipts", body, { headers: { "Idempotency-Key": key } }),
  warehouses: (signal?: AbortSignal) => api.get<WarehouseRow[]>("inventory", "/warehouses", { signal }),
  receipt: (no: string, signal?: AbortSignal) => api.get<Receipt>("inventory", `/goods-receipts/${no}`, { signal }),
  receiptScan: (no: string, barcode: string) => api.post<Receipt>("inventory", `/goods-receipts/${no}/scans`, { barcode }),
  receiptLine: (no: string, body: { sku: string; qty: string; qty_rejected?: string; reject_reason?: string | null; unit_cost?: string | null }) =>
    api.post<Receipt>("inventory", `/goods-receipts/${no}/lines`, body),
  postReceipt: (no: string, override: boolean) => api.post<Receipt>("inventory", `/goods-receipts/${no}/post`, { override }),
  stock: (q: { sku?: string[]; warehouse_code?: string; low_only?: boolean }, signal?: AbortSignal) => api.get<StockRow[]>("inventory", "/stock", { query: q, signal }),
  ledger: (sku: string, signal?: AbortSignal) => api.get<Ledger>("inventory", `/stock/${encodeURIComponent(sku)}/ledger`, { signal }),
  product: (barcode: string) => api.get<{ sku: string; name: string }>("inventory", `/barcodes/${encodeURIComponent(barcode)}`),
  openStocktake: (warehouse_code: string) => api.post<Stocktake>("inventory", "/stocktakes", { warehouse_code }),
  stocktake: (no: string, signal?: AbortSignal) => api.get<Stocktake>("inventory", `/stocktakes/${no}`, { signal }),
  count: (no: string, lines: { sku?: string; barcode?: string; counted_qty: string }[]) => api.post<Stocktake>("inventory", `/stocktakes/${no}/counts`, { lines }),
  submitStocktake: (no: string) => api.post<Stocktake>("inventory", `/stocktakes/${no}/submit`),
  approveStocktake: (no: string) => api.post<Stocktake>("inventory", `/stocktakes/${no}/approve`),
};

/** A scan's refusal as the person at the scanner should read it, in their language: the reason (unknown
 * barcode), else the code's message (wrong item, over-pick), else the server's text. */
export function scanMessage(t: TFunction, e: unknown): string {
  const reason = e instanceof ApiError ? e.fieldReason("barcode") : undefined;
  return reason ? reasonText(t, reason) : errorText(t, e);
}

/** "3.000" + 1 → "4.000" without floats: counts are whole units scanned one at a time. */
export function plusOne(value: string | null | undefined): string {
  const [whole = "0", fraction] = (value ?? "0").split(".");
  const next = (BigInt(whole) + 1n).toString();
  return fraction !== undefined ? `${next}.${fraction}` : next;
}
