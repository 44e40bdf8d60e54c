import { AccountBookOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Home = lazy(() => import("./pages/Home"));

const ROLES: Role[] = ["finance", "finance_manager", "auditor", "admin"];

export const finance: Area = {
  name: "finance",
  roles: ROLES,
  routes: [{ path: "finance", element: <Home /> }],
  menu: [{ key: "finance", path: "/finance", label: "menu.home", icon: <AccountBookOutlined />, order: 50, roles: ROLES }],
};
