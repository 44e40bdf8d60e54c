/** Record a customer payment and allocate it: the customer's open invoices are listed (oldest due first, as the
 * server allocates when told nothing); enter an amount per invoice to allocate explicitly, or leave them empty.
 * Idempotent: a double click records one payment. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, DatePicker, Form, Input, InputNumber, Select, Space, Table, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ErrorAlert, applyFieldErrors } from "../../../ui/ErrorAlert";
import { Money } from "../../../ui/Money";
import { financeApi, keys, type Invoice } from "../api";

const METHODS = ["bank_transfer", "cash", "card", "alipay", "wechat_pay", "cheque", "offset", "other"];

interface Values {
  customer_code: string;
  amount: string;
  method: string;
  reference?: string;
  received_on: Dayjs;
  alloc?: Record<string, string | undefined>;
}

export default function Payments() {
  const { t } = useTranslation("finance");
  const [form] = Form.useForm<Values>();
  const [customer, setCustomer] = useState("");
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [placed, setPlaced] = useState<string[]>([]);
  const open = useQuery({
    queryKey: [...keys.invoices, "open", customer],
    enabled: !!customer,
    queryFn: async ({ signal }) => {
      const [a, b] = await Promise.all([
        financeApi.invoices({ customer_code: customer, status: "open", limit: 200, offset: 0 }, signal),
        financeApi.invoices({ customer_code: customer, status: "partially_paid", limit: 200, offset: 0 }, signal),
      ]);
      return [...a, ...b].sort((x, y) => x.due_date.localeCompare(y.due_date));
    },
  });
  const pay = useMutation({
    mutationFn: (v: Values) => {
      const allocations = Object.entries(v.alloc ?? {})
        .filter(([, amount]) => amount)
        .map(([invoice_no, amount]) => ({ invoice_no, amount: String(amount) }));
      return financeApi.pay(
        { customer_code: v.customer_code, amount: String(v.amount), method: v.method, reference: v.reference || null, received_on: v.received_on.format("YYYY-MM-DD"), allocations: allocations.length ? allocations : null },
        key,
      );
    },
    onSuccess: () => {
      setKey(crypto.randomUUID());
      void open.refetch();
    },
    onError: (e) => setPlaced(applyFieldErrors(form, e)),
  });
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t("payments.title")}</Typography.Title>}>
      {pay.error ? <ErrorAlert error={pay.error} fields={placed} /> : null}
      {pay.data ? <Alert type="success" showIcon title={t("payments.recorded", { no: pay.data.payment_no })} style={{ marginBottom: 12 }} /> : null}
      <Form form={form} layout="vertical" initialValues={{ method: "bank_transfer", received_on: dayjs() }} onFinish={(v) => pay.mutate(v)}>
        <Space wrap align="start">
          <Form.Item name="customer_code" label={t("col.customer")} rules={[{ required: true, message: t("required") }]}>
            <Input.Search onSearch={(v) => setCustomer(v.trim())} onBlur={(e) => setCustomer(e.target.value.trim())} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="amount" label={t("col.amount")} rules={[{ required: true, message: t("required") }]}>
            <InputNumber<string> stringMode min="0.01" step="0.01" style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="method" label={t("payments.method")}>
            <Select style={{ width: 160 }} options={METHODS.map((m) => ({ value: m, label: t(`method.${m}`) }))} />
          </Form.Item>
          <Form.Item name="reference" label={t("payments.reference")}>
            <Input style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name="received_on" label={t("payments.receivedOn")} rules={[{ required: true, message: t("required") }]}>
            <DatePicker />
          </Form.Item>
        </Space>
        {customer ? (
          <Table<Invoice>
            size="small"
            rowKey={(r) => r.invoice_no}
            loading={open.isFetching}
            dataSource={open.data ?? []}
            pagination={false}
            title={() => t("payments.openInvoices")}
            locale={{ emptyText: t("payments.noOpen") }}
            rowClassName={(r) => (r.overdue ? "ot-row-danger" : "")}
            columns={[
              { title: t("col.invoice"), dataIndex: "invoice_no" },
              { title: t("col.due"), dataIndex: "due_date" },
              { title: t("col.outstanding"), align: "right", render: (_, r) => <Money value={r.outstanding} currency={r.currency} /> },
              {
                title: t("payments.allocate"),
                render: (_, r) => (
                  <Form.Item name={["alloc", r.invoice_no]} noStyle>
                    <InputNumber<string> stringMode min="0" step="0.01" aria-label={`${t("payments.allocate")} ${r.invoice_no}`} />
                  </Form.Item>
                ),
              },
            ]}
          />
        ) : null}
        <Typography.Paragraph className="ot-muted" style={{ marginTop: 8 }}>
          {t("payments.hint")}
        </Typography.Paragraph>
        <Button type="primary" htmlType="submit" loading={pay.isPending}>
          {t("payments.record")}
        </Button>
      </Form>
    </Card>
  );
}
