import { AuditOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Home = lazy(() => import("./pages/Home"));

const ROLES: Role[] = ["purchasing_manager", "sales_manager", "finance_manager", "admin"];

export const approvals: Area = {
  name: "approvals",
  roles: ROLES,
  routes: [{ path: "approvals", element: <Home /> }],
  menu: [{ key: "approvals", path: "/approvals", label: "menu.home", icon: <AuditOutlined />, order: 20, roles: ROLES }],
};
