/** The purchase-order board: red rows first (open anomalies: overdue, short, over, price), each with its lines'
 * progress; filters by state, anomaly type and supplier; export; updates live. */
import { Space, Tag } from "antd";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ListPage, type FilterField, type ListColumn } from "../../../ui/ListPage";
import { Money } from "../../../ui/Money";
import { StatusTag } from "../../../ui/StatusTag";
import { ANOMALIES, PO_STATES, boardQuery, orderBoard, type PoSummary } from "../api";
import { LineBars } from "../components/LineBars";
import "../purchasing.css";

export default function OrderBoard() {
  const { t } = useTranslation("purchasing");
  // Memoised (as the filters): the same columns from render to render let the table skip unchanged rows.
  const columns = useMemo<ListColumn<PoSummary>[]>(() => [
    { key: "po_no", title: t("col.po"), render: (_, r) => <Link to={`/purchasing/orders/${r.po_no}`}>{r.po_no}</Link> },
    { key: "status", title: t("col.status"), render: (_, r) => <StatusTag status={r.status} ns="purchasing" /> },
    {
      key: "anomalies",
      title: t("col.anomalies"),
      render: (_, r) => (
        <Space size={4} wrap>
          {r.anomaly_types.map((a) => (
            <Tag color="red" key={a} data-anomaly={a}>
              {t(`anomaly.${a}`)}
            </Tag>
          ))}
        </Space>
      ),
    },
    { key: "supplier_code", title: t("col.supplier"), dataIndex: "supplier_code" },
    { key: "progress", title: t("col.progress"), render: (_, r) => <LineBars lines={r.line_progress ?? []} /> },
    { key: "expected_date", title: t("col.expected"), dataIndex: "expected_date" },
    { key: "gross", title: t("col.gross"), align: "right", render: (_, r) => <Money value={r.gross} currency={r.currency} /> },
    { key: "pr_no", title: t("col.pr"), optional: true, render: (_, r) => (r.pr_no ? <Link to={`/purchasing/requisitions/${r.pr_no}`}>{r.pr_no}</Link> : "—") },
  ], [t]);
  const filters = useMemo<FilterField[]>(() => [
    { name: "status", label: t("col.status"), kind: "multi", options: PO_STATES.map((s) => ({ value: s, label: t(`status.${s}`) })) },
    { name: "anomaly", label: t("col.anomalies"), kind: "multi", options: ANOMALIES.map((a) => ({ value: a, label: t(`anomaly.${a}`) })) },
    { name: "supplier_code", label: t("col.supplier"), kind: "text" },
    { name: "red", label: t("board.redOnly"), kind: "switch" },
  ], [t]);
  return (
    <ListPage<PoSummary>
      id="purchasing.orders"
      title={t("board.title")}
      queryKey={orderBoard.queryKey}
      fetch={orderBoard.fetch}
      columns={columns}
      rowKey={(r) => r.po_no}
      rowState={(r) => (r.red ? "danger" : r.status === "received" || r.status === "closed" ? "success" : r.status === "cancelled" ? "muted" : undefined)}
      filters={filters}
      exportFrom={{ service: "purchasing", path: "/purchase-orders", query: (f) => boardQuery(f) }}
    />
  );
}
