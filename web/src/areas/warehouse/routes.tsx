import { AppstoreOutlined, ExportOutlined, ImportOutlined, ScanOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Receive = lazy(() => import("./pages/Receive"));
const ReceiptPage = lazy(() => import("./pages/ReceiptPage"));
const Outbound = lazy(() => import("./pages/Outbound"));
const PickPage = lazy(() => import("./pages/PickPage"));
const Stock = lazy(() => import("./pages/Stock"));
const Stocktake = lazy(() => import("./pages/Stocktake"));

const WORKERS: Role[] = ["warehouse", "purchasing_manager", "admin"];
const READERS: Role[] = ["warehouse", "purchasing_manager", "purchaser", "sales", "sales_manager", "finance", "finance_manager", "auditor", "admin"];

export const warehouse: Area = {
  name: "warehouse",
  roles: READERS,
  routes: [
    { path: "warehouse/receive", element: <Receive /> },
    { path: "warehouse/receipts/:grnNo", element: <ReceiptPage /> },
    { path: "warehouse/outbound", element: <Outbound /> },
    { path: "warehouse/outbound/:doNo", element: <PickPage /> },
    { path: "warehouse/stock", element: <Stock /> },
    { path: "warehouse/stocktakes", element: <Stocktake /> },
    { path: "warehouse/stocktakes/:no", element: <Stocktake /> },
  ],
  menu: [
    { key: "receive", path: "/warehouse/receive", label: "menu.receive", icon: <ImportOutlined />, order: 40, roles: WORKERS },
    { key: "outbound", path: "/warehouse/outbound", label: "menu.outbound", icon: <ExportOutlined />, order: 41, roles: ["warehouse", "sales_manager", "auditor", "admin"] },
    { key: "stock", path: "/warehouse/stock", label: "menu.stock", icon: <AppstoreOutlined />, order: 42, roles: READERS },
    { key: "stocktakes", path: "/warehouse/stocktakes", label: "menu.stocktakes", icon: <ScanOutlined />, order: 43, roles: ["warehouse", "purchasing_manager", "finance_manager", "admin"] },
  ],
};
