/** A goods receipt being scanned: every scan adds one unit of the scanned product (an unknown barcode answers red
 * and buzzes); rejected quantities with their reason; posting raises on-hand at once. Over the PO's tolerance the
 * server refuses (409 over_tolerance): a purchasing manager must approve the over-receipt — here, if the signed-in
 * user is one, or from this page signed in as one (the receipt stays a draft meanwhile). A receipt without a PO
 * shows its reason and takes lines by hand with their unit cost (optional: the product's average cost else). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Form, Input, InputNumber, Modal, Space, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";

import { ApiError } from "../../../api/client";
import { useMe } from "../../../auth/useMe";
import { ErrorAlert, applyFieldErrors } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { errorText } from "../../../ui/problemText";
import { Money, Qty } from "../../../ui/Money";
import { StatusTag } from "../../../ui/StatusTag";
import { inventoryApi, keys, scanMessage, type Receipt } from "../api";
import { ScanInput } from "../components/ScanInput";
import "../warehouse.css";

export default function ReceiptPage() {
  const { grnNo = "" } = useParams();
  const { t } = useTranslation("warehouse");
  const { can } = useMe();
  const client = useQueryClient();
  const receipt = useQuery({ queryKey: keys.receipt(grnNo), queryFn: ({ signal }) => inventoryApi.receipt(grnNo, signal) });
  const set = (r: Receipt) => client.setQueryData(keys.receipt(grnNo), r);
  const [needsManager, setNeedsManager] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState(false);
  const [adding, setAdding] = useState(false);
  const post = useMutation({
    mutationFn: (override: boolean) => inventoryApi.postReceipt(grnNo, override),
    onSuccess: (r) => {
      setNeedsManager(null);
      set(r);
    },
    onError: (e) => {
      if (e instanceof ApiError && e.code === "over_tolerance") setNeedsManager(errorText(t, e));
    },
  });
  const r = receipt.data;
  if (receipt.error) return <ErrorAlert error={receipt.error} />;
  const draft = r?.status === "draft";
  const manager = can("purchasing_manager");
  return (
    <Card loading={receipt.isPending} title={<Typography.Title level={4} style={{ margin: 0 }}>{t("receipt.title", { no: grnNo })}</Typography.Title>} extra={<StatusTag status={r?.status} ns="warehouse" />}>
      {r ? (
        <>
          <Descriptions
            size="small"
            column={{ xs: 1, sm: 2 }}
            items={[
              { key: "po", label: t("col.po"), children: r.po_no ? <Link to={`/purchasing/orders/${r.po_no}`}>{r.po_no}</Link> : "—" },
              { key: "supplier", label: t("col.supplier"), children: r.supplier_code ?? "—" },
              ...(r.po_no ? [] : [{ key: "reason", label: t("noPo.reason"), children: r.reason ?? "—" }]),
              { key: "wh", label: t("col.warehouse"), children: r.warehouse_code },
              { key: "by", label: t("receipt.createdBy"), children: `${r.created_by} · ${formatDateTime(r.created_at)}` },
              ...(r.posted_at ? [{ key: "posted", label: t("receipt.postedBy"), children: `${r.posted_by ?? ""} · ${formatDateTime(r.posted_at)}${r.override_by ? ` · ${t("receipt.override", { who: r.override_by })}` : ""}` }] : []),
            ]}
          />
          {draft ? (
            <ScanInput
              label={t("receipt.scan")}
              onScan={async (code) => {
                try {
                  const before = client.getQueryData<Receipt>(keys.receipt(grnNo)) ?? r;
                  const next = await inventoryApi.receiptScan(grnNo, code);
                  set(next);
                  return { ok: true, message: t("receipt.scanned", { sku: lastSku(before, next) }) };
                } catch (e) {
                  return { ok: false, message: scanMessage(t, e) };
                }
              }}
            />
          ) : null}
          <Table
            size="small"
            className="wh-lines"
            rowKey={(l) => String(l.line_no)}
            dataSource={r.lines}
            pagination={false}
            scroll={{ x: "max-content" }}
            locale={{ emptyText: t("receipt.nothingYet") }}
            columns={[
              { title: "#", dataIndex: "line_no" },
              { title: t("col.sku"), dataIndex: "sku" },
              { title: t("col.received"), align: "right", render: (_, l) => <Qty value={l.qty_received} /> },
              { title: t("col.rejected"), align: "right", render: (_, l) => <Qty value={l.qty_rejected} /> },
              { title: t("col.accepted"), align: "right", render: (_, l) => <Qty value={l.qty_accepted} /> },
              { title: t("col.rejectReason"), dataIndex: "reject_reason" },
              ...(r.po_no ? [] : [{ title: t("noPo.unitCost"), key: "cost", align: "right" as const, render: (_: unknown, l: Receipt["lines"][number]) => <Money value={l.unit_cost} /> }]),
            ]}
          />
          {post.error && !needsManager ? <ErrorAlert error={post.error} /> : null}
          {draft ? (
            <div className="wh-actions">
              {r.po_no ? null : (
                <Button onClick={() => setAdding(true)} data-testid="add-line">
                  {t("noPo.addLine")}
                </Button>
              )}
              <Button onClick={() => setRejecting(true)}>{t("receipt.reject")}</Button>
              <Button type="primary" size="large" disabled={r.lines.length === 0} onClick={() => post.mutate(false)} loading={post.isPending} data-testid="post-receipt">
                {t("receipt.post")}
              </Button>
            </div>
          ) : (
            <Alert style={{ marginTop: 12 }} type="success" showIcon title={t("receipt.posted")} />
          )}
        </>
      ) : null}
      <Modal
        open={needsManager !== null}
        title={t("receipt.overTitle")}
        onCancel={() => setNeedsManager(null)}
        footer={
          <Space>
            <Button onClick={() => setNeedsManager(null)}>{t("close")}</Button>
            {manager ? (
              <Button type="primary" danger onClick={() => post.mutate(true)} loading={post.isPending} data-testid="manager-override">
                {t("receipt.overrideAndPost")}
              </Button>
            ) : null}
          </Space>
        }
      >
        <Alert type="warning" showIcon title={needsManager} description={manager ? t("receipt.overManager") : t("receipt.askManager", { no: grnNo })} />
      </Modal>
      {rejecting && r ? <RejectModal receipt={r} onClose={() => setRejecting(false)} onDone={set} /> : null}
      {adding && r ? <LineModal receipt={r} onClose={() => setAdding(false)} onDone={set} /> : null}
    </Card>
  );
}

function lastSku(before: Receipt, after: Receipt): string {
  const changed = after.lines.find((l) => {
    const old = before.lines.find((o) => o.line_no === l.line_no);
    return !old || old.qty_received !== l.qty_received;
  });
  return changed?.sku ?? after.lines[after.lines.length - 1]?.sku ?? "";
}

function RejectModal({ receipt, onClose, onDone }: { receipt: Receipt; onClose: () => void; onDone: (r: Receipt) => void }) {
  const { t } = useTranslation("warehouse");
  const [form] = Form.useForm<{ sku: string; qty: string; qty_rejected: string; reject_reason: string }>();
  const save = useMutation({
    mutationFn: (v: { sku: string; qty: string; qty_rejected: string; reject_reason: string }) =>
      inventoryApi.receiptLine(receipt.grn_no, { sku: v.sku, qty: String(v.qty), qty_rejected: String(v.qty_rejected), reject_reason: v.reject_reason }),
    onSuccess: (r) => {
      onDone(r);
      onClose();
    },
  });
  return (
    <Modal open title={t("receipt.reject")} onCancel={onClose} okText={t("receipt.record")} cancelText={t("close")} confirmLoading={save.isPending} onOk={() => void form.validateFields().then((v) => save.mutate(v))}>
      {save.error ? <ErrorAlert error={save.error} /> : null}
      <Form form={form} layout="vertical">
        <Form.Item name="sku" label={t("col.sku")} rules={[{ required: true, message: t("required") }]}>
          <Input />
        </Form.Item>
        <Form.Item name="qty" label={t("col.received")} rules={[{ required: true, message: t("required") }]}>
          <InputNumber<string> stringMode min="0.001" />
        </Form.Item>
        <Form.Item name="qty_rejected" label={t("col.rejected")} rules={[{ required: true, message: t("required") }]}>
          <InputNumber<string> stringMode min="0" />
        </Form.Item>
        <Form.Item name="reject_reason" label={t("col.rejectReason")} rules={[{ required: true, message: t("required") }]}>
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** A line of a receipt without PO by hand: the product, how many, and (optional) what one cost. */
function LineModal({ receipt, onClose, onDone }: { receipt: Receipt; onClose: () => void; onDone: (r: Receipt) => void }) {
  const { t } = useTranslation("warehouse");
  const [form] = Form.useForm<{ sku: string; qty: string; unit_cost?: string }>();
  const [placed, setPlaced] = useState<string[]>([]);
  const save = useMutation({
    mutationFn: (v: { sku: string; qty: string; unit_cost?: string }) =>
      inventoryApi.receiptLine(receipt.grn_no, { sku: v.sku.trim(), qty: String(v.qty), unit_cost: v.unit_cost ? String(v.unit_cost) : null }),
    onSuccess: (r) => {
      onDone(r);
      onClose();
    },
    onError: (e) => setPlaced(applyFieldErrors(form, e)),
  });
  return (
    <Modal open title={t("noPo.addLine")} onCancel={onClose} okText={t("receipt.record")} cancelText={t("close")} confirmLoading={save.isPending} okButtonProps={{ id: "save-line" }} onOk={() => void form.validateFields().then((v) => save.mutate(v))}>
      {save.error ? <ErrorAlert error={save.error} fields={placed} /> : null}
      <Form form={form} layout="vertical">
        <Form.Item name="sku" label={t("col.sku")} rules={[{ required: true, message: t("required") }]}>
          <Input data-testid="line-sku" />
        </Form.Item>
        <Form.Item name="qty" label={t("col.received")} rules={[{ required: true, message: t("required") }]}>
          <InputNumber<string> stringMode min="0.001" data-testid="line-qty" />
        </Form.Item>
        <Form.Item name="unit_cost" label={t("noPo.unitCost")} extra={t("noPo.unitCostHint")}>
          <InputNumber<string> stringMode min="0.0001" step="0.01" data-testid="line-cost" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
