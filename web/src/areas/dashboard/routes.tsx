import { DashboardOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";

const Dashboard = lazy(() => import("./pages/Dashboard"));

export const dashboard: Area = {
  name: "dashboard",
  routes: [{ index: true, element: <Dashboard /> }],
  menu: [{ key: "dashboard", path: "/", label: "menu.home", icon: <DashboardOutlined />, order: 0 }],
};
