import { DashboardOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";

const Home = lazy(() => import("./pages/Home"));

export const dashboard: Area = {
  name: "dashboard",
  routes: [{ index: true, element: <Home /> }],
  menu: [{ key: "dashboard", path: "/", label: "menu.home", icon: <DashboardOutlined />, order: 0 }],
};
