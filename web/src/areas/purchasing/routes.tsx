import { ShoppingCartOutlined, SolutionOutlined } from "@ant-design/icons";
import { lazy } from "react";
import { Navigate } from "react-router";

import type { Area } from "../../app/area";
import type { Role } from "../../auth/useMe";
import { orderBoard } from "./api";

const loadOrderBoard = () => import("./pages/OrderBoard");
const OrderBoard = lazy(loadOrderBoard);
const OrderPage = lazy(() => import("./pages/OrderPage"));
const Requisitions = lazy(() => import("./pages/Requisitions"));
const RequisitionPage = lazy(() => import("./pages/RequisitionPage"));

/** Who reads purchasing's documents (the server's READ: auditors read everything). */
export const READERS: Role[] = ["purchaser", "purchasing_manager", "finance", "finance_manager", "warehouse", "auditor", "admin"];

export const purchasing: Area = {
  name: "purchasing",
  roles: READERS,
  routes: [
    { path: "purchasing", element: <Navigate to="/purchasing/orders" replace /> },
    { path: "purchasing/orders", element: <OrderBoard />, handle: { preload: { page: loadOrderBoard, list: orderBoard } } },
    { path: "purchasing/orders/:poNo", element: <OrderPage /> },
    { path: "purchasing/requisitions", element: <Requisitions /> },
    { path: "purchasing/requisitions/:prNo", element: <RequisitionPage /> },
  ],
  menu: [
    { key: "purchase-orders", path: "/purchasing/orders", label: "menu.orders", icon: <ShoppingCartOutlined />, order: 30, roles: READERS },
    { key: "requisitions", path: "/purchasing/requisitions", label: "menu.requisitions", icon: <SolutionOutlined />, order: 31, roles: ["purchaser", "purchasing_manager", "finance_manager", "auditor", "admin"] },
  ],
};
