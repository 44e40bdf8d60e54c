/** The signed-in user (GET /auth/me) and what their roles allow; the server stays the authority. */
import { useQuery } from "@tanstack/react-query";

import { ApiError, cookie, request } from "../api/client";
import type { Schema } from "../api/schemas";

export type Me = Schema<"gateway", "UserRead">;
export type Role =
  | "admin"
  | "purchaser"
  | "purchasing_manager"
  | "sales"
  | "sales_manager"
  | "warehouse"
  | "finance"
  | "finance_manager"
  | "auditor";

export const ME_KEY = ["auth", "me"] as const;

export async function fetchMe(): Promise<Me | null> {
  // The readable CSRF cookie comes and goes with the session: without it there is no session to ask about.
  if (!cookie("ot_csrf")) return null;
  try {
    return await request<Me>("GET", "/auth/me", { allow401: true });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

/** Whether `roles` include any of `wanted` (no `wanted`: anyone signed in). */
export function hasRole(roles: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (!roles) return false;
  if (!wanted || wanted.length === 0) return true;
  return wanted.some((r) => roles.includes(r));
}

export function useMe() {
  const query = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000, retry: false });
  const me = query.data ?? null;
  return {
    me,
    loading: query.isPending,
    error: query.error,
    // As on the server (servicekit.auth.require): admin is admitted wherever any role is.
    can: (...roles: Role[]) => hasRole(me?.roles, roles) || Boolean(me?.roles.includes("admin")),
  };
}
