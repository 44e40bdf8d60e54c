/** A new sales order: customer search, lines with the available stock, totals as the server prices them; the
 * server's field errors next to their fields. One idempotency key per form, so a double submit makes one order. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Select, Space, Spin } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { ErrorAlert } from "../../../ui/ErrorAlert";
import { ORDERS, salesApi, type OrderCreate } from "../api";
import { LinesEditor, toLineIn, type LineValues } from "../components/LinesEditor";

interface Values {
  customer_code: string;
  channel: string;
  external_ref?: string;
  requested_date?: Dayjs;
  priority?: number;
  allow_backorder?: boolean;
  note?: string;
  lines: LineValues[];
}

const CHANNELS = ["web", "email", "wechat", "app", "phone", "api"];

function CustomerSelect({ value, onChange, id }: { value?: string; onChange?: (v: string) => void; id?: string }) {
  const { t } = useTranslation("sales");
  const [q, setQ] = useState("");
  const found = useQuery({ queryKey: ["sales", "customer", "search", q], queryFn: () => salesApi.customers(q) });
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: setQ }}
      value={value}
      onChange={onChange}
      placeholder={t("form.customerPlaceholder")}
      notFoundContent={found.isFetching ? <Spin size="small" /> : t("form.noCustomer")}
      options={(found.data ?? []).map((c) => ({ value: c.code, label: `${c.code} · ${c.name}`, disabled: c.active === false }))}
      style={{ maxWidth: 420 }}
    />
  );
}

export default function NewOrder() {
  const { t } = useTranslation("sales");
  const { message } = App.useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [key] = useState(() => crypto.randomUUID());
  const place = useMutation({
    mutationFn: (v: Values) => {
      const body: OrderCreate = {
        customer_code: v.customer_code,
        channel: v.channel,
        external_ref: v.external_ref || null,
        requested_date: v.requested_date ? v.requested_date.format("YYYY-MM-DD") : null,
        priority: v.priority ?? 5,
        allow_backorder: Boolean(v.allow_backorder),
        note: v.note || null,
        lines: v.lines.map(toLineIn),
      } as OrderCreate;
      return salesApi.place(body, key);
    },
    onSuccess: (order) => {
      void message.success(t("form.placed", { no: order.order_no }));
      void client.invalidateQueries({ queryKey: ORDERS });
      void navigate(`/sales/orders/${order.order_no}`);
    },
  });
  return (
    <Card title={t("form.title")}>
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ channel: "web", priority: 5, lines: [{ qty: "1", discount: "0", tax_rate: "0.13" }] }}
        onFinish={(v) => place.mutate(v)}
        scrollToFirstError
      >
        <Space wrap size="large" align="start">
          <Form.Item name="customer_code" label={t("field.customer")} rules={[{ required: true, message: t("form.required", { field: t("field.customer") }) }]} style={{ minWidth: 320 }}>
            <CustomerSelect />
          </Form.Item>
          <Form.Item name="channel" label={t("field.channel")}>
            <Select style={{ width: 140 }} options={CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }))} />
          </Form.Item>
          <Form.Item name="external_ref" label={t("field.external_ref")}>
            <Input style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="requested_date" label={t("field.requested_date")}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="priority" label={t("field.priority")}>
            <InputNumber min={1} max={9} precision={0} />
          </Form.Item>
          <Form.Item name="allow_backorder" valuePropName="checked" label={t("field.allow_backorder")}>
            <Checkbox />
          </Form.Item>
        </Space>
        <LinesEditor form={form} currency="CNY" error={place.error} />
        <Form.Item name="note" label={t("field.note")}>
          <Input.TextArea rows={2} />
        </Form.Item>
        {place.error ? (
          <div style={{ marginBottom: 16 }}>
            <ErrorAlert error={place.error} fields={["customer_code", "channel", "qty", "sku", "unit_price", "discount", "tax_rate"]} />
          </div>
        ) : null}
        <Space>
          <Button type="primary" htmlType="submit" loading={place.isPending}>
            {t("form.submit")}
          </Button>
          <Button onClick={() => void navigate(-1)}>{t("form.back")}</Button>
        </Space>
      </Form>
    </Card>
  );
}
