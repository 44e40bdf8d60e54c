import { TeamOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";

const Users = lazy(() => import("./pages/Users"));

const ROLES: Role[] = ["admin"];

export const admin: Area = {
  name: "admin",
  roles: ROLES,
  routes: [{ path: "admin/users", element: <Users /> }],
  menu: [{ key: "admin", path: "/admin/users", label: "menu.home", icon: <TeamOutlined />, order: 90, roles: ROLES }],
};
