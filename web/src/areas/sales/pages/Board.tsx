/** The sales order board: the list or the kanban of orders by status, each with its progress bar; rejected,
 * stuck, overdue (red) and backordered (amber) orders show why. Live: the gateway's notices re-fetch it. */
import { AppstoreOutlined, PlusOutlined, UnorderedListOutlined } from "@ant-design/icons";
import { Button, Segmented, Space } from "antd";
import { lazy, Suspense, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";

import { useMe } from "../../../auth/useMe";
import { formatDateTime } from "../../../ui/format";
import { readState } from "../../../ui/listState";
import { ListPage, type FilterField, type ListColumn } from "../../../ui/ListPage";
import { Money } from "../../../ui/Money";
import { StatusTag } from "../../../ui/StatusTag";
import { alarmOf, rowStateOf } from "../alarm";
import { STATUSES, orderBoard, orderQuery, type OrderRow } from "../api";
import { OrderProgress } from "../components/OrderProgress";

// Not in the board's first load: the kanban loads when chosen, the bulk cancel when rows are selected.
const Kanban = lazy(() => import("../components/Kanban"));
const BulkCancel = lazy(() => import("../components/BulkCancel"));

export default function Board() {
  const { t } = useTranslation("sales");
  const { can } = useMe();
  const [params, setParams] = useSearchParams();
  const mode = params.get("view") === "kanban" ? "kanban" : "list";
  const filters = readState(params, new Set(["status"])).filters;
  const setMode = (m: string) => {
    const next = new URLSearchParams(params);
    if (m === "kanban") next.set("view", "kanban");
    else next.delete("view");
    setParams(next, { replace: true });
  };

  // Memoised (as the filters): the same columns from render to render let the table skip unchanged rows.
  const columns = useMemo<ListColumn<OrderRow>[]>(() => [
    { key: "order_no", title: t("field.order_no"), sortField: true, render: (_, o) => <Link to={`/sales/orders/${o.order_no}`}>{o.order_no}</Link>, fixed: "left" },
    { key: "status", title: t("field.status"), render: (_, o) => <StatusTag status={o.status} ns="sales" /> },
    {
      key: "progress",
      title: t("field.progress"),
      render: (_, o) => {
        const alarm = alarmOf(o, t);
        return (
          <div>
            <OrderProgress order={o} compact />
            {alarm ? <div className={`ot-alarm-${alarm.level}`}>{alarm.reason}</div> : null}
          </div>
        );
      },
    },
    { key: "customer_code", title: t("field.customer") },
    { key: "gross", title: t("field.gross"), sortField: true, align: "right", render: (_, o) => <Money value={o.gross} currency={o.currency} /> },
    { key: "placed_at", title: t("field.placed_at"), sortField: true, render: (_, o) => formatDateTime(o.placed_at) },
    { key: "requested_date", title: t("field.requested_date"), sortField: true, render: (_, o) => o.requested_date ?? "—" },
    { key: "priority", title: t("field.priority"), sortField: true, optional: true },
    { key: "channel", title: t("field.channel"), optional: true, render: (_, o) => t(`channel.${o.channel}`, { defaultValue: o.channel }) },
    { key: "external_ref", title: t("field.external_ref"), optional: true, render: (_, o) => o.external_ref ?? "—" },
  ], [t]);
  const filterFields = useMemo<FilterField[]>(() => [
    { name: "status", label: t("field.status"), kind: "multi", options: STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) })) },
    { name: "customer_code", label: t("field.customer"), kind: "text", placeholder: t("board.customerCode") },
    { name: "placed_from", label: t("board.placedFrom"), kind: "date" },
    { name: "stuck_or_late", label: t("board.troubleOnly"), kind: "switch" },
  ], [t]);
  return (
    <ListPage<OrderRow>
      id="sales-orders"
      title={t("board.title")}
      queryKey={orderBoard.queryKey}
      fetch={orderBoard.fetch}
      columns={columns}
      rowKey={(o) => o.order_no}
      filters={filterFields}
      rowState={rowStateOf}
      pageSize={orderBoard.pageSize?.(params)}
      exportFrom={{ service: "sales", path: "/orders", query: (f, sort) => orderQuery({ filters: f, sort }) }}
      bulkActions={can("sales", "sales_manager") ? (selected, clear) => (
        <Suspense fallback={null}>
          <BulkCancel orders={selected} done={clear} />
        </Suspense>
      ) : undefined}
      render={(rows, loading) => (mode === "kanban" ? (
          <Suspense fallback={null}>
            <Kanban rows={rows} loading={loading} filters={filters} />
          </Suspense>
        ) : undefined)}
      extra={
        <Space>
          <Segmented
            value={mode}
            onChange={(v) => setMode(String(v))}
            options={[
              { value: "list", icon: <UnorderedListOutlined />, label: t("board.list") },
              { value: "kanban", icon: <AppstoreOutlined />, label: t("board.kanban") },
            ]}
          />
          {can("sales", "sales_manager") ? (
            <Link to="/sales/orders/new">
              <Button type="primary" icon={<PlusOutlined />}>
                {t("board.new")}
              </Button>
            </Link>
          ) : null}
        </Space>
      }
    />
  );
}
