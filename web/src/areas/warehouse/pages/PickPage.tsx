/** Pick and pack by scanning (扫码装箱): each scan picks one unit of the scanned product (unknown barcode, wrong
 * item and over-pick answer red with a buzz); once packed, ship with a carrier and a tracking number — the sales
 * order's progress bar then reaches 发货. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Form, Input, Table, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";

import { useMe } from "../../../auth/useMe";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { Qty } from "../../../ui/Money";
import { StatusTag } from "../../../ui/StatusTag";
import { inventoryApi, keys, scanMessage, type Outbound } from "../api";
import { ScanInput } from "../components/ScanInput";
import "../warehouse.css";

export default function PickPage() {
  const { doNo = "" } = useParams();
  const { t } = useTranslation("warehouse");
  const { can } = useMe();
  const client = useQueryClient();
  const order = useQuery({ queryKey: keys.outboundOne(doNo), queryFn: ({ signal }) => inventoryApi.outboundOne(doNo, signal) });
  const set = (o: Outbound) => {
    client.setQueryData(keys.outboundOne(doNo), o);
    void client.invalidateQueries({ queryKey: keys.outbound, exact: true });
  };
  const pickAll = useMutation({ mutationFn: () => inventoryApi.pickAll(doNo), onSuccess: set });
  const unpick = useMutation({ mutationFn: (reason: string) => inventoryApi.unpick(doNo, reason), onSuccess: set });
  const [form] = Form.useForm<{ carrier: string; tracking_no?: string }>();
  const ship = useMutation({ mutationFn: (v: { carrier: string; tracking_no?: string }) => inventoryApi.ship(doNo, v.carrier, v.tracking_no || null), onSuccess: set });
  const o = order.data;
  if (order.error) return <ErrorAlert error={order.error} />;
  const worker = can("warehouse");
  const picking = o && ["created", "picking"].includes(o.status);
  // Packed still takes scans: one too many answers red (over-pick) instead of vanishing.
  const scanning = o && ["created", "picking", "packed"].includes(o.status);
  return (
    <Card loading={order.isPending} title={<Typography.Title level={4} style={{ margin: 0 }}>{t("pick.title", { no: doNo })}</Typography.Title>} extra={<StatusTag status={o?.status} ns="warehouse" />}>
      {o ? (
        <>
          <Descriptions
            size="small"
            column={{ xs: 1, sm: 2 }}
            items={[
              { key: "order", label: t("col.order"), children: <Link to={`/sales/orders/${o.order_no}`}>{o.order_no}</Link> },
              { key: "wh", label: t("col.warehouse"), children: o.warehouse_code },
              { key: "created", label: t("col.createdAt"), children: formatDateTime(o.created_at) },
              ...(o.shipped_at ? [{ key: "shipped", label: t("pick.shippedAt"), children: `${formatDateTime(o.shipped_at)} · ${o.carrier ?? ""} ${o.tracking_no ?? ""}` }] : []),
            ]}
          />
          {worker && scanning ? (
            <ScanInput
              label={t("pick.scan")}
              onScan={async (code) => {
                try {
                  const next = await inventoryApi.pickScan(doNo, code);
                  set(next);
                  return { ok: true, message: next.status === "packed" ? t("pick.packed") : t("pick.picked") };
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
            dataSource={o.lines}
            pagination={false}
            scroll={{ x: "max-content" }}
            rowClassName={(l) => (Number(l.picked_qty) >= Number(l.qty) ? "wh-done" : "")}
            columns={[
              { title: "#", dataIndex: "line_no" },
              { title: t("col.sku"), dataIndex: "sku" },
              { title: t("col.ordered"), align: "right", render: (_, l) => <Qty value={l.qty} /> },
              { title: t("col.picked"), align: "right", render: (_, l) => <Qty value={l.picked_qty} /> },
            ]}
          />
          {pickAll.error || unpick.error || ship.error ? <ErrorAlert error={pickAll.error ?? unpick.error ?? ship.error} /> : null}
          {worker && picking ? (
            <div className="wh-actions">
              <Button onClick={() => pickAll.mutate()} loading={pickAll.isPending}>
                {t("pick.pickAll")}
              </Button>
            </div>
          ) : null}
          {worker && o.status === "packed" ? (
            <Form form={form} layout="vertical" style={{ marginTop: 16, maxWidth: 420 }} onFinish={(v) => ship.mutate(v)}>
              <Form.Item name="carrier" label={t("col.carrier")} rules={[{ required: true, message: t("required") }]}>
                <Input placeholder="SF Express" data-testid="carrier" />
              </Form.Item>
              <Form.Item name="tracking_no" label={t("col.trackingNo")}>
                <Input data-testid="tracking-no" />
              </Form.Item>
              <div className="wh-actions">
                <Button type="primary" size="large" htmlType="submit" loading={ship.isPending} data-testid="ship">
                  {t("outbound.ship")}
                </Button>
                <Button
                  onClick={() => {
                    const reason = window.prompt(t("pick.unpickReason"));
                    if (reason) unpick.mutate(reason);
                  }}
                >
                  {t("pick.unpick")}
                </Button>
              </div>
            </Form>
          ) : null}
          {o.status === "shipped" || o.status === "delivered" ? (
            <Alert style={{ marginTop: 12 }} type="success" showIcon title={t("pick.shipped", { carrier: o.carrier ?? "", tracking: o.tracking_no ?? "" })} description={<Link to={`/sales/orders/${o.order_no}`}>{t("pick.seeOrder", { no: o.order_no })}</Link>} />
          ) : null}
        </>
      ) : null}
    </Card>
  );
}
