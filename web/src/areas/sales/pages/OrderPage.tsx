/** A sales order: header, progress bar, lines (ordered / reserved / shipped), the approval chain (levels, who
 * decided, when, the comment) when a rule applied, the saga's steps with their times, the status history, linked outbound orders, invoices and payments, the audit trail; edit while allowed,
 * cancel, void with a reason. Live: the order's notices re-fetch it. */
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Modal, Space, Table, Tag } from "antd";
import type { TableColumnsType } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";

import { api } from "../../../api/client";
import { useMe } from "../../../auth/useMe";
import { ApprovalChain } from "../../../ui/ApprovalChain";
import { DocumentPage, type LinkedDocument, type TimelineEntry } from "../../../ui/DocumentPage";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { Money, Qty } from "../../../ui/Money";
import { ORDERS, salesApi, type OrderDetail } from "../api";
import { OrderProgress } from "../components/OrderProgress";
import { LinesEditor, toLineIn, type LineValues } from "../components/LinesEditor";

type Line = OrderDetail["lines"][number];
type Audit = { at: string; actor: string; action: string; before?: unknown; after?: unknown };

const EDITABLE = new Set(["pending_approval", "awaiting_credit", "confirmed"]);
const CANCELLABLE = new Set(["pending", "pending_approval", "reserving", "awaiting_credit", "backordered", "confirmed"]);
const SHIPPED = new Set(["partially_shipped", "shipped", "delivered", "invoiced", "paid", "closed"]);

function brief(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

export default function OrderPage() {
  const { orderNo = "" } = useParams();
  const { t } = useTranslation("sales");
  const { can } = useMe();
  const order = useQuery({ queryKey: [...ORDERS, orderNo], queryFn: () => salesApi.detail(orderNo) });
  const audit = useQuery({
    queryKey: [...ORDERS, orderNo, "audit"],
    queryFn: () => api.get<Audit[]>("sales", `/orders/${encodeURIComponent(orderNo)}/audit`),
  });
  const o = order.data;
  const seller = can("sales", "sales_manager");
  const financeReader = can("finance", "finance_manager", "auditor");
  // Payments are finance's: its readers see what was allocated to each invoice of the order.
  const invoiceDetails = useQueries({
    queries: (financeReader ? (o?.invoices ?? []) : []).map((i) => ({
      queryKey: ["finance", "invoice", i.invoice_no],
      queryFn: () => api.get<{ payments?: { payment_no: string; amount: string; from_credit?: boolean }[] }>("finance", `/invoices/${encodeURIComponent(i.invoice_no)}`),
    })),
  });
  const shipped = o ? SHIPPED.has(o.status) || o.lines.some((l) => l.shipped_qty !== "0" && !/^0(\.0+)?$/.test(l.shipped_qty)) : false;

  const lineColumns: TableColumnsType<Line> = [
    { title: "#", dataIndex: "line_no", width: 48 },
    { title: t("field.sku"), dataIndex: "sku" },
    { title: t("field.qty"), dataIndex: "qty", align: "right", render: (v: string) => <Qty value={v} /> },
    { title: t("field.reserved"), dataIndex: "reserved_qty", align: "right", render: (v: string) => <Qty value={v} /> },
    { title: t("field.shipped"), dataIndex: "shipped_qty", align: "right", render: (v: string) => <Qty value={v} /> },
    { title: t("field.unit_price"), dataIndex: "unit_price", align: "right", render: (v: string) => <Money value={v} currency={o?.currency} /> },
    { title: t("field.discount"), dataIndex: "discount", align: "right" },
    { title: t("field.tax_rate"), dataIndex: "tax_rate", align: "right" },
    { title: t("field.net"), dataIndex: "net", align: "right", render: (v: string) => <Money value={v} currency={o?.currency} /> },
    { title: t("field.tax"), dataIndex: "tax", align: "right", render: (v: string) => <Money value={v} currency={o?.currency} /> },
  ];

  const timeline: TimelineEntry[] = (o?.history ?? []).map((h) => ({
    at: h.at,
    label: h.from_status ? `${t(`status.${h.from_status}`)} → ${t(`status.${h.to_status}`)}` : t(`status.${h.to_status}`),
    detail: [h.reason ? t(`reason.${h.reason}`, { defaultValue: h.reason }) : null, h.actor].filter(Boolean).join(" · "),
    colour: h.to_status === "rejected" ? "red" : h.to_status === "backordered" ? "orange" : h.to_status === "cancelled" ? "gray" : "blue",
  }));
  const links: LinkedDocument[] = [
    ...(o?.shipments ?? []).map((s) => ({
      kind: t("link.outbound"),
      number: s.do_no,
      to: can("warehouse") ? `/warehouse/outbound/${s.do_no}` : undefined,
      status: s.delivered_at ? "delivered" : s.shipped_at ? "shipped" : "created",
      detail: <span className="ot-muted">{[s.carrier, s.tracking_no, formatDateTime(s.shipped_at ?? s.created_at)].filter(Boolean).join(" · ")}</span>,
    })),
    ...(o?.invoices ?? []).map((i) => ({
      kind: t("link.invoice"),
      number: i.invoice_no,
      to: financeReader ? `/finance/invoices/${i.invoice_no}` : undefined,
      status: i.status,
      detail: (
        <span>
          <Money value={i.gross} currency={o?.currency} /> · {t("link.outstanding")} <Money value={i.outstanding} currency={o?.currency} />
        </span>
      ),
    })),
    ...invoiceDetails.flatMap((q) =>
      (q.data?.payments ?? []).map((p) => ({
        kind: t("link.payment"),
        number: p.payment_no,
        detail: <Money value={p.amount} currency={o?.currency} />,
      })),
    ),
    ...(o?.replaces_order_no ? [{ kind: t("link.replaces"), number: o.replaces_order_no, to: `/sales/orders/${o.replaces_order_no}` }] : []),
    ...(o?.replaced_by_order_no ? [{ kind: t("link.replacedBy"), number: o.replaced_by_order_no, to: `/sales/orders/${o.replaced_by_order_no}` }] : []),
  ];
  const trackUrl = o ? `/track/${o.order_no}?token=${encodeURIComponent(o.tracking_token)}` : "";

  return (
    <DocumentPage<Line>
      title={t("order.title")}
      number={o?.order_no}
      status={o?.status}
      statusNs="sales"
      loading={order.isPending}
      error={order.error}
      tags={o?.void_reason ? <Tag color="red">{t("order.voided", { reason: o.void_reason })}</Tag> : null}
      actions={
        o && seller ? (
          <>
            {EDITABLE.has(o.status) && !shipped ? <EditLines order={o} /> : null}
            {CANCELLABLE.has(o.status) && !shipped ? <ReasonAction order={o} kind="cancel" /> : null}
            {shipped && !o.void_reason ? <ReasonAction order={o} kind="void" /> : null}
          </>
        ) : null
      }
      fields={
        o
          ? [
              { label: t("field.customer"), value: o.customer_code },
              { label: t("field.channel"), value: t(`channel.${o.channel}`, { defaultValue: o.channel }) },
              { label: t("field.external_ref"), value: o.external_ref ?? "—" },
              { label: t("field.placed_at"), value: formatDateTime(o.placed_at) },
              { label: t("field.placed_by"), value: o.placed_by ?? "—" },
              { label: t("field.requested_date"), value: o.requested_date ?? "—" },
              { label: t("field.priority"), value: o.priority },
              { label: t("field.warehouse"), value: o.warehouse_code ?? "—" },
              { label: t("field.allow_backorder"), value: o.allow_backorder ? t("yes") : t("no") },
              { label: t("field.net"), value: <Money value={o.totals.net} currency={o.currency} /> },
              { label: t("field.tax"), value: <Money value={o.totals.tax} currency={o.currency} /> },
              { label: t("field.gross"), value: <strong><Money value={o.totals.gross} currency={o.currency} /></strong> },
              { label: t("field.tracking"), value: <Link to={trackUrl} target="_blank">{t("order.trackingLink")}</Link> },
            ]
          : []
      }
      progress={o ? <OrderProgress order={o} /> : null}
      lines={o ? { columns: lineColumns, rows: o.lines, rowKey: (l) => String(l.line_no) } : undefined}
      timeline={timeline}
      links={links}
      audit={(audit.data ?? []).map((a) => ({ at: a.at, who: a.actor, action: t(`audit.${a.action}`, { defaultValue: a.action }), before: brief(a.before), after: brief(a.after) }))}
    >
      {o?.approval ? (
        <Card title={t("approval.title")} extra={<Tag color={o.approval.status === "rejected" ? "red" : o.approval.status === "approved" ? "green" : "blue"}>{t(`approval.status.${o.approval.status}`, { defaultValue: o.approval.status })}</Tag>}>
          <ApprovalChain chain={o.approval} testId="approval-chain" />
          <div className="ot-muted" style={{ marginTop: 8 }}>
            {t("approval.requester", { who: o.approval.requester })}
          </div>
        </Card>
      ) : null}
      {o?.saga ? (
        <Card title={t("saga.title")} extra={<Tag>{t(`saga.status.${o.saga.status}`, { defaultValue: o.saga.status })}</Tag>}>
          <Space wrap style={{ marginBottom: 8 }}>
            <span>{t("saga.step")}: {t(`step.${o.saga.step}`, { defaultValue: o.saga.step })}</span>
            <span>{t("saga.deadline")}: {formatDateTime(o.saga.deadline_at)}</span>
            <span>{t("saga.attempts")}: {o.saga.attempts}</span>
          </Space>
          <Table
            size="small"
            pagination={false}
            rowKey={(_, i) => String(i)}
            dataSource={o.saga.steps as { step: string; event: string; at: string; detail?: string }[]}
            columns={[
              { title: t("saga.at"), dataIndex: "at", render: (v: string) => formatDateTime(v), width: 180 },
              { title: t("saga.step"), dataIndex: "step", render: (v: string) => t(`step.${v}`, { defaultValue: v }) },
              { title: t("saga.event"), dataIndex: "event" },
              { title: t("saga.detail"), dataIndex: "detail", render: (v: unknown) => brief(v) },
            ]}
          />
        </Card>
      ) : null}
    </DocumentPage>
  );
}

function ReasonAction({ order, kind }: { order: OrderDetail; kind: "cancel" | "void" }) {
  const { t } = useTranslation("sales");
  const { message } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const run = useMutation({
    mutationFn: (reason: string) => (kind === "cancel" ? salesApi.cancel(order.order_no, reason) : salesApi.void(order.order_no, reason)),
    onSuccess: () => {
      void message.success(t(`action.${kind}Done`));
      setOpen(false);
      void client.invalidateQueries({ queryKey: ORDERS });
    },
  });
  return (
    <>
      <Button danger onClick={() => setOpen(true)}>
        {t(`action.${kind}`)}
      </Button>
      <Modal open={open} title={t(`action.${kind}Title`, { no: order.order_no })} onOk={() => form.submit()} okButtonProps={{ danger: true, loading: run.isPending }} onCancel={() => setOpen(false)} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => run.mutate(v.reason)}>
          <Form.Item name="reason" label={t("action.reason")} rules={[{ required: true, whitespace: true, message: t("action.reasonRequired") }]}>
            <Input.TextArea rows={3} />
          </Form.Item>
        </Form>
        <ErrorAlert error={run.error} />
      </Modal>
    </>
  );
}

function EditLines({ order }: { order: OrderDetail }) {
  const { t } = useTranslation("sales");
  const { message } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ lines: LineValues[]; reason: string }>();
  const save = useMutation({
    mutationFn: (v: { lines: LineValues[]; reason: string }) => salesApi.amend(order.order_no, v.lines.map(toLineIn), v.reason),
    onSuccess: () => {
      void message.success(t("action.editDone"));
      setOpen(false);
      void client.invalidateQueries({ queryKey: ORDERS });
    },
  });
  const initial = order.lines.map((l) => ({ sku: l.sku, qty: l.qty, unit_price: l.unit_price, discount: l.discount, tax_rate: l.tax_rate }));
  return (
    <>
      <Button onClick={() => setOpen(true)}>{t("action.edit")}</Button>
      <Modal open={open} width={1000} title={t("action.editTitle", { no: order.order_no })} onOk={() => form.submit()} okButtonProps={{ loading: save.isPending }} onCancel={() => setOpen(false)} destroyOnHidden>
        <Form form={form} layout="vertical" initialValues={{ lines: initial, reason: "" }} onFinish={(v) => save.mutate(v)}>
          <LinesEditor form={form} currency={order.currency} error={save.error} />
          <Form.Item name="reason" label={t("action.reason")} rules={[{ required: true, whitespace: true, message: t("action.reasonRequired") }]}>
            <Input />
          </Form.Item>
        </Form>
        <ErrorAlert error={save.error} fields={["qty", "sku", "unit_price", "discount", "tax_rate", "reason"]} />
      </Modal>
    </>
  );
}
