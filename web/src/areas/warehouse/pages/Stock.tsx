/** Stock per (sku, warehouse): on hand, reserved, available (= on hand − reserved, computed by the server), low
 * stock amber; a sku's ledger (every movement with its running balance) in a drawer. */
import { useQuery } from "@tanstack/react-query";
import { Card, Drawer, Form, Input, Switch, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ErrorAlert } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { Qty } from "../../../ui/Money";
import { inventoryApi, keys, type Movement, type StockRow } from "../api";
import "../warehouse.css";

export default function Stock() {
  const { t } = useTranslation("warehouse");
  const [sku, setSku] = useState("");
  const [warehouse, setWarehouse] = useState("");
  const [low, setLow] = useState(false);
  const [ledgerOf, setLedgerOf] = useState<string | null>(null);
  const stock = useQuery({
    queryKey: [...keys.stock, sku, warehouse, low],
    queryFn: ({ signal }) => inventoryApi.stock({ sku: sku ? [sku] : undefined, warehouse_code: warehouse || undefined, low_only: low || undefined }, signal),
  });
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t("stock.title")}</Typography.Title>}>
      <Form layout="inline" className="ot-filters">
        <Form.Item label={t("col.sku")} htmlFor="stock-sku">
          <Input.Search id="stock-sku" allowClear onSearch={(v) => setSku(v.trim())} style={{ width: 180 }} />
        </Form.Item>
        <Form.Item label={t("col.warehouse")} htmlFor="stock-wh">
          <Input.Search id="stock-wh" allowClear onSearch={(v) => setWarehouse(v.trim())} style={{ width: 140 }} />
        </Form.Item>
        <Form.Item label={t("stock.lowOnly")} htmlFor="stock-low">
          <Switch id="stock-low" checked={low} onChange={setLow} />
        </Form.Item>
      </Form>
      {stock.error ? <ErrorAlert error={stock.error} /> : null}
      <Table<StockRow>
        size="small"
        rowKey={(r) => `${r.sku}@${r.warehouse_code}`}
        dataSource={stock.data ?? []}
        loading={stock.isPending}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: "max-content" }}
        rowClassName={(r) => (r.low_stock ? "ot-row-warning" : "")}
        onRow={(r) => ({ onClick: () => setLedgerOf(r.sku), style: { cursor: "pointer" } })}
        columns={[
          { title: t("col.sku"), dataIndex: "sku", render: (v: string, r) => <>{v} {r.low_stock ? <Tag color="orange">{t("stock.low")}</Tag> : null}</> },
          { title: t("col.warehouse"), dataIndex: "warehouse_code" },
          { title: t("stock.onHand"), align: "right", render: (_, r) => <Qty value={r.on_hand} /> },
          { title: t("stock.reserved"), align: "right", render: (_, r) => <Qty value={r.reserved} /> },
          { title: t("stock.available"), align: "right", render: (_, r) => <Qty value={r.available} /> },
        ]}
      />
      <Drawer open={ledgerOf !== null} size="large" title={t("stock.ledger", { sku: ledgerOf ?? "" })} onClose={() => setLedgerOf(null)}>
        {ledgerOf ? <LedgerTable sku={ledgerOf} /> : null}
      </Drawer>
    </Card>
  );
}

function LedgerTable({ sku }: { sku: string }) {
  const { t } = useTranslation("warehouse");
  const ledger = useQuery({ queryKey: keys.ledger(sku), queryFn: ({ signal }) => inventoryApi.ledger(sku, signal) });
  if (ledger.error) return <ErrorAlert error={ledger.error} />;
  return (
    <>
      <Typography.Paragraph>
        {t("stock.onHand")}: <Qty value={ledger.data?.on_hand} />
      </Typography.Paragraph>
      <Table<Movement>
        size="small"
        rowKey={(m) => String(m.id)}
        loading={ledger.isPending}
        dataSource={ledger.data?.movements ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: "max-content" }}
        columns={[
          { title: t("stock.at"), render: (_, m) => formatDateTime(m.at) },
          { title: t("stock.type"), render: (_, m) => t(`movement.${m.movement_type}`, { defaultValue: m.movement_type }) },
          { title: t("col.warehouse"), dataIndex: "warehouse_code" },
          { title: t("stock.delta"), align: "right", render: (_, m) => <Qty value={m.qty_delta} /> },
          { title: t("stock.balance"), align: "right", render: (_, m) => <Qty value={m.balance} /> },
          { title: t("stock.reference"), render: (_, m) => m.reference ?? "—" },
          { title: t("stock.actor"), render: (_, m) => m.actor ?? "—" },
        ]}
      />
    </>
  );
}
