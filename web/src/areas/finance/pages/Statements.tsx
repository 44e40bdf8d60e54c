/** A statement (对账单) per customer or supplier and period: opening balance, each document (bills link to their
 * page), closing balance; the question lives in the URL (`?party=suppliers&code=…&from=…&to=…`), so the ageing
 * page links to a party's statement. */
import { useQuery } from "@tanstack/react-query";
import { Button, Card, DatePicker, Form, Input, Select, Table, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";

import { api } from "../../../api/client";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { Money } from "../../../ui/Money";
import { financeApi, keys } from "../api";

interface Ask {
  party: string;
  code: string;
  from: string;
  to: string;
}

const BILLS = new Set(["bill", "bill_variance", "bill_void"]);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function askOf(params: URLSearchParams): Ask | null {
  const [party, code, from, to] = ["party", "code", "from", "to"].map((k) => params.get(k) ?? "");
  if (!["customers", "suppliers"].includes(party) || !code || !DAY.test(from) || !DAY.test(to)) return null;
  return { party, code, from, to };
}

export default function Statements() {
  const { t } = useTranslation("finance");
  const [params, setParams] = useSearchParams();
  const ask = askOf(params);
  const setAsk = (a: Ask) => setParams({ party: a.party, code: a.code, from: a.from, to: a.to });
  const statement = useQuery({
    queryKey: ask ? keys.statement(ask.party, ask.code, ask.from, ask.to) : ["finance", "statement"],
    queryFn: ({ signal }) => financeApi.statement(ask!.party, ask!.code, ask!.from, ask!.to, signal),
    enabled: !!ask,
  });
  const s = statement.data;
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t("statements.title")}</Typography.Title>}>
      <Form
        layout="inline"
        className="ot-filters"
        initialValues={{ party: ask?.party ?? "customers", code: ask?.code, period: ask ? [dayjs(ask.from), dayjs(ask.to)] : [dayjs().startOf("month"), dayjs()] }}
        onFinish={(v: { party: string; code: string; period: [Dayjs, Dayjs] }) => setAsk({ party: v.party, code: v.code.trim(), from: v.period[0].format("YYYY-MM-DD"), to: v.period[1].format("YYYY-MM-DD") })}
      >
        <Form.Item name="party" label={t("statements.party")}>
          <Select style={{ width: 120 }} options={[{ value: "customers", label: t("statements.customer") }, { value: "suppliers", label: t("statements.supplier") }]} />
        </Form.Item>
        <Form.Item name="code" label={t("statements.code")} rules={[{ required: true, message: t("required") }]}>
          <Input style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="period" label={t("statements.period")} rules={[{ required: true, message: t("required") }]}>
          <DatePicker.RangePicker />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t("statements.show")}
        </Button>
        {ask ? (
          <a href={api.exportUrl("finance", `/statements/${ask.party}/${encodeURIComponent(ask.code)}`, { from: ask.from, to: ask.to }, "xlsx")} download style={{ marginLeft: 12 }}>
            {t("export")}
          </a>
        ) : null}
      </Form>
      {statement.error ? <ErrorAlert error={statement.error} /> : null}
      {s ? (
        <Table
          size="small"
          rowKey={(r) => `${r.document_no}-${r.date}-${r.balance}`}
          dataSource={s.documents}
          pagination={false}
          scroll={{ x: "max-content" }}
          title={() => (
            <span>
              {t("statements.opening")}: <Money value={s.opening_balance} />
            </span>
          )}
          footer={() => (
            <strong>
              {t("statements.closing")}: <Money value={s.closing_balance} />
            </strong>
          )}
          columns={[
            { title: t("statements.date"), dataIndex: "date" },
            { title: t("statements.docType"), render: (_, r) => t(`docType.${r.document_type}`, { defaultValue: r.document_type }) },
            { title: t("statements.docNo"), render: (_, r) => (BILLS.has(r.document_type) ? <Link to={`/finance/bills/${r.document_no}`}>{r.document_no}</Link> : r.document_no) },
            { title: t("statements.debit"), align: "right", render: (_, r) => <Money value={r.debit} /> },
            { title: t("statements.credit"), align: "right", render: (_, r) => <Money value={r.credit} /> },
            { title: t("statements.balance"), align: "right", render: (_, r) => <Money value={r.balance} /> },
          ]}
        />
      ) : null}
    </Card>
  );
}
