/** The sales area's reads and writes (types generated from sales' OpenAPI). Query keys start with
 * ["sales", "sales_order"] so the live notices of an order make them stale. */
import { api, type Query } from "../../api/client";
import type { Schema } from "../../api/schemas";
import type { ListParams, ListSource } from "../../ui/listState";

export type OrderRow = Schema<"sales", "OrderListItem">;
export type OrderDetail = Schema<"sales", "OrderDetail">;
export type OrderCreate = Schema<"sales", "OrderCreate">;
export type LineIn = Schema<"sales", "LineIn">;
export type Quote = Schema<"sales", "QuoteRead">;
export type Customer = Schema<"sales", "CustomerRead">;
export type Product = Schema<"inventory", "ProductRead">;
export type Stock = Schema<"inventory", "StockRead">;
export type Outbound = Schema<"sales", "ShipmentRead">;

export const ORDERS = ["sales", "sales_order"] as const;

export const STATUSES = [
  "pending",
  "pending_approval",
  "reserving",
  "awaiting_credit",
  "confirmed",
  "partially_shipped",
  "shipped",
  "delivered",
  "invoiced",
  "paid",
  "closed",
  "backordered",
  "rejected",
  "cancelled",
] as const;

export function orderQuery(params: Pick<ListParams, "filters" | "sort">): Query {
  const f = params.filters;
  return {
    ...f,
    stuck_or_late: f.stuck_or_late === "true" ? true : undefined,
    sort: params.sort ? `${params.sort.order === "desc" ? "-" : ""}${params.sort.field}` : undefined,
  } as Query;
}

export const salesApi = {
  list: (params: ListParams, signal?: AbortSignal) =>
    api.get<OrderRow[]>("sales", "/orders", { query: { ...orderQuery(params), limit: params.limit, offset: params.offset }, signal }),
  counts: (query: Query, signal?: AbortSignal) =>
    api.get<{ counts: Record<string, number> }>("sales", "/orders/status-counts", { query, signal }),
  detail: (no: string) => api.get<OrderDetail>("sales", `/orders/${encodeURIComponent(no)}`),
  place: (body: OrderCreate, key: string) => api.post<OrderDetail>("sales", "/orders", body, { headers: { "Idempotency-Key": key } }),
  quote: (lines: LineIn[], currency?: string) => api.post<Quote>("sales", "/orders/quote", { lines, currency }),
  amend: (no: string, lines: LineIn[], reason: string) => api.put<OrderDetail>("sales", `/orders/${encodeURIComponent(no)}/lines`, { lines, reason }),
  cancel: (no: string, reason: string) => api.post<OrderDetail>("sales", `/orders/${encodeURIComponent(no)}/cancel`, { reason }),
  void: (no: string, reason: string) => api.post<OrderDetail>("sales", `/orders/${encodeURIComponent(no)}/void`, { reason }),
  customers: (q: string) => api.get<Customer[]>("sales", "/customers", { query: { q, limit: 20 } }),
  products: (q: string) => api.get<Product[]>("inventory", "/products", { query: { q, limit: 20, active: true } }),
  stock: (skus: string[]) => api.get<Stock[]>("inventory", "/stock", { query: { sku: skus } }),
};

/** The order board's rows (its ListPage and the route's preload ask through it): 25 a page, 100 on the kanban. */
export const orderBoard: ListSource<OrderRow> = {
  queryKey: [...ORDERS, "list"],
  fetch: (params, signal) => salesApi.list(params, signal),
  multi: new Set(["status"]),
  pageSize: (params) => (params.get("view") === "kanban" ? 100 : 25),
};
