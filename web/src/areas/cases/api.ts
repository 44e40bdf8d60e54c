/** Notifier's exception cases and the in-app inbox; query keys `["notifier", entity, ...]` (live notices of
 * cases and alerts refresh them). Plain JSON documents: shapes declared here from notifier's handlers. */
import { useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import type { Schema } from "../../api/schemas";
import { hasRole, useMe, type Role } from "../../auth/useMe";

export type InboxItem = Schema<"notifier", "InboxItem">;

export interface Case {
  case_no: string;
  case_type: string;
  title: string;
  description: string;
  severity: string;
  subject_type: string;
  subject_id: string;
  supplier_code: string | null;
  customer_code: string | null;
  state: string;
  assignee_role: string | null;
  assignee_user: string | null;
  level: number;
  sla_hours: number;
  sla_due_at: string;
  sla_seconds_left: number | null;
  sla_breached: boolean;
  opened_at: string;
  resolved_at: string | null;
  resolution: string | null;
  closed_at: string | null;
}
export interface CaseDetail extends Case {
  comments: { id: number; author: string; body: string; at: string }[];
  links: { doc_type: string; doc_id: string }[];
  history: { id: number; from_state: string | null; to_state: string; actor: string; note: string | null; at: string }[];
}

/** Who the notifier lets read cases and inboxes (its staff; auditors read). */
export const STAFF: Role[] = ["purchaser", "purchasing_manager", "sales", "sales_manager", "warehouse", "finance", "finance_manager", "auditor"];
export const CASE_STATES = ["open", "processing", "escalated", "resolved", "closed"];

export const keys = {
  cases: ["notifier", "case"] as const,
  case: (no: string) => ["notifier", "case", no] as const,
  inbox: ["notifier", "alert", "inbox"] as const,
  unread: ["notifier", "alert", "unread"] as const,
};

export const casesApi = {
  list: (q: { state?: string; case_type?: string; supplier_code?: string; customer_code?: string; active?: boolean; sort: "sla" | "opened"; limit: number; offset: number }, signal?: AbortSignal) =>
    api.get<Case[]>("notifier", "/cases", { query: q, signal }),
  one: (no: string, signal?: AbortSignal) => api.get<CaseDetail>("notifier", `/cases/${no}`, { signal }),
  assign: (no: string, body: { role?: string | null; user?: string | null }) => api.post<Case>("notifier", `/cases/${no}/assign`, body),
  comment: (no: string, body: string) => api.post("notifier", `/cases/${no}/comments`, { body }),
  escalate: (no: string, note: string | null) => api.post<Case>("notifier", `/cases/${no}/escalate`, { note }),
  resolve: (no: string, resolution: string) => api.post<Case>("notifier", `/cases/${no}/resolve`, { resolution }),
  close: (no: string) => api.post<Case>("notifier", `/cases/${no}/close`),
  inbox: (unread: boolean, signal?: AbortSignal) => api.get<InboxItem[]>("notifier", "/inbox", { query: { unread, limit: 100 }, signal }),
  unread: (signal?: AbortSignal) => api.get<{ unread: number }>("notifier", "/inbox/unread-count", { signal }),
  read: (id: number) => api.post("notifier", `/inbox/${id}/read`),
  readAll: () => api.post("notifier", "/inbox/read-all"),
};

/** The unread badge of the inbox's menu entry: the server's count, re-read on every live alert notice. */
export function useUnreadCount(): number {
  const { me } = useMe();
  const allowed = hasRole(me?.roles, [...STAFF, "admin"]);
  const q = useQuery({ queryKey: keys.unread, queryFn: ({ signal }) => casesApi.unread(signal), enabled: allowed, staleTime: 30_000 });
  return allowed ? (q.data?.unread ?? 0) : 0;
}

/** "2 h 05 min left" / "3 h 10 min over": whole minutes of the server's seconds (integers, no money). */
export function slaParts(seconds: number): { over: boolean; hours: number; minutes: number } {
  const over = seconds < 0;
  const s = Math.abs(seconds);
  return { over, hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60) };
}
