/** Payables: bills, those on hold (a three-way mismatch) red and listed first by default; each opens its page. */
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ListPage, type ListColumn } from "../../../ui/ListPage";
import { Money } from "../../../ui/Money";
import { StatusTag } from "../../../ui/StatusTag";
import { financeApi, keys, type Bill } from "../api";

const STATES = ["on_hold", "open", "partially_paid", "paid", "void"];

export default function Bills() {
  const { t } = useTranslation("finance");
  const columns: ListColumn<Bill>[] = [
    { key: "bill_no", title: t("col.bill"), render: (_, r) => <Link to={`/finance/bills/${r.bill_no}`}>{r.bill_no}</Link> },
    { key: "status", title: t("col.status"), render: (_, r) => <StatusTag status={r.status} ns="finance" /> },
    { key: "hold_reason", title: t("col.holdReason"), render: (_, r) => (r.hold_reason ? <span className="ot-alarm-red">{t(`hold.${r.hold_reason}`, { defaultValue: r.hold_reason })}</span> : "") },
    { key: "supplier_code", title: t("col.supplier"), dataIndex: "supplier_code" },
    { key: "po_no", title: t("col.po"), render: (_, r) => (r.po_no ? <Link to={`/purchasing/orders/${r.po_no}`}>{r.po_no}</Link> : "—") },
    { key: "bill_date", title: t("col.issued"), dataIndex: "bill_date" },
    { key: "due_date", title: t("col.due"), dataIndex: "due_date" },
    { key: "gross", title: t("col.gross"), align: "right", render: (_, r) => <Money value={r.gross} currency={r.currency} /> },
    { key: "outstanding", title: t("col.outstanding"), align: "right", render: (_, r) => <Money value={r.outstanding} currency={r.currency} /> },
  ];
  return (
    <ListPage<Bill>
      id="finance.bills"
      title={t("bills.title")}
      queryKey={keys.bills}
      fetch={(p, signal) =>
        financeApi.bills({ status: (p.filters.status as string) || undefined, supplier_code: (p.filters.supplier_code as string) || undefined, po_no: (p.filters.po_no as string) || undefined, limit: p.limit, offset: p.offset }, signal)
      }
      columns={columns}
      rowKey={(r) => r.bill_no}
      rowState={(r) => (r.status === "on_hold" ? "danger" : r.status === "paid" ? "success" : r.status === "void" ? "muted" : undefined)}
      filters={[
        { name: "status", label: t("col.status"), kind: "select", options: STATES.map((s) => ({ value: s, label: t(`status.${s}`) })) },
        { name: "supplier_code", label: t("col.supplier"), kind: "text" },
        { name: "po_no", label: t("col.po"), kind: "text" },
      ]}
      exportFrom={{ service: "finance", path: "/bills", query: (f) => ({ status: (f.status as string) || undefined, supplier_code: (f.supplier_code as string) || undefined }) }}
    />
  );
}
