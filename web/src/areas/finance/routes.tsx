import { AlertOutlined, BarChartOutlined, DollarOutlined, FileDoneOutlined, ProfileOutlined, TableOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Invoices = lazy(() => import("./pages/Invoices"));
const Payments = lazy(() => import("./pages/Payments"));
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
    { path: "finance/invoices", element: <Invoices /> },
    { path: "finance/payments", element: <Payments /> },
    { path: "finance/bills", element: <Bills /> },
    { path: "finance/bills/:billNo", element: <BillPage /> },
    { path: "finance/statements", element: <Statements /> },
    { path: "finance/ageing", element: <Ageing /> },
    { path: "finance/trial-balance", element: <TrialBalance /> },
  ],
  menu: [
    { key: "invoices", path: "/finance/invoices", label: "menu.invoices", icon: <FileDoneOutlined />, order: 50, roles: READERS },
    { key: "payments", path: "/finance/payments", label: "menu.payments", icon: <DollarOutlined />, order: 51, roles: ["finance", "finance_manager"] },
    { key: "bills", path: "/finance/bills?status=on_hold", label: "menu.bills", icon: <AlertOutlined />, order: 52, roles: READERS },
    { key: "statements", path: "/finance/statements", label: "menu.statements", icon: <ProfileOutlined />, order: 53, roles: READERS },
    { key: "ageing", path: "/finance/ageing", label: "menu.ageing", icon: <BarChartOutlined />, order: 54, roles: READERS },
    { key: "trial-balance", path: "/finance/trial-balance", label: "menu.trialBalance", icon: <TableOutlined />, order: 55, roles: READERS },
  ],
};

