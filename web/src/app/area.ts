/** What an area (web/src/areas/<area>/routes.tsx) exports: its routes (under the signed-in layout, paths
 * relative to `/`) and its menu entries, each with the roles that see it (none: everyone signed in). Labels
 * are keys of the area's i18n namespace. */
import type { ReactNode } from "react";
import type { RouteObject } from "react-router";

import type { Role } from "../auth/useMe";

export interface MenuEntry {
  key: string;
  path: string;
  /** An i18n key of the area's namespace. */
  label: string;
  icon?: ReactNode;
  roles?: Role[];
  /** Sort order in the side menu (small first). */
  order?: number;
  /** A live count next to the label (the unread badge), from a hook of the area. */
  useBadge?: () => number;
}

export interface Area {
  name: string;
  routes: RouteObject[];
  menu: MenuEntry[];
  /** Who may open the area's pages (none: everyone signed in); others get 403 — the server refuses them too. */
  roles?: Role[];
  /** Public routes (no sign-in, no layout): the customer's tracking page. */
  publicRoutes?: RouteObject[];
}
