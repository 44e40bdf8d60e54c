import { AlertOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";

const Home = lazy(() => import("./pages/Home"));

export const cases: Area = {
  name: "cases",
  routes: [{ path: "cases", element: <Home /> }],
  menu: [{ key: "cases", path: "/cases", label: "menu.home", icon: <AlertOutlined />, order: 60 }],
};
