import { FileTextOutlined } from "@ant-design/icons";
import { lazy } from "react";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";
import { orderBoard } from "./api";

const loadBoard = () => import("./pages/Board");
const Board = lazy(loadBoard);
const OrderPage = lazy(() => import("./pages/OrderPage"));
const NewOrder = lazy(() => import("./pages/NewOrder"));

const ROLES: Role[] = ["sales", "sales_manager", "finance", "finance_manager", "auditor", "admin"];

export const sales: Area = {
  name: "sales",
  roles: ROLES,
  routes: [
    { path: "sales/orders", element: <Board />, handle: { preload: { page: loadBoard, list: orderBoard } } },
    { path: "sales/orders/new", element: <NewOrder /> },
    { path: "sales/orders/:orderNo", element: <OrderPage /> },
  ],
  menu: [{ key: "sales", path: "/sales/orders", label: "menu.home", icon: <FileTextOutlined />, order: 10, roles: ROLES }],
};
