/** Short names for the generated types: `Schema<"sales", "OrderDetail">`. Never hand-write a server type. */
import type { components as Analytics } from "./types/analytics";
import type { components as Finance } from "./types/finance";
import type { components as Gateway } from "./types/gateway";
import type { components as Inventory } from "./types/inventory";
import type { components as Notifier } from "./types/notifier";
import type { components as Purchasing } from "./types/purchasing";
import type { components as Sales } from "./types/sales";

interface Schemas {
  analytics: Analytics["schemas"];
  finance: Finance["schemas"];
  gateway: Gateway["schemas"];
  inventory: Inventory["schemas"];
  notifier: Notifier["schemas"];
  purchasing: Purchasing["schemas"];
  sales: Sales["schemas"];
}

export type Schema<S extends keyof Schemas, N extends keyof Schemas[S]> = Schemas[S][N];
