/** The approvals inbox: what waits for my roles, from purchasing (requisitions, purchase orders) and sales
 * (sales orders) — each service answers for its own documents; decisions go to the document's own endpoint. */
import { api } from "../../api/client";
import type { Schema } from "../../api/schemas";
import type { Role } from "../../auth/useMe";
import { hasRole } from "../../auth/useMe";

export type Waiting = Schema<"purchasing", "WaitingRead">;
export type Approval = Schema<"purchasing", "ApprovalRead">;

/** Roles a purchasing approval rule can name (purchasing's DECIDERS) and the sales order approvers. */
export const PURCHASING_DECIDERS: Role[] = ["purchaser", "purchasing_manager", "finance", "finance_manager", "sales_manager", "warehouse"];
export const SALES_DECIDERS: Role[] = ["sales_manager"];
export const DECIDERS: Role[] = ["purchasing_manager", "finance_manager", "sales_manager"];

export const INBOX_KEY = ["approvals", "waiting"] as const;

export async function fetchWaiting(roles: readonly string[], signal?: AbortSignal): Promise<Waiting[]> {
  const asks: Promise<Waiting[]>[] = [];
  if (hasRole(roles, PURCHASING_DECIDERS)) asks.push(api.get<Waiting[]>("purchasing", "/approvals/waiting", { signal }));
  if (hasRole(roles, SALES_DECIDERS)) asks.push(api.get<Waiting[]>("sales", "/approvals/waiting", { signal }));
  const all = (await Promise.all(asks)).flat();
  return all.sort((a, b) => a.requested_at.localeCompare(b.requested_at) || a.document_no.localeCompare(b.document_no));
}

export function documentLink(w: Pick<Waiting, "document_type" | "document_no">): string {
  if (w.document_type === "requisition") return `/purchasing/requisitions/${w.document_no}`;
  if (w.document_type === "purchase_order") return `/purchasing/orders/${w.document_no}`;
  return `/sales/orders/${w.document_no}`;
}

export async function fetchChain(w: Waiting, signal?: AbortSignal): Promise<Approval | null> {
  if (w.document_type === "requisition") {
    return (await api.get<Schema<"purchasing", "RequisitionRead">>("purchasing", `/requisitions/${w.document_no}`, { signal })).approval ?? null;
  }
  if (w.document_type === "purchase_order") {
    return (await api.get<Schema<"purchasing", "PoRead">>("purchasing", `/purchase-orders/${w.document_no}`, { signal })).approval ?? null;
  }
  return (await api.get<{ approval?: Approval | null }>("sales", `/orders/${w.document_no}`, { signal })).approval ?? null;
}

export async function decide(w: Waiting, decision: "approved" | "rejected", comment: string | null): Promise<unknown> {
  const body = { comment: comment || null };
  if (w.document_type === "requisition") return api.post("purchasing", `/requisitions/${w.document_no}/decisions`, { ...body, decision });
  if (w.document_type === "purchase_order") return api.post("purchasing", `/purchase-orders/${w.document_no}/decisions`, { ...body, decision });
  return api.post("sales", `/orders/${w.document_no}/${decision === "approved" ? "approve" : "reject"}`, body);
}
