/** Stocktake (盘点): open a count for a warehouse (expected quantities snapshotted) or reopen one by number; each
 * scan counts one more unit of its product; counts can be typed too; submit shows the variance, and a manager
 * approves to post the adjustments. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Form, Input, InputNumber, Space, Table, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";

import { useMe } from "../../../auth/useMe";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { Qty } from "../../../ui/Money";
import { StatusTag } from "../../../ui/StatusTag";
import { inventoryApi, keys, plusOne, scanMessage, type Stocktake as Doc, type StocktakeLine } from "../api";
import { ScanInput } from "../components/ScanInput";
import "../warehouse.css";

export default function Stocktake() {
  const { no } = useParams();
  return no ? <Counting no={no} /> : <Start />;
}

function Start() {
  const { t } = useTranslation("warehouse");
  const navigate = useNavigate();
  const open = useMutation({ mutationFn: (wh: string) => inventoryApi.openStocktake(wh), onSuccess: (d) => void navigate(`/warehouse/stocktakes/${d.stocktake_no}`) });
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t("stocktake.title")}</Typography.Title>}>
      {open.error ? <ErrorAlert error={open.error} /> : null}
      <Space orientation="vertical" size="large">
        <Form layout="inline" onFinish={(v: { warehouse_code: string }) => open.mutate(v.warehouse_code)}>
          <Form.Item name="warehouse_code" label={t("col.warehouse")} rules={[{ required: true, message: t("required") }]}>
            <Input placeholder="WH-SH" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={open.isPending}>
            {t("stocktake.open")}
          </Button>
        </Form>
        <Form layout="inline" onFinish={(v: { no: string }) => void navigate(`/warehouse/stocktakes/${v.no.trim()}`)}>
          <Form.Item name="no" label={t("stocktake.number")} rules={[{ required: true, message: t("required") }]}>
            <Input />
          </Form.Item>
          <Button htmlType="submit">{t("stocktake.reopen")}</Button>
        </Form>
      </Space>
    </Card>
  );
}

function Counting({ no }: { no: string }) {
  const { t } = useTranslation("warehouse");
  const { can } = useMe();
  const client = useQueryClient();
  const doc = useQuery({ queryKey: keys.stocktake(no), queryFn: ({ signal }) => inventoryApi.stocktake(no, signal) });
  const set = (d: Doc) => client.setQueryData(keys.stocktake(no), d);
  const count = useMutation({ mutationFn: (l: { sku: string; counted_qty: string }) => inventoryApi.count(no, [l]), onSuccess: set });
  const submit = useMutation({ mutationFn: () => inventoryApi.submitStocktake(no), onSuccess: set });
  const approve = useMutation({ mutationFn: () => inventoryApi.approveStocktake(no), onSuccess: set });
  const d = doc.data;
  if (doc.error) return <ErrorAlert error={doc.error} />;
  const counting = d?.status === "open";
  return (
    <Card loading={doc.isPending} title={<Typography.Title level={4} style={{ margin: 0 }}>{t("stocktake.of", { no, warehouse: d?.warehouse_code ?? "" })}</Typography.Title>} extra={<StatusTag status={d?.status} ns="warehouse" />}>
      {d && counting ? (
        <ScanInput
          label={t("stocktake.scan")}
          onScan={async (code) => {
            try {
              const product = await inventoryApi.product(code);
              // the latest count (scans queue up: the page's copy may be a scan behind)
              const line = (client.getQueryData<Doc>(keys.stocktake(no)) ?? d).lines.find((l) => l.sku === product.sku);
              const next = await inventoryApi.count(no, [{ sku: product.sku, counted_qty: plusOne(line?.counted_qty) }]);
              set(next);
              return { ok: true, message: t("stocktake.counted", { sku: product.sku, qty: next.lines.find((l) => l.sku === product.sku)?.counted_qty ?? "" }) };
            } catch (e) {
              return { ok: false, message: scanMessage(t, e) };
            }
          }}
        />
      ) : null}
      {count.error || submit.error || approve.error ? <ErrorAlert error={count.error ?? submit.error ?? approve.error} /> : null}
      <Table<StocktakeLine>
        size="small"
        rowKey={(l) => l.sku}
        dataSource={d?.lines ?? []}
        pagination={{ pageSize: 100, hideOnSinglePage: true }}
        scroll={{ x: "max-content" }}
        rowClassName={(l) => (l.variance_qty && !/^-?0(\.0+)?$/.test(l.variance_qty) ? "ot-row-warning" : "")}
        columns={[
          { title: t("col.sku"), dataIndex: "sku" },
          { title: t("stocktake.expected"), align: "right", render: (_, l) => <Qty value={l.expected_qty} /> },
          {
            title: t("stocktake.counted"),
            align: "right",
            render: (_, l) =>
              counting ? (
                <InputNumber<string>
                  stringMode
                  min="0"
                  size="small"
                  aria-label={`${t("stocktake.counted")} ${l.sku}`}
                  value={l.counted_qty ?? undefined}
                  onBlur={(e) => {
                    const v = e.target.value.trim();
                    if (v && v !== l.counted_qty) count.mutate({ sku: l.sku, counted_qty: v });
                  }}
                />
              ) : (
                <Qty value={l.counted_qty} />
              ),
          },
          { title: t("stocktake.variance"), align: "right", render: (_, l) => <Qty value={l.variance_qty} /> },
        ]}
      />
      <div className="wh-actions">
        {counting && can("warehouse") ? (
          <Button type="primary" onClick={() => submit.mutate()} loading={submit.isPending}>
            {t("stocktake.submit")}
          </Button>
        ) : null}
        {d?.status === "submitted" && can("purchasing_manager", "finance_manager") ? (
          <Button type="primary" onClick={() => approve.mutate()} loading={approve.isPending}>
            {t("stocktake.approve")}
          </Button>
        ) : null}
      </div>
    </Card>
  );
}
