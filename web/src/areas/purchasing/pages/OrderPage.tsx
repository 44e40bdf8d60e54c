/** A purchase order: header with its state and open anomalies (red), lines with ordered / shipped / received /
 * rejected, the approval chain, ship notices, linked receipts and bills, timeline and audit trail; the buyer's
 * actions by state (submit, send, record a ship notice, cancel, close). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Checkbox, Form, Input, InputNumber, Modal, Space, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";

import { useMe } from "../../../auth/useMe";
import { DocumentPage, type LinkedDocument } from "../../../ui/DocumentPage";
import { ErrorAlert, applyFieldErrors } from "../../../ui/ErrorAlert";
import { ApprovalChain } from "../../../ui/ApprovalChain";
import { formatDateTime } from "../../../ui/format";
import { Money, Qty } from "../../../ui/Money";
import { keys, purchasingApi, type PoLine, type PoRead } from "../api";
import { LineBars } from "../components/LineBars";
import "../purchasing.css";

const SHIPPABLE = new Set(["sent", "shipped", "partially_received"]);

export default function OrderPage() {
  const { poNo = "" } = useParams();
  const { t } = useTranslation("purchasing");
  const { can } = useMe();
  const client = useQueryClient();
  const po = useQuery({ queryKey: keys.order(poNo), queryFn: ({ signal }) => purchasingApi.order(poNo, signal) });
  const [shipping, setShipping] = useState(false);
  const done = (data: PoRead) => {
    client.setQueryData(keys.order(poNo), data);
    void client.invalidateQueries({ queryKey: keys.orders });
  };
  const act = useMutation({ mutationFn: (a: "submit" | "send") => purchasingApi.act(poNo, a), onSuccess: done });
  const cancel = useMutation({ mutationFn: (reason: string) => purchasingApi.cancel(poNo, reason), onSuccess: done });
  const close = useMutation({ mutationFn: () => purchasingApi.close(poNo, null), onSuccess: done });
  const d = po.data;
  const buyer = can("purchaser");
  const actions = d ? (
    <>
      {buyer && d.status === "draft" ? <Button type="primary" onClick={() => act.mutate("submit")} loading={act.isPending}>{t("po.submit")}</Button> : null}
      {buyer && d.status === "approved" ? <Button type="primary" onClick={() => act.mutate("send")} loading={act.isPending}>{t("po.send")}</Button> : null}
      {buyer && SHIPPABLE.has(d.status) ? <Button onClick={() => setShipping(true)}>{t("po.shipNotice")}</Button> : null}
      {buyer && ["draft", "pending_approval", "approved", "sent"].includes(d.status) ? (
        <Button
          danger
          onClick={() => {
            const reason = window.prompt(t("po.cancelReason"));
            if (reason) cancel.mutate(reason);
          }}
        >
          {t("po.cancel")}
        </Button>
      ) : null}
      {buyer && ["received", "partially_received"].includes(d.status) ? <Button onClick={() => close.mutate()}>{t("po.close")}</Button> : null}
    </>
  ) : null;
  const links: LinkedDocument[] = d
    ? [
        ...(d.pr_no ? [{ kind: t("doc.requisition"), number: d.pr_no, to: `/purchasing/requisitions/${d.pr_no}` }] : []),
        ...d.documents.map((x) => ({
          kind: t(`doc.${x.kind}`),
          number: x.ref,
          to: x.kind === "bill" ? `/finance/bills/${x.ref}` : x.kind === "grn" ? `/warehouse/receipts/${x.ref}` : undefined,
          detail: <span className="ot-muted">{formatDateTime(x.at)}</span>,
        })),
      ]
    : [];
  const notices = (d?.audit ?? []).filter((a) => a.action === "ship_notice");
  const error = act.error ?? cancel.error ?? close.error;
  return (
    <DocumentPage<PoLine>
      title={t("po.title")}
      number={poNo}
      status={d?.status}
      statusNs="purchasing"
      loading={po.isPending}
      error={po.error}
      tags={d?.anomaly_types.map((a) => (
        <Tag color="red" key={a} data-anomaly={a}>
          {t(`anomaly.${a}`)}
        </Tag>
      ))}
      actions={actions}
      fields={
        d
          ? [
              { label: t("col.supplier"), value: d.supplier_code },
              { label: t("col.expected"), value: d.expected_date },
              { label: t("po.warehouse"), value: d.warehouse_code },
              { label: t("po.terms"), value: t("po.termsDays", { days: d.payment_terms_days }) },
              { label: t("po.tolerance"), value: `${d.tolerance_pct} %` },
              { label: t("col.gross"), value: <Money value={d.gross} currency={d.currency} /> },
              { label: t("po.net"), value: <Money value={d.net} currency={d.currency} /> },
              { label: t("po.createdBy"), value: `${d.created_by} · ${formatDateTime(d.created_at)}` },
              { label: t("po.sentAt"), value: formatDateTime(d.sent_at) },
            ]
          : []
      }
      progress={d ? <LineBars lines={d.lines} /> : null}
      lines={
        d
          ? {
              rows: d.lines,
              rowKey: (l) => String(l.line_no),
              columns: [
                { title: "#", dataIndex: "line_no" },
                { title: t("col.sku"), dataIndex: "sku" },
                { title: t("col.unitPrice"), align: "right", render: (_, l) => <Money value={l.unit_price} currency={d.currency} /> },
                { title: t("col.ordered"), align: "right", render: (_, l) => <Qty value={l.qty_ordered} /> },
                { title: t("col.shipped"), align: "right", render: (_, l) => <Qty value={l.qty_shipped} /> },
                { title: t("col.received"), align: "right", render: (_, l) => <Qty value={l.qty_received} /> },
                { title: t("col.rejected"), align: "right", render: (_, l) => <Qty value={l.qty_rejected} /> },
                { title: t("col.billed"), align: "right", render: (_, l) => <Qty value={l.qty_billed} /> },
                { title: t("col.expected"), dataIndex: "expected_date" },
              ],
            }
          : undefined
      }
      links={links}
      timeline={(d?.history ?? []).map((h) => ({
        at: h.at,
        label: t(`status.${h.to_status}`),
        detail: [h.actor, h.reason].filter(Boolean).join(" · "),
        colour: h.to_status === "cancelled" ? "gray" : "blue",
      }))}
      audit={(d?.audit ?? []).map((a) => ({ at: a.at, who: a.actor, action: a.action, after: a.after ? JSON.stringify(a.after) : null }))}
    >
      {error ? <ErrorAlert error={error} /> : null}
      {d && d.anomalies.length ? (
        <Card title={t("po.anomalies")}>
          <Space orientation="vertical" style={{ width: "100%" }}>
            {d.anomalies.map((a) => (
              <Alert
                key={String(a.id)}
                type={a.status === "open" ? "error" : "info"}
                showIcon
                title={`${t(`anomaly.${a.anomaly_type}`)} · ${formatDateTime(a.raised_at)}${a.status !== "open" ? ` · ${t("po.resolved")}` : ""}`}
                description={[a.details, a.grn_no, a.bill_no].filter(Boolean).join(" · ")}
              />
            ))}
          </Space>
        </Card>
      ) : null}
      {d?.approval ? (
        <Card title={t("po.approval")}>
          <ApprovalChain chain={d.approval} testId="approval-chain" />
        </Card>
      ) : null}
      <Card title={t("po.shipNotices")}>
        <Table
          size="small"
          rowKey={(a) => a.at}
          dataSource={notices}
          pagination={false}
          locale={{ emptyText: t("po.noShipNotices") }}
          columns={[
            { title: t("po.at"), render: (_, a) => formatDateTime(a.at) },
            { title: t("po.asn"), render: (_, a) => String((a.after as Record<string, unknown> | null)?.asn_ref ?? "—") },
            { title: t("po.carrier"), render: (_, a) => String((a.after as Record<string, unknown> | null)?.carrier ?? "—") },
            { title: t("po.trackingNo"), render: (_, a) => String((a.after as Record<string, unknown> | null)?.tracking_no ?? "—") },
            {
              title: t("po.lines"),
              render: (_, a) =>
                (((a.after as Record<string, unknown> | null)?.lines as { line_no: number; qty_shipped: string }[] | undefined) ?? [])
                  .map((l) => `#${l.line_no} × ${l.qty_shipped}`)
                  .join(", "),
            },
          ]}
        />
      </Card>
      {shipping && d ? <ShipNoticeModal po={d} onClose={() => setShipping(false)} onDone={done} /> : null}
    </DocumentPage>
  );
}

interface NoticeForm {
  asn_ref?: string;
  carrier?: string;
  tracking_no?: string;
  partial?: boolean;
  lines: { line_no: number; qty_shipped?: string }[];
}

function ShipNoticeModal({ po, onClose, onDone }: { po: PoRead; onClose: () => void; onDone: (d: PoRead) => void }) {
  const { t } = useTranslation("purchasing");
  const [form] = Form.useForm<NoticeForm>();
  const [placed, setPlaced] = useState<string[]>([]);
  const save = useMutation({
    mutationFn: (v: NoticeForm) =>
      purchasingApi.shipNotice(po.po_no, {
        asn_ref: v.asn_ref || null,
        carrier: v.carrier || null,
        tracking_no: v.tracking_no || null,
        partial: !!v.partial,
        lines: v.lines.filter((l) => l.qty_shipped).map((l) => ({ line_no: l.line_no, qty_shipped: String(l.qty_shipped) })),
      }),
    onSuccess: (d) => {
      onDone(d);
      onClose();
    },
    onError: (e) => setPlaced(applyFieldErrors(form, e)),
  });
  return (
    <Modal open title={t("po.shipNotice")} onCancel={onClose} onOk={() => void form.validateFields().then((v) => save.mutate(v))} confirmLoading={save.isPending} okText={t("po.record")} cancelText={t("cancel")}>
      {save.error ? <ErrorAlert error={save.error} fields={placed} /> : null}
      <Form form={form} layout="vertical" initialValues={{ lines: po.lines.map((l) => ({ line_no: l.line_no })) }}>
        <Form.Item name="asn_ref" label={t("po.asn")}>
          <Input />
        </Form.Item>
        <Space wrap>
          <Form.Item name="carrier" label={t("po.carrier")}>
            <Input />
          </Form.Item>
          <Form.Item name="tracking_no" label={t("po.trackingNo")}>
            <Input />
          </Form.Item>
        </Space>
        <Form.List name="lines">
          {(fields) =>
            fields.map((f, i) => (
              <Form.Item key={f.key} name={[f.name, "qty_shipped"]} label={`#${po.lines[i].line_no} ${po.lines[i].sku} (${t("col.ordered")} ${po.lines[i].qty_ordered})`}>
                <InputNumber<string> stringMode min="0" style={{ width: 160 }} />
              </Form.Item>
            ))
          }
        </Form.List>
        <Form.Item name="partial" valuePropName="checked">
          <Checkbox>{t("po.partial")}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
