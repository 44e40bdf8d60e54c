import { FileTextOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Home = lazy(() => import("./pages/Home"));

const ROLES: Role[] = ["sales", "sales_manager", "finance", "finance_manager", "auditor", "admin"];

export const sales: Area = {
  name: "sales",
  roles: ROLES,
  routes: [{ path: "sales/orders", element: <Home /> }],
  menu: [{ key: "sales", path: "/sales/orders", label: "menu.home", icon: <FileTextOutlined />, order: 10, roles: ROLES }],
};
