/** The warehouse's start page: four big buttons (a phone at the dock: 360 px wide, thumbs, gloves). */
import { AppstoreOutlined, ExportOutlined, ImportOutlined, ScanOutlined } from "@ant-design/icons";
import { Card, Typography } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { admits, useMe, type Role } from "../../../auth/useMe";
import "../warehouse.css";

const TILES: { to: string; key: string; icon: ReactNode; roles: Role[] }[] = [
  { to: "/warehouse/receive", key: "receive", icon: <ImportOutlined />, roles: ["warehouse", "purchasing_manager"] },
  { to: "/warehouse/outbound", key: "outbound", icon: <ExportOutlined />, roles: ["warehouse", "sales_manager", "auditor"] },
  { to: "/warehouse/stock", key: "stock", icon: <AppstoreOutlined />, roles: [] },
  { to: "/warehouse/stocktakes", key: "stocktakes", icon: <ScanOutlined />, roles: ["warehouse", "purchasing_manager", "finance_manager"] },
];

export default function Hub() {
  const { t } = useTranslation("warehouse");
  const { me } = useMe();
  const roles = me?.roles ?? [];
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t("menu.home")}</Typography.Title>}>
      <div className="wh-tiles">
        {TILES.filter((x) => admits(roles, x.roles)).map((x) => (
          <Link key={x.key} to={x.to} className="wh-tile" data-testid={`tile-${x.key}`}>
            <span className="wh-tile-icon">{x.icon}</span>
            <span className="wh-tile-title">{t(`menu.${x.key}`)}</span>
            <span className="wh-tile-hint">{t(`hub.${x.key}`)}</span>
          </Link>
        ))}
      </div>
    </Card>
  );
}
