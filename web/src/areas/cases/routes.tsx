import { BellOutlined, WarningOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import { STAFF, useUnreadCount } from "./api";

const Queue = lazy(() => import("./pages/Queue"));
const CasePage = lazy(() => import("./pages/CasePage"));
const Inbox = lazy(() => import("./pages/Inbox"));

export const cases: Area = {
  name: "cases",
  roles: [...STAFF, "admin"],
  routes: [
    { path: "cases", element: <Queue /> },
    { path: "cases/:caseNo", element: <CasePage /> },
    { path: "inbox", element: <Inbox /> },
  ],
  menu: [
    { key: "cases", path: "/cases", label: "menu.cases", icon: <WarningOutlined />, order: 60, roles: STAFF },
    { key: "inbox", path: "/inbox", label: "menu.inbox", icon: <BellOutlined />, order: 61, roles: STAFF, useBadge: useUnreadCount },
  ],
};
