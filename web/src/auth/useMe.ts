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

const ROLES = "ot.roles";

/** The roles of the last sign-in or /auth/me answer in this browser, while its session cookie is there: a hint
 * of what to preload before /auth/me answers again (app/preload.ts), never what opens a page — the shell waits
 * for /auth/me and the server decides. No token: the session stays in its HttpOnly cookie. */
export function rememberedRoles(): string[] | null {
  if (!cookie("ot_csrf")) return null;
  try {
    const roles: unknown = JSON.parse(localStorage.getItem(ROLES) ?? "null");
    return Array.isArray(roles) && roles.every((r) => typeof r === "string") ? roles : null;
  } catch {
    return null;
  }
}

/** Keeps the signed-in user's roles for rememberedRoles (null: signed out, forgets them). */
export function rememberRoles(me: Me | null): void {
  try {
    if (me) localStorage.setItem(ROLES, JSON.stringify(me.roles));
    else localStorage.removeItem(ROLES);
  } catch {
    // storage refused (a private window's quota): nothing is preloaded early, nothing else changes
  }
}

export async function fetchMe(): Promise<Me | null> {
  // The readable CSRF cookie comes and goes with the session: without it there is no session to ask about.
  if (!cookie("ot_csrf")) {
    rememberRoles(null);
    return null;
  }
  try {
    const me = await request<Me>("GET", "/auth/me", { allow401: true });
    rememberRoles(me);
    return me;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      rememberRoles(null);
      return null;
    }
    throw e;
  }
}

/** Whether `roles` include any of `wanted` (no `wanted`: anyone signed in). */
export function hasRole(roles: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (!roles) return false;
  if (!wanted || wanted.length === 0) return true;
  return wanted.some((r) => roles.includes(r));
}

/** Whether a user with `roles` is let in where `wanted` are (as on the server, servicekit.auth.require: admin
 * is admitted wherever any role is). */
export function admits(roles: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return hasRole(roles, wanted) || Boolean(roles?.includes("admin"));
}

/** The signed-in user's query (useMe and the router's preloads share it). */
export const meQuery = { queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000, retry: false } as const;

export function useMe() {
  const query = useQuery(meQuery);
  const me = query.data ?? null;
  return {
    me,
    loading: query.isPending,
    error: query.error,
    can: (...roles: Role[]) => admits(me?.roles, roles),
  };
}
