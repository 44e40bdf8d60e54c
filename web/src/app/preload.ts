/** A page's code and its list's first rows asked for as soon as the router knows where the user is going, in
 * parallel: before, the page's chunk waited for the shell to render and its list's request for the page to mount
 * (on a cold board, the request started ~0.4 s after the chunk arrived). The list is asked for only for a user
 * whose roles open the page (no request the server would refuse); the page's ListPage then finds the rows in
 * flight or in the cache under the same key (ui/listState.ts listQuery). */
import type { LoaderFunctionArgs, ShouldRevalidateFunctionArgs } from "react-router";

import { admits, ME_KEY, meQuery, rememberedRoles, type Me, type Role } from "../auth/useMe";
import { listQuery, readState, type ListSource } from "../ui/listState";
import { queryClient } from "./queryClient";

export interface Preload {
  /** The page's module (the same import as its `lazy`). */
  page?: () => Promise<unknown>;
  /** The source of the page's list (a small module the route imports: waiting for a chunk of its own cost the
   * request ~0.2 s on a cold board, the chunk queued behind the page's). */
  list?: ListSource<unknown>;
}

async function startList(list: ListSource<unknown>, url: URL, roles: Role[] | undefined): Promise<void> {
  const asked = queryClient.fetchQuery(meQuery);
  // The roles known already (this session's answer, or the one remembered in this browser) or /auth/me's.
  const known = queryClient.getQueryData<Me | null>(ME_KEY)?.roles ?? rememberedRoles();
  const mine = known ?? (await asked)?.roles;
  if (!admits(mine, roles)) return;
  const pageSize = list.pageSize?.(url.searchParams) ?? 25;
  await queryClient.prefetchQuery(listQuery(list, readState(url.searchParams, list.multi), pageSize));
}

/** A route's loader that starts the preloads and returns at once (it never holds the navigation up). */
export function preloader(preload: Preload, roles: Role[] | undefined) {
  return ({ request }: LoaderFunctionArgs) => {
    void preload.page?.().catch(() => undefined); // the lazy page reports its own failure
    if (preload.list) void startList(preload.list, new URL(request.url), roles).catch(() => undefined);
    return null;
  };
}

/** Preload again only on a move to another page: a filter's change asks for its rows itself (ListPage). */
export function samePageKeepsPreload({ currentUrl, nextUrl, defaultShouldRevalidate }: ShouldRevalidateFunctionArgs): boolean {
  return currentUrl.pathname !== nextUrl.pathname ? defaultShouldRevalidate : false;
}
