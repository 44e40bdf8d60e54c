import { ShoppingCartOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Home = lazy(() => import("./pages/Home"));

const ROLES: Role[] = ["purchaser", "purchasing_manager", "warehouse", "finance", "finance_manager", "auditor", "admin"];

export const purchasing: Area = {
  name: "purchasing",
  roles: ROLES,
  routes: [{ path: "purchasing", element: <Home /> }],
  menu: [{ key: "purchasing", path: "/purchasing", label: "menu.home", icon: <ShoppingCartOutlined />, order: 30, roles: ROLES }],
};
