/** Requisitions: the list (state filter, export) and the form of a new one (department, lines with sku, qty,
 * needed-by date and an estimate); created as a draft, submitted from its page. */
import { MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, DatePicker, Form, Input, InputNumber, Modal, Space } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";

import { useMe } from "../../../auth/useMe";
import { ErrorAlert, applyFieldErrors } from "../../../ui/ErrorAlert";
import { ListPage, type ListColumn } from "../../../ui/ListPage";
import { Money } from "../../../ui/Money";
import { StatusTag } from "../../../ui/StatusTag";
import { PR_STATES, keys, purchasingApi, type Requisition } from "../api";

export default function Requisitions() {
  const { t } = useTranslation("purchasing");
  const { can } = useMe();
  const [creating, setCreating] = useState(false);
  const columns: ListColumn<Requisition>[] = [
    { key: "pr_no", title: t("col.pr"), render: (_, r) => <Link to={`/purchasing/requisitions/${r.pr_no}`}>{r.pr_no}</Link> },
    { key: "status", title: t("col.status"), render: (_, r) => <StatusTag status={r.status} ns="purchasing" /> },
    { key: "department", title: t("pr.department"), dataIndex: "department" },
    { key: "requester", title: t("pr.requester"), dataIndex: "requester" },
    { key: "source", title: t("pr.source"), render: (_, r) => t(`pr.sources.${r.source}`, { defaultValue: r.source }) },
    { key: "lines", title: t("pr.lines"), render: (_, r) => r.lines.map((l) => `${l.sku} × ${l.qty}`).join(", ") },
    { key: "amount", title: t("col.gross"), align: "right", render: (_, r) => <Money value={r.amount} currency={r.currency} /> },
  ];
  return (
    <>
      <ListPage<Requisition>
        id="purchasing.requisitions"
        title={t("pr.listTitle")}
        queryKey={keys.requisitions}
        fetch={(p, signal) => purchasingApi.requisitions(p.filters, p.limit, p.offset, signal)}
        columns={columns}
        rowKey={(r) => r.pr_no}
        rowState={(r) => (r.status === "rejected" ? "danger" : r.status === "submitted" ? "warning" : r.status === "cancelled" ? "muted" : undefined)}
        filters={[
          { name: "status", label: t("col.status"), kind: "select", options: PR_STATES.map((s) => ({ value: s, label: t(`status.${s}`) })) },
          { name: "sku", label: t("col.sku"), kind: "text" },
        ]}
        exportFrom={{ service: "purchasing", path: "/requisitions", query: (f) => ({ status: (f.status as string) || undefined, sku: (f.sku as string) || undefined }) }}
        extra={
          can("purchaser") ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t("pr.new")}
            </Button>
          ) : null
        }
      />
      {creating ? <NewRequisition onClose={() => setCreating(false)} /> : null}
    </>
  );
}

interface LineForm {
  sku: string;
  qty: string;
  needed_by: Dayjs;
  est_unit_price?: string;
  note?: string;
}

function NewRequisition({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation("purchasing");
  const [form] = Form.useForm<{ department: string; warehouse_code?: string; lines: LineForm[] }>();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [placed, setPlaced] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: (v: { department: string; warehouse_code?: string; lines: LineForm[] }) =>
      purchasingApi.createRequisition({
        department: v.department,
        warehouse_code: v.warehouse_code || null,
        lines: v.lines.map((l) => ({
          sku: l.sku.trim(),
          qty: String(l.qty),
          needed_by: l.needed_by.format("YYYY-MM-DD"),
          est_unit_price: l.est_unit_price ? String(l.est_unit_price) : null,
          note: l.note || null,
        })),
      }),
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: keys.requisitions });
      onClose();
      void navigate(`/purchasing/requisitions/${r.pr_no}`);
    },
    onError: (e) => setPlaced(applyFieldErrors(form, e)),
  });
  return (
    <Modal open width={760} title={t("pr.new")} onCancel={onClose} okText={t("pr.create")} cancelText={t("cancel")} confirmLoading={create.isPending} onOk={() => void form.validateFields().then((v) => create.mutate(v))}>
      {create.error ? <ErrorAlert error={create.error} fields={placed} /> : null}
      <Form form={form} layout="vertical" initialValues={{ lines: [{}] }}>
        <Space wrap>
          <Form.Item name="department" label={t("pr.department")} rules={[{ required: true, message: t("required") }]}>
            <Input style={{ width: 240 }} />
          </Form.Item>
          <Form.Item name="warehouse_code" label={t("po.warehouse")}>
            <Input style={{ width: 160 }} placeholder="WH-SH" />
          </Form.Item>
        </Space>
        <Form.List name="lines">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" wrap>
                  <Form.Item name={[f.name, "sku"]} label={t("col.sku")} rules={[{ required: true, message: t("required") }]}>
                    <Input style={{ width: 150 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, "qty"]} label={t("col.ordered")} rules={[{ required: true, message: t("required") }]}>
                    <InputNumber<string> stringMode min="0.001" style={{ width: 100 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, "needed_by"]} label={t("pr.neededBy")} rules={[{ required: true, message: t("required") }]}>
                    <DatePicker />
                  </Form.Item>
                  <Form.Item name={[f.name, "est_unit_price"]} label={t("pr.estimate")}>
                    <InputNumber<string> stringMode min="0" style={{ width: 110 }} />
                  </Form.Item>
                  {fields.length > 1 ? <MinusCircleOutlined aria-label={t("pr.removeLine")} onClick={() => remove(f.name)} /> : null}
                </Space>
              ))}
              <Button type="dashed" onClick={() => add({})} icon={<PlusOutlined />}>
                {t("pr.addLine")}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}
