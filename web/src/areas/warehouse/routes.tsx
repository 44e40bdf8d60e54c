import { InboxOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Hub = lazy(() => import("./pages/Hub"));
const Receive = lazy(() => import("./pages/Receive"));
const ReceiptPage = lazy(() => import("./pages/ReceiptPage"));
const Outbound = lazy(() => import("./pages/Outbound"));
const PickPage = lazy(() => import("./pages/PickPage"));
const Stock = lazy(() => import("./pages/Stock"));
const Stocktake = lazy(() => import("./pages/Stocktake"));

const READERS: Role[] = ["warehouse", "purchasing_manager", "purchaser", "sales", "sales_manager", "finance", "finance_manager", "auditor", "admin"];

export const warehouse: Area = {
  name: "warehouse",
  roles: READERS,
  routes: [
    { path: "warehouse", element: <Hub /> },
    { path: "warehouse/receive", element: <Receive /> },
    { path: "warehouse/receipts/:grnNo", element: <ReceiptPage /> },
    { path: "warehouse/outbound", element: <Outbound /> },
    { path: "warehouse/outbound/:doNo", element: <PickPage /> },
    { path: "warehouse/stock", element: <Stock /> },
    { path: "warehouse/stocktakes", element: <Stocktake /> },
    { path: "warehouse/stocktakes/:no", element: <Stocktake /> },
  ],
  // One entry: the hub's four big buttons lead on (the side menu stays short; a phone at the dock uses the hub).
  menu: [{ key: "warehouse", path: "/warehouse", label: "menu.home", icon: <InboxOutlined />, order: 40, roles: READERS }],
};
