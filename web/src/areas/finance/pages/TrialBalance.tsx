/** The trial balance: every account's debits, credits and balance; balanced green, unbalanced red. */
import { useQuery } from "@tanstack/react-query";
import { Card, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { ErrorAlert } from "../../../ui/ErrorAlert";
import { Money } from "../../../ui/Money";
import { financeApi, keys } from "../api";

export default function TrialBalance() {
  const { t } = useTranslation("finance");
  const tb = useQuery({ queryKey: keys.trial, queryFn: ({ signal }) => financeApi.trialBalance(signal) });
  const d = tb.data;
  return (
    <Card
      title={<Typography.Title level={4} style={{ margin: 0 }}>{t("trial.title")}</Typography.Title>}
      extra={d ? <Tag color={d.balanced ? "green" : "red"}>{d.balanced ? t("trial.balanced") : t("trial.unbalanced")}</Tag> : null}
    >
      {tb.error ? <ErrorAlert error={tb.error} /> : null}
      <Table
        size="small"
        loading={tb.isPending}
        rowKey={(a) => a.account}
        dataSource={d?.accounts ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        columns={[
          { title: t("trial.account"), dataIndex: "account" },
          { title: t("trial.name"), dataIndex: "name" },
          { title: t("trial.kind"), render: (_, a) => t(`kind.${a.kind}`, { defaultValue: a.kind }) },
          { title: t("statements.debit"), align: "right", render: (_, a) => <Money value={a.debit} /> },
          { title: t("statements.credit"), align: "right", render: (_, a) => <Money value={a.credit} /> },
          { title: t("statements.balance"), align: "right", render: (_, a) => <Money value={a.balance} /> },
        ]}
        summary={() =>
          d ? (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0} colSpan={3}>
                <strong>{t("ageing.total")}</strong>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">
                <strong><Money value={d.total_debit} /></strong>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={4} align="right">
                <strong><Money value={d.total_credit} /></strong>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={5} />
            </Table.Summary.Row>
          ) : null
        }
      />
    </Card>
  );
}
