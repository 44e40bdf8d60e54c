/** Order lines in a form (Form.List "lines"): sku search, the available stock per warehouse, qty, price,
 * discount, tax rate as decimal strings; net, tax and totals as the server prices them (POST /orders/quote). */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Button, Descriptions, Form, Input, Select, Space, Spin, Table, Tag } from "antd";
import type { FormInstance } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { applyFieldErrors } from "../../../ui/ErrorAlert";
import { Money, Qty } from "../../../ui/Money";
import { salesApi, type LineIn } from "../api";

export interface LineValues {
  sku?: string;
  qty?: string;
  unit_price?: string;
  discount?: string;
  tax_rate?: string;
}

const DECIMAL = /^\d+(\.\d+)?$/;

export function toLineIn(v: LineValues): LineIn {
  return { sku: v.sku ?? "", qty: v.qty ?? "", unit_price: v.unit_price ?? "", discount: v.discount || "0", tax_rate: v.tax_rate || "0" };
}

function complete(lines: LineValues[] | undefined): LineIn[] | null {
  if (!lines?.length) return null;
  const ok = lines.every((l) => l.sku && DECIMAL.test(l.qty ?? "") && DECIMAL.test(l.unit_price ?? "") && DECIMAL.test(l.discount || "0") && DECIMAL.test(l.tax_rate || "0"));
  return ok ? lines.map(toLineIn) : null;
}

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setCurrent(value), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return current;
}

function SkuSelect({ value, onChange, id }: { value?: string; onChange?: (v: string) => void; id?: string }) {
  const { t } = useTranslation("sales");
  const [search, setSearch] = useState("");
  const q = useDebounced(search, 250);
  const found = useQuery({ queryKey: ["inventory", "product", "search", q], queryFn: () => salesApi.products(q) });
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: setSearch }}
      value={value}
      onChange={onChange}
      placeholder={t("form.skuPlaceholder")}
      notFoundContent={found.isFetching ? <Spin size="small" /> : t("form.noProduct")}
      options={(found.data ?? []).map((p) => ({ value: p.sku, label: `${p.sku} · ${p.name}` }))}
      style={{ width: 260 }}
      popupMatchSelectWidth={false}
      aria-label={t("field.sku")}
    />
  );
}

function Available({ sku }: { sku?: string }) {
  const { t } = useTranslation("sales");
  const stock = useQuery({ queryKey: ["inventory", "stock", sku], queryFn: () => salesApi.stock([sku ?? ""]), enabled: Boolean(sku) });
  if (!sku) return <span className="ot-muted">—</span>;
  if (stock.isPending) return <Spin size="small" />;
  if (stock.error) return <span className="ot-muted">{t("form.stockUnknown")}</span>;
  const rows = stock.data ?? [];
  if (rows.length === 0) return <Tag color="red">{t("form.noStock")}</Tag>;
  return (
    <Space size={2} wrap data-testid="available">
      {rows.map((s) => (
        <Tag key={s.warehouse_code} color={/^0(\.0+)?$/.test(s.available) ? "red" : "green"}>
          {s.warehouse_code}: <Qty value={s.available} />
        </Tag>
      ))}
    </Space>
  );
}

export function LinesEditor({ form, currency, error }: { form: FormInstance; currency: string; error: unknown }) {
  const { t } = useTranslation("sales");
  const lines = Form.useWatch("lines", form) as LineValues[] | undefined;
  const priced = complete(lines);
  const key = useDebounced(priced ? JSON.stringify(priced) : null, 300);
  const quote = useQuery({
    queryKey: ["sales", "quote", key, currency],
    queryFn: () => salesApi.quote(JSON.parse(key as string) as LineIn[], currency),
    enabled: key !== null,
    retry: false,
  });
  useEffect(() => {
    applyFieldErrors(form, error);
  }, [form, error]);
  const decimal = (label: string, required: boolean) => [
    { required, message: t("form.required", { field: label }) },
    { pattern: DECIMAL, message: t("form.decimal") },
  ];
  return (
    <Form.List name="lines">
      {(fields, { add, remove }) => (
        <>
          <Table
            size="small"
            pagination={false}
            dataSource={fields}
            rowKey="key"
            scroll={{ x: "max-content" }}
            columns={[
              {
                title: t("field.sku"),
                render: (_, f) => (
                  <Form.Item name={[f.name, "sku"]} rules={[{ required: true, message: t("form.required", { field: t("field.sku") }) }]} style={{ margin: 0 }}>
                    <SkuSelect />
                  </Form.Item>
                ),
              },
              { title: t("form.available"), render: (_, f) => <Available sku={lines?.[f.name]?.sku} /> },
              ...(["qty", "unit_price", "discount", "tax_rate"] as const).map((name) => ({
                title: t(`field.${name}`),
                render: (_: unknown, f: { name: number }) => (
                  <Form.Item name={[f.name, name]} rules={decimal(t(`field.${name}`), name === "qty" || name === "unit_price")} style={{ margin: 0 }}>
                    <Input inputMode="decimal" aria-label={`${t(`field.${name}`)} ${f.name + 1}`} style={{ width: name === "qty" || name === "unit_price" ? 110 : 80 }} />
                  </Form.Item>
                ),
              })),
              { title: t("field.net"), align: "right" as const, render: (_, f) => <Money value={quote.data?.lines[f.name]?.net} currency={currency} /> },
              { title: t("field.tax"), align: "right" as const, render: (_, f) => <Money value={quote.data?.lines[f.name]?.tax} currency={currency} /> },
              { title: "", render: (_, f) => <Button type="text" danger icon={<DeleteOutlined />} aria-label={t("form.removeLine")} onClick={() => remove(f.name)} disabled={fields.length === 1} /> },
            ]}
          />
          <Space style={{ margin: "8px 0 16px", justifyContent: "space-between", width: "100%" }} wrap>
            <Button icon={<PlusOutlined />} onClick={() => add({ qty: "1", discount: "0", tax_rate: "0.13" })}>
              {t("form.addLine")}
            </Button>
            <Descriptions
              size="small"
              column={3}
              data-testid="totals"
              items={[
                { key: "net", label: t("field.net"), children: <Money value={quote.data?.totals.net} currency={currency} /> },
                { key: "tax", label: t("field.tax"), children: <Money value={quote.data?.totals.tax} currency={currency} /> },
                { key: "gross", label: t("field.gross"), children: <strong><Money value={quote.data?.totals.gross} currency={currency} /></strong> },
              ]}
            />
          </Space>
        </>
      )}
    </Form.List>
  );
}
