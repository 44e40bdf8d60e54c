import type { MenuEntry } from "./area";
import { admits } from "../auth/useMe";

export interface VisibleEntry extends MenuEntry {
  ns: string;
}

/** The menu entries of `areas` the user's roles see, in order. */
export function visibleMenu(areas: { name: string; menu: MenuEntry[] }[], roles: readonly string[]): VisibleEntry[] {
  return areas
    .flatMap((a) => a.menu.map((m) => ({ ...m, ns: a.name })))
    .filter((m) => admits(roles, m.roles))
    .sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
}
