import { AuditOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import { DECIDERS } from "./api";

const Inbox = lazy(() => import("./pages/Inbox"));

export const approvals: Area = {
  name: "approvals",
  routes: [{ path: "approvals", element: <Inbox /> }],
  menu: [{ key: "approvals", path: "/approvals", label: "menu.inbox", icon: <AuditOutlined />, order: 20, roles: DECIDERS }],
};
