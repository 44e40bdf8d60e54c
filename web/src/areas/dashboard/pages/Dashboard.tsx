/** What needs attention today: today's orders placed / confirmed / shipped, stuck or late orders, open
 * anomalies, exception cases near or past their SLA, approvals waiting for my roles — each a link to the
 * filtered list. Cards show only to roles that may read their data; the live notices re-fetch them. */
import { useQuery } from "@tanstack/react-query";
import { Card, Col, Empty, List, Row, Skeleton, Statistic, Tag, Typography } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { api } from "../../../api/client";
import type { Schema } from "../../../api/schemas";
import { useMe, type Role } from "../../../auth/useMe";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { formatDateTime, todayInShanghai } from "../../../ui/format";
import { StatusTag } from "../../../ui/StatusTag";

type OrderRow = Schema<"sales", "OrderListItem">;
type Counts = { counts: Record<string, number> };
type Alert = { alert_id: string; rule_code: string; subject_type: string; subject_id: string; severity: string; title_zh: string; title_en: string; raised_at: string };
type Case = { case_no: string; title?: string; case_type: string; state: string; sla_due_at: string; customer_code?: string | null; supplier_code?: string | null };

const CONFIRMED_OR_LATER = ["confirmed", "partially_shipped", "shipped", "delivered", "invoiced", "paid", "closed"];
const SHIPPED_OR_LATER = ["shipped", "delivered", "invoiced", "paid", "closed"];
const OPEN_CASE = new Set(["open", "processing", "escalated"]);
const SALES_READERS: Role[] = ["sales", "sales_manager", "finance", "finance_manager", "auditor"];
const PURCHASING_READERS: Role[] = ["purchaser", "purchasing_manager", "finance", "finance_manager", "auditor", "warehouse"];
const NEAR_SLA_MS = 4 * 3600 * 1000;

function total(counts: Record<string, number> | undefined, statuses?: string[]): number {
  if (!counts) return 0;
  return Object.entries(counts).reduce((n, [s, c]) => (statuses && !statuses.includes(s) ? n : n + c), 0);
}

function boardLink(query: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return `/sales/orders?${p.toString()}`;
}

function Tile({ title, value, to, danger, loading }: { title: ReactNode; value: number; to: string; danger?: boolean; loading?: boolean }) {
  return (
    <Link to={to} className="ot-tile" aria-label={`${String(title)} ${value}`}>
      <Card hoverable size="small">
        <Statistic title={title} value={value} loading={loading} styles={{ content: { color: danger && value > 0 ? "#cf1322" : undefined } }} />
      </Card>
    </Link>
  );
}

function TodayOrders() {
  const { t } = useTranslation("dashboard");
  const after = `${todayInShanghai()}T00:00:00+08:00`;
  const today = useQuery({ queryKey: ["sales", "sales_order", "counts", "today", after], queryFn: () => api.get<Counts>("sales", "/orders/status-counts", { query: { placed_after: after } }) });
  const trouble = useQuery({ queryKey: ["sales", "sales_order", "counts", "trouble"], queryFn: () => api.get<Counts>("sales", "/orders/status-counts", { query: { stuck_or_late: true } }) });
  const all = useQuery({ queryKey: ["sales", "sales_order", "counts", "all"], queryFn: () => api.get<Counts>("sales", "/orders/status-counts") });
  if (today.error) return <ErrorAlert error={today.error} />;
  const c = today.data?.counts;
  return (
    <Row gutter={[12, 12]}>
      <Col xs={12} md={6}>
        <Tile title={t("today.placed")} value={total(c)} to={boardLink({ placed_after: after })} loading={today.isPending} />
      </Col>
      <Col xs={12} md={6}>
        <Tile title={t("today.confirmed")} value={total(c, CONFIRMED_OR_LATER)} to={boardLink({ placed_after: after, status: CONFIRMED_OR_LATER })} loading={today.isPending} />
      </Col>
      <Col xs={12} md={6}>
        <Tile title={t("today.shipped")} value={total(c, SHIPPED_OR_LATER)} to={boardLink({ placed_after: after, status: SHIPPED_OR_LATER })} loading={today.isPending} />
      </Col>
      <Col xs={12} md={6}>
        <Tile title={t("today.trouble")} value={total(trouble.data?.counts)} to={boardLink({ stuck_or_late: "true" })} danger loading={trouble.isPending} />
      </Col>
      <Col xs={12} md={6}>
        <Tile title={t("today.rejected")} value={c?.rejected ?? 0} to={boardLink({ placed_after: after, status: "rejected" })} danger loading={today.isPending} />
      </Col>
      <Col xs={12} md={6}>
        <Tile title={t("today.backordered")} value={all.data?.counts.backordered ?? 0} to={boardLink({ status: "backordered" })} danger loading={all.isPending} />
      </Col>
    </Row>
  );
}

function StuckOrders() {
  const { t } = useTranslation("dashboard");
  const stuck = useQuery({ queryKey: ["sales", "sales_order", "list", "dashboard-trouble"], queryFn: () => api.get<OrderRow[]>("sales", "/orders", { query: { stuck_or_late: true, limit: 6 } }) });
  return (
    <Card title={t("stuck.title")} extra={<Link to={boardLink({ stuck_or_late: "true" })}>{t("all")}</Link>} size="small">
      {stuck.error ? <ErrorAlert error={stuck.error} /> : null}
      <List
        loading={stuck.isPending}
        dataSource={stuck.data ?? []}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("stuck.none")} /> }}
        renderItem={(o) => (
          <List.Item>
            <Link to={`/sales/orders/${o.order_no}`}>{o.order_no}</Link> <StatusTag status={o.status} />
            <span className="ot-alarm-red">{o.stuck ? t("stuck.stuck") : t("stuck.overdue", { date: o.requested_date })}</span>
          </List.Item>
        )}
      />
    </Card>
  );
}

/** The anomalies still open (warning and critical): not the notices (info) such as "order confirmed". */
function Anomalies() {
  const { t, i18n } = useTranslation("dashboard");
  const alerts = useQuery({ queryKey: ["notifier", "alert", "open"], queryFn: () => api.get<Alert[]>("notifier", "/alerts", { query: { open_only: true, min_severity: "warning", limit: 100 } }) });
  const rows = alerts.data ?? [];
  return (
    <Card title={<span>{t("anomalies.title")} <Tag color={rows.length ? "red" : "default"}>{rows.length >= 100 ? "100+" : rows.length}</Tag></span>} extra={<Link to="/cases">{t("all")}</Link>} size="small">
      {alerts.error ? <ErrorAlert error={alerts.error} /> : null}
      <List
        loading={alerts.isPending}
        dataSource={rows.slice(0, 6)}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("anomalies.none")} /> }}
        renderItem={(a) => (
          <List.Item>
            <Tag color={a.severity === "critical" ? "red" : "orange"}>{a.subject_id}</Tag>
            <Typography.Text ellipsis style={{ maxWidth: 320 }}>{i18n.language === "en" ? a.title_en : a.title_zh}</Typography.Text>
            <span className="ot-muted">{formatDateTime(a.raised_at)}</span>
          </List.Item>
        )}
      />
    </Card>
  );
}

function Cases() {
  const { t } = useTranslation("dashboard");
  const cases = useQuery({ queryKey: ["notifier", "case", "dashboard"], queryFn: () => api.get<Case[]>("notifier", "/cases", { query: { limit: 500 } }) });
  const now = cases.dataUpdatedAt;
  const due = (cases.data ?? [])
    .filter((c) => OPEN_CASE.has(c.state) && new Date(c.sla_due_at).getTime() - now < NEAR_SLA_MS)
    .sort((a, b) => a.sla_due_at.localeCompare(b.sla_due_at));
  return (
    <Card title={<span>{t("cases.title")} <Tag color={due.length ? "red" : "default"}>{due.length}</Tag></span>} extra={<Link to="/cases">{t("all")}</Link>} size="small">
      {cases.error ? <ErrorAlert error={cases.error} /> : null}
      <List
        loading={cases.isPending}
        dataSource={due.slice(0, 6)}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("cases.none")} /> }}
        renderItem={(c) => {
          const past = new Date(c.sla_due_at).getTime() < now;
          return (
            <List.Item>
              <Link to={`/cases/${c.case_no}`}>{c.case_no}</Link>
              <Tag color={past ? "red" : "orange"}>{past ? t("cases.breached") : t("cases.near")}</Tag>
              <span className="ot-muted">{formatDateTime(c.sla_due_at)}</span>
            </List.Item>
          );
        }}
      />
    </Card>
  );
}

function Approvals() {
  const { t } = useTranslation("dashboard");
  const { can } = useMe();
  const sales = useQuery({ queryKey: ["sales", "sales_order", "counts", "approval"], queryFn: () => api.get<Counts>("sales", "/orders/status-counts"), enabled: can("sales_manager") });
  const prs = useQuery({ queryKey: ["purchasing", "requisition", "submitted"], queryFn: () => api.get<unknown[]>("purchasing", "/requisitions", { query: { status: "submitted", limit: 500 } }), enabled: can("purchasing_manager") });
  const pos = useQuery({ queryKey: ["purchasing", "purchase_order", "pending_approval"], queryFn: () => api.get<unknown[]>("purchasing", "/purchase-orders", { query: { status: "pending_approval", limit: 1000 } }), enabled: can("purchasing_manager", "finance_manager") });
  const items = [
    ...(can("sales_manager") ? [{ key: "so", label: t("approvals.salesOrders"), n: sales.data?.counts.pending_approval ?? 0, loading: sales.isPending }] : []),
    ...(can("purchasing_manager") ? [{ key: "pr", label: t("approvals.requisitions"), n: prs.data?.length ?? 0, loading: prs.isPending }] : []),
    ...(can("purchasing_manager", "finance_manager") ? [{ key: "po", label: t("approvals.purchaseOrders"), n: pos.data?.length ?? 0, loading: pos.isPending }] : []),
  ];
  if (items.length === 0) return null;
  return (
    <Card title={t("approvals.title")} extra={<Link to="/approvals">{t("all")}</Link>} size="small">
      <Row gutter={[12, 12]}>
        {items.map((i) => (
          <Col key={i.key} xs={24} sm={8}>
            <Tile title={i.label} value={i.n} to="/approvals" loading={i.loading} />
          </Col>
        ))}
      </Row>
    </Card>
  );
}

export default function Dashboard() {
  const { t } = useTranslation("dashboard");
  const { me, can } = useMe();
  if (!me) return <Skeleton active />;
  const sales = can(...SALES_READERS);
  return (
    <div className="ot-dashboard">
      <Typography.Title level={3}>{t("greeting", { name: me.display_name || me.username })}</Typography.Title>
      <Row gutter={[16, 16]}>
        {sales ? (
          <Col span={24}>
            <Card title={t("today.title")} size="small">
              <TodayOrders />
            </Card>
          </Col>
        ) : null}
        <Col span={24}>
          <Approvals />
        </Col>
        {sales ? (
          <Col xs={24} lg={12}>
            <StuckOrders />
          </Col>
        ) : null}
        <Col xs={24} lg={12}>
          <Anomalies />
        </Col>
        <Col xs={24} lg={12}>
          <Cases />
        </Col>
        {can(...PURCHASING_READERS) ? (
          <Col xs={24} lg={12}>
            <Card title={t("purchasing.title")} size="small" extra={<Link to="/purchasing">{t("all")}</Link>}>
              <PurchaseAnomalies />
            </Card>
          </Col>
        ) : null}
      </Row>
    </div>
  );
}

function PurchaseAnomalies() {
  const { t } = useTranslation("dashboard");
  type Po = { po_no: string; status: string; supplier_code: string; open_anomalies: number };
  const pos = useQuery({ queryKey: ["purchasing", "purchase_order", "anomalies"], queryFn: () => api.get<Po[]>("purchasing", "/purchase-orders", { query: { anomalies_only: true, limit: 6 } }) });
  if (pos.error) return <ErrorAlert error={pos.error} />;
  return (
    <List
      loading={pos.isPending}
      dataSource={pos.data ?? []}
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("purchasing.none")} /> }}
      renderItem={(p) => (
        <List.Item>
          <Link to={`/purchasing/orders/${p.po_no}`}>{p.po_no}</Link> <span>{p.supplier_code}</span>
          <Tag color="red">{t("purchasing.anomalies", { count: p.open_anomalies })}</Tag>
        </List.Item>
      )}
    />
  );
}
