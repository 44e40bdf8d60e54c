/** Finance's start page: its pages, with the bills on hold (three-way mismatches waiting for a decision) counted. */
import { AlertOutlined, BarChartOutlined, DollarOutlined, FileDoneOutlined, InboxOutlined, ProfileOutlined, TableOutlined, TransactionOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Badge, Card, List, Typography } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { financeApi, keys } from "../api";

const PAGES: { to: string; key: string; icon: ReactNode }[] = [
  { to: "/finance/invoices", key: "invoices", icon: <FileDoneOutlined /> },
  { to: "/finance/payments", key: "payments", icon: <DollarOutlined /> },
  { to: "/finance/bills?status=on_hold", key: "bills", icon: <AlertOutlined /> },
  { to: "/finance/supplier-payments", key: "supplierPayments", icon: <TransactionOutlined /> },
  { to: "/finance/received-not-billed", key: "unbilled", icon: <InboxOutlined /> },
  { to: "/finance/statements", key: "statements", icon: <ProfileOutlined /> },
  { to: "/finance/ageing", key: "ageing", icon: <BarChartOutlined /> },
  { to: "/finance/trial-balance", key: "trialBalance", icon: <TableOutlined /> },
];

export default function Hub() {
  const { t } = useTranslation("finance");
  const held = useQuery({ queryKey: [...keys.bills, "on_hold", "count"], queryFn: ({ signal }) => financeApi.bills({ status: "on_hold", limit: 100, offset: 0 }, signal) });
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t("menu.home")}</Typography.Title>}>
      <List
        grid={{ gutter: 12, xs: 1, sm: 2, lg: 3 }}
        dataSource={PAGES}
        renderItem={(p) => (
          <List.Item>
            <Link to={p.to} data-testid={`finance-${p.key}`}>
              <Card hoverable size="small">
                <Card.Meta
                  avatar={<span style={{ fontSize: 24 }}>{p.icon}</span>}
                  title={
                    <span>
                      {t(`menu.${p.key}`)} {p.key === "bills" && held.data?.length ? <Badge count={held.data.length} overflowCount={99} /> : null}
                    </span>
                  }
                  description={t(`hub.${p.key}`)}
                />
              </Card>
            </Link>
          </List.Item>
        )}
      />
    </Card>
  );
}
