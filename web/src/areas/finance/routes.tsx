import { AccountBookOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Hub = lazy(() => import("./pages/Hub"));
const Invoices = lazy(() => import("./pages/Invoices"));
const Payments = lazy(() => import("./pages/Payments"));
const SupplierPayments = lazy(() => import("./pages/SupplierPayments"));
const Unbilled = lazy(() => import("./pages/Unbilled"));
const Bills = lazy(() => import("./pages/Bills"));
const BillPage = lazy(() => import("./pages/BillPage"));
const Statements = lazy(() => import("./pages/Statements"));
const Ageing = lazy(() => import("./pages/Ageing"));
const TrialBalance = lazy(() => import("./pages/TrialBalance"));

const READERS: Role[] = ["finance", "finance_manager", "auditor", "admin"];

export const finance: Area = {
  name: "finance",
  roles: READERS,
  routes: [
    { path: "finance", element: <Hub /> },
    { path: "finance/invoices", element: <Invoices /> },
    { path: "finance/payments", element: <Payments /> },
    { path: "finance/supplier-payments", element: <SupplierPayments /> },
    { path: "finance/received-not-billed", element: <Unbilled /> },
    { path: "finance/bills", element: <Bills /> },
    { path: "finance/bills/:billNo", element: <BillPage /> },
    { path: "finance/statements", element: <Statements /> },
    { path: "finance/ageing", element: <Ageing /> },
    { path: "finance/trial-balance", element: <TrialBalance /> },
  ],
  // One entry: the hub lists finance's pages (the bills on hold counted).
  menu: [{ key: "finance", path: "/finance", label: "menu.home", icon: <AccountBookOutlined />, order: 50, roles: READERS }],
};

