/** The outbound queue (出库单): open orders by default (created / picking / packed), any state by filter; select
 * packed ones and ship them as one batch with a carrier and a tracking number each. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Form, Input, Modal, Progress, Table } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ErrorAlert } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { ListPage, type ListColumn } from "../../../ui/ListPage";
import { StatusTag } from "../../../ui/StatusTag";
import { OUTBOUND_OPEN, inventoryApi, keys, type Outbound as Row } from "../api";
import "../warehouse.css";

const STATES = ["created", "picking", "packed", "shipped", "delivered", "cancelled"];

function picked(r: Row): string {
  return `${r.lines.filter((l) => l.picked_qty === l.qty || Number(l.picked_qty) >= Number(l.qty)).length}/${r.lines.length}`;
}

export default function Outbound() {
  const { t } = useTranslation("warehouse");
  const [batch, setBatch] = useState<{ rows: Row[]; clear: () => void } | null>(null);
  const columns: ListColumn<Row>[] = [
    { key: "do_no", title: t("col.do"), render: (_, r) => <Link to={`/warehouse/outbound/${r.do_no}`}>{r.do_no}</Link> },
    { key: "status", title: t("col.status"), render: (_, r) => <StatusTag status={r.status} ns="warehouse" /> },
    { key: "order_no", title: t("col.order"), render: (_, r) => <Link to={`/sales/orders/${r.order_no}`}>{r.order_no}</Link> },
    { key: "priority", title: t("col.priority"), dataIndex: "priority" },
    {
      key: "picked",
      title: t("col.picked"),
      render: (_, r) => (
        <span>
          <Progress size="small" steps={Math.max(1, r.lines.length)} percent={(Number(picked(r).split("/")[0]) / Math.max(1, r.lines.length)) * 100} showInfo={false} /> {picked(r)}
        </span>
      ),
    },
    { key: "carrier", title: t("col.carrier"), render: (_, r) => [r.carrier, r.tracking_no].filter(Boolean).join(" · ") || "—" },
    { key: "created_at", title: t("col.createdAt"), render: (_, r) => formatDateTime(r.created_at) },
  ];
  return (
    <>
      <ListPage<Row>
        id="warehouse.outbound"
        title={t("outbound.title")}
        queryKey={keys.outbound}
        fetch={(p, signal) =>
          inventoryApi.outbound(
            {
              status: p.filters.status ? ([] as string[]).concat(p.filters.status) : OUTBOUND_OPEN,
              order_no: (p.filters.order_no as string) || undefined,
              warehouse_code: (p.filters.warehouse_code as string) || undefined,
              limit: p.limit,
              offset: p.offset,
            },
            signal,
          )
        }
        columns={columns}
        rowKey={(r) => r.do_no}
        rowState={(r) => (r.status === "packed" ? "success" : r.status === "cancelled" ? "muted" : undefined)}
        filters={[
          { name: "status", label: t("col.status"), kind: "multi", options: STATES.map((s) => ({ value: s, label: t(`status.${s}`) })) },
          { name: "order_no", label: t("col.order"), kind: "text" },
          { name: "warehouse_code", label: t("col.warehouse"), kind: "text" },
        ]}
        bulkActions={(rows, clear) => (
          <Button type="primary" disabled={!rows.some((r) => r.status === "packed")} onClick={() => setBatch({ rows: rows.filter((r) => r.status === "packed"), clear })} data-testid="batch-ship">
            {t("outbound.batchShip", { count: rows.filter((r) => r.status === "packed").length })}
          </Button>
        )}
        exportFrom={{ service: "inventory", path: "/outbound-orders", query: (f) => ({ status: f.status ? ([] as string[]).concat(f.status) : undefined, order_no: (f.order_no as string) || undefined }) }}
      />
      {batch ? <BatchShip rows={batch.rows} onClose={() => setBatch(null)} onDone={batch.clear} /> : null}
    </>
  );
}

function BatchShip({ rows, onClose, onDone }: { rows: Row[]; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation("warehouse");
  const client = useQueryClient();
  const [form] = Form.useForm<{ carrier: string; tracking: Record<string, string> }>();
  const ship = useMutation({
    mutationFn: (v: { carrier: string; tracking: Record<string, string> }) =>
      inventoryApi.shipBatch(
        v.carrier,
        rows.map((r) => ({ do_no: r.do_no, tracking_no: v.tracking?.[r.do_no] || null })),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.outbound });
      onDone();
      onClose();
    },
  });
  return (
    <Modal open width={640} title={t("outbound.batchTitle", { count: rows.length })} onCancel={onClose} okText={t("outbound.ship")} cancelText={t("close")} confirmLoading={ship.isPending} onOk={() => void form.validateFields().then((v) => ship.mutate(v))}>
      {ship.error ? <ErrorAlert error={ship.error} /> : null}
      <Form form={form} layout="vertical">
        <Form.Item name="carrier" label={t("col.carrier")} rules={[{ required: true, message: t("required") }]}>
          <Input placeholder="SF Express" />
        </Form.Item>
        <Table
          size="small"
          rowKey={(r) => r.do_no}
          dataSource={rows}
          pagination={false}
          columns={[
            { title: t("col.do"), dataIndex: "do_no" },
            { title: t("col.order"), dataIndex: "order_no" },
            {
              title: t("col.trackingNo"),
              render: (_, r) => (
                <Form.Item name={["tracking", r.do_no]} noStyle>
                  <Input aria-label={`${t("col.trackingNo")} ${r.do_no}`} />
                </Form.Item>
              ),
            },
          ]}
        />
      </Form>
    </Modal>
  );
}
