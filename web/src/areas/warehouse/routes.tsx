import { InboxOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Home = lazy(() => import("./pages/Home"));

const ROLES: Role[] = ["warehouse", "purchaser", "purchasing_manager", "sales", "sales_manager", "auditor", "admin"];

export const warehouse: Area = {
  name: "warehouse",
  roles: ROLES,
  routes: [{ path: "warehouse", element: <Home /> }],
  menu: [{ key: "warehouse", path: "/warehouse", label: "menu.home", icon: <InboxOutlined />, order: 40, roles: ROLES }],
};
