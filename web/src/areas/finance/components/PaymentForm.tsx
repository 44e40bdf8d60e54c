/** Record a payment from a customer or to a supplier and allocate it: the party's open documents are listed
 * (oldest due first, as the server allocates when told nothing); an amount per document allocates explicitly.
 * Documents on hold are shown, not payable. Idempotent: a double click records one payment. The party's recent
 * payments below. Texts from the `prefix` section of the finance namespace (`payments`, `supplierPayments`). */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, DatePicker, Form, Input, InputNumber, Select, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { useMe } from "../../../auth/useMe";
import { ErrorAlert, applyFieldErrors } from "../../../ui/ErrorAlert";
import { Money } from "../../../ui/Money";
import type { PaymentResult } from "../api";

export const METHODS = ["bank_transfer", "cash", "card", "alipay", "wechat_pay", "cheque", "offset", "other"];

export interface OpenDocument {
  no: string;
  due_date: string;
  outstanding: string;
  currency: string;
  overdue: boolean;
  held: boolean;
}
export interface PastPayment {
  payment_no: string;
  amount: string;
  currency: string;
  method: string;
  reference: string | null;
  on: string;
}
export interface NewPayment {
  party: string;
  amount: string;
  method: string;
  reference: string | null;
  on: string;
  allocations: { no: string; amount: string }[] | null;
}

interface Props {
  prefix: "payments" | "supplierPayments";
  queryKey: readonly unknown[];
  openDocuments: (party: string, signal: AbortSignal) => Promise<OpenDocument[]>;
  recent: (party: string, signal: AbortSignal) => Promise<PastPayment[]>;
  record: (payment: NewPayment, idempotencyKey: string) => Promise<PaymentResult>;
}

interface Values {
  party: string;
  amount: string;
  method: string;
  reference?: string;
  on: Dayjs;
  alloc?: Record<string, string | undefined>;
}

export function PaymentForm({ prefix, queryKey, openDocuments, recent, record }: Props) {
  const { t } = useTranslation("finance");
  const [form] = Form.useForm<Values>();
  const [party, setParty] = useState("");
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [placed, setPlaced] = useState<string[]>([]);
  // Readers (auditors) see the open documents and the payments; recording is finance's (the server says the same).
  const writer = useMe().can("finance", "finance_manager");
  const open = useQuery({ queryKey: [...queryKey, "open", party], enabled: !!party, queryFn: ({ signal }) => openDocuments(party, signal) });
  const past = useQuery({ queryKey: [...queryKey, "payments", party], enabled: !!party, queryFn: ({ signal }) => recent(party, signal) });
  const pay = useMutation({
    mutationFn: (v: Values) => {
      const allocations = Object.entries(v.alloc ?? {})
        .filter(([, amount]) => amount)
        .map(([no, amount]) => ({ no, amount: String(amount) }));
      const payment = { party: v.party.trim(), amount: String(v.amount), method: v.method, reference: v.reference || null, on: v.on.format("YYYY-MM-DD"), allocations: allocations.length ? allocations : null };
      return record(payment, key);
    },
    onSuccess: () => {
      setKey(crypto.randomUUID());
      setPlaced([]);
      form.setFieldsValue({ amount: undefined, reference: undefined, alloc: {} });
      void open.refetch();
      void past.refetch();
    },
    onError: (e) => setPlaced(applyFieldErrors(form, e)),
  });
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t(`${prefix}.title`)}</Typography.Title>}>
      {pay.error ? <ErrorAlert error={pay.error} fields={placed} /> : null}
      {pay.data && !pay.error ? <Alert type="success" showIcon title={t(`${prefix}.recorded`, { no: pay.data.payment_no })} style={{ marginBottom: 12 }} data-testid="payment-recorded" /> : null}
      <Form form={form} layout="vertical" initialValues={{ method: "bank_transfer", on: dayjs() }} onFinish={(v) => pay.mutate(v)}>
        <Space wrap align="start">
          <Form.Item name="party" label={t(`${prefix}.party`)} rules={[{ required: true, message: t("required") }]}>
            <Input.Search onSearch={(v) => setParty(v.trim())} onBlur={(e) => setParty(e.target.value.trim())} style={{ width: 200 }} data-testid="payment-party" />
          </Form.Item>
          <Form.Item name="amount" label={t("col.amount")} rules={[{ required: true, message: t("required") }]}>
            <InputNumber<string> stringMode min="0.01" step="0.01" style={{ width: 160 }} data-testid="payment-amount" />
          </Form.Item>
          <Form.Item name="method" label={t(`${prefix}.method`)}>
            <Select style={{ width: 160 }} options={METHODS.map((m) => ({ value: m, label: t(`method.${m}`) }))} />
          </Form.Item>
          <Form.Item name="reference" label={t("payments.reference")}>
            <Input style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name="on" label={t(`${prefix}.date`)} rules={[{ required: true, message: t("required") }]}>
            <DatePicker />
          </Form.Item>
        </Space>
        {party ? (
          <Table<OpenDocument>
            size="small"
            rowKey={(r) => r.no}
            loading={open.isFetching}
            dataSource={open.data ?? []}
            pagination={false}
            title={() => t(`${prefix}.open`)}
            locale={{ emptyText: open.error ? <ErrorAlert error={open.error} /> : t(`${prefix}.noOpen`) }}
            rowClassName={(r) => (r.held ? "ot-row-muted" : r.overdue ? "ot-row-danger" : "")}
            data-testid="open-documents"
            columns={[
              { title: t(`${prefix}.document`), dataIndex: "no" },
              { title: t("col.due"), render: (_, r) => <>{r.due_date} {r.overdue ? <Tag color="red">{t("overdue")}</Tag> : null}</> },
              { title: t("col.outstanding"), align: "right", render: (_, r) => <Money value={r.outstanding} currency={r.currency} /> },
              {
                title: t("payments.allocate"),
                render: (_, r) =>
                  r.held ? (
                    <Tag color="orange">{t("payments.held")}</Tag>
                  ) : (
                    <Form.Item name={["alloc", r.no]} noStyle>
                      <InputNumber<string> stringMode min="0" step="0.01" aria-label={`${t("payments.allocate")} ${r.no}`} />
                    </Form.Item>
                  ),
              },
            ]}
          />
        ) : null}
        <Typography.Paragraph className="ot-muted" style={{ marginTop: 8 }}>
          {t(`${prefix}.hint`)}
        </Typography.Paragraph>
        {writer ? (
          <Button type="primary" htmlType="submit" loading={pay.isPending} data-testid="record-payment">
            {t(`${prefix}.record`)}
          </Button>
        ) : (
          <Typography.Text type="secondary">{t("payments.readOnly")}</Typography.Text>
        )}
      </Form>
      {party ? (
        <Table<PastPayment>
          style={{ marginTop: 24 }}
          size="small"
          rowKey={(p) => p.payment_no}
          loading={past.isFetching}
          dataSource={past.data ?? []}
          pagination={false}
          title={() => t(`${prefix}.recent`)}
          locale={{ emptyText: past.error ? <ErrorAlert error={past.error} /> : t("payments.noRecent") }}
          data-testid="recent-payments"
          columns={[
            { title: t(`${prefix}.number`), dataIndex: "payment_no" },
            { title: t(`${prefix}.date`), dataIndex: "on" },
            { title: t(`${prefix}.method`), render: (_, p) => t(`method.${p.method}`, { defaultValue: p.method }) },
            { title: t("payments.reference"), render: (_, p) => p.reference ?? "—" },
            { title: t("col.amount"), align: "right", render: (_, p) => <Money value={p.amount} currency={p.currency} /> },
          ]}
        />
      ) : null}
    </Card>
  );
}
