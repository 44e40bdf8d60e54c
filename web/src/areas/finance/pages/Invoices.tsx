/** Receivables: invoices (overdue red, paid green), filter by state, customer, order; an invoice's lines and the
 * payments allocated to it in a drawer. */
import { useQuery } from "@tanstack/react-query";
import { Descriptions, Drawer, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ErrorAlert } from "../../../ui/ErrorAlert";
import { ListPage, type ListColumn } from "../../../ui/ListPage";
import { Money, Qty } from "../../../ui/Money";
import { StatusTag } from "../../../ui/StatusTag";
import { financeApi, keys, type Invoice } from "../api";

const STATES = ["open", "partially_paid", "paid", "void"];

export default function Invoices() {
  const { t } = useTranslation("finance");
  const [open, setOpen] = useState<string | null>(null);
  const columns: ListColumn<Invoice>[] = [
    { key: "invoice_no", title: t("col.invoice"), render: (_, r) => <a onClick={() => setOpen(r.invoice_no)}>{r.invoice_no}</a> },
    { key: "status", title: t("col.status"), render: (_, r) => <>{<StatusTag status={r.status} ns="finance" />}{r.overdue ? <Tag color="red">{t("overdue")}</Tag> : null}</> },
    { key: "customer_code", title: t("col.customer"), dataIndex: "customer_code" },
    { key: "order_no", title: t("col.order"), render: (_, r) => <Link to={`/sales/orders/${r.order_no}`}>{r.order_no}</Link> },
    { key: "issue_date", title: t("col.issued"), dataIndex: "issue_date" },
    { key: "due_date", title: t("col.due"), dataIndex: "due_date" },
    { key: "gross", title: t("col.gross"), align: "right", render: (_, r) => <Money value={r.gross} currency={r.currency} /> },
    { key: "outstanding", title: t("col.outstanding"), align: "right", render: (_, r) => <Money value={r.outstanding} currency={r.currency} /> },
  ];
  return (
    <>
      <ListPage<Invoice>
        id="finance.invoices"
        title={t("invoices.title")}
        queryKey={keys.invoices}
        fetch={(p, signal) =>
          financeApi.invoices(
            { status: (p.filters.status as string) || undefined, customer_code: (p.filters.customer_code as string) || undefined, order_no: (p.filters.order_no as string) || undefined, limit: p.limit, offset: p.offset },
            signal,
          )
        }
        columns={columns}
        rowKey={(r) => r.invoice_no}
        rowState={(r) => (r.overdue ? "danger" : r.status === "paid" ? "success" : r.status === "void" ? "muted" : undefined)}
        filters={[
          { name: "status", label: t("col.status"), kind: "select", options: STATES.map((s) => ({ value: s, label: t(`status.${s}`) })) },
          { name: "customer_code", label: t("col.customer"), kind: "text" },
          { name: "order_no", label: t("col.order"), kind: "text" },
        ]}
        exportFrom={{ service: "finance", path: "/invoices", query: (f) => ({ status: (f.status as string) || undefined, customer_code: (f.customer_code as string) || undefined }) }}
      />
      <Drawer open={open !== null} size="large" title={open} onClose={() => setOpen(null)}>
        {open ? <InvoiceDetail no={open} /> : null}
      </Drawer>
    </>
  );
}

function InvoiceDetail({ no }: { no: string }) {
  const { t } = useTranslation("finance");
  const inv = useQuery({ queryKey: keys.invoice(no), queryFn: ({ signal }) => financeApi.invoice(no, signal) });
  if (inv.error) return <ErrorAlert error={inv.error} />;
  const d = inv.data;
  if (!d) return null;
  return (
    <>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: "s", label: t("col.status"), children: <StatusTag status={d.status} ns="finance" /> },
          { key: "c", label: t("col.customer"), children: d.customer_code },
          { key: "o", label: t("col.order"), children: <Link to={`/sales/orders/${d.order_no}`}>{d.order_no}</Link> },
          { key: "d", label: t("col.due"), children: d.due_date },
          { key: "g", label: t("col.gross"), children: <Money value={d.gross} currency={d.currency} /> },
          { key: "p", label: t("col.paid"), children: <Money value={d.paid} currency={d.currency} /> },
          { key: "x", label: t("col.outstanding"), children: <Money value={d.outstanding} currency={d.currency} /> },
        ]}
      />
      <Table
        size="small"
        rowKey={(l) => String(l.line_no)}
        dataSource={d.lines ?? []}
        pagination={false}
        columns={[
          { title: "#", dataIndex: "line_no" },
          { title: t("col.sku"), dataIndex: "sku" },
          { title: t("col.qty"), align: "right", render: (_, l) => <Qty value={l.qty} /> },
          { title: t("col.unitPrice"), align: "right", render: (_, l) => <Money value={l.unit_price} currency={d.currency} /> },
          { title: t("col.net"), align: "right", render: (_, l) => <Money value={l.net} currency={d.currency} /> },
        ]}
      />
      <Table
        style={{ marginTop: 16 }}
        size="small"
        rowKey={(p) => p.payment_no}
        dataSource={d.payments ?? []}
        pagination={false}
        locale={{ emptyText: t("invoices.noPayments") }}
        columns={[
          { title: t("col.payment"), dataIndex: "payment_no" },
          { title: t("col.amount"), align: "right", render: (_, p) => <Money value={p.amount} currency={d.currency} /> },
          { title: t("invoices.fromCredit"), render: (_, p) => (p.from_credit ? t("yes") : "") },
        ]}
      />
    </>
  );
}
