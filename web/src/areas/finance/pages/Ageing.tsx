/** AR/AP ageing (账龄): outstanding per party in buckets (current, 1–30, 31–60, 61–90, 90+ days past due), a
 * stacked bar chart of the largest parties and the table; overdue buckets red. */
import { useQuery } from "@tanstack/react-query";
import { Card, DatePicker, Segmented, Space, Table, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { api } from "../../../api/client";
import { Chart, type ChartOption } from "../../../ui/Chart";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { Money } from "../../../ui/Money";
import { financeApi, keys, statementLink } from "../api";

const COLOURS = ["#52c41a", "#faad14", "#fa8c16", "#f5222d", "#a8071a"];

export default function Ageing() {
  const { t } = useTranslation("finance");
  const [kind, setKind] = useState<"receivables" | "payables">("receivables");
  const [asOf, setAsOf] = useState<Dayjs | null>(null);
  const day = asOf?.format("YYYY-MM-DD");
  const ageing = useQuery({ queryKey: keys.ageing(kind, day ?? "today"), queryFn: ({ signal }) => financeApi.ageing(kind, day, signal) });
  const a = ageing.data;
  const option = useMemo<ChartOption | null>(() => {
    if (!a) return null;
    const top = [...a.parties].sort((x, y) => Number(y.total) - Number(x.total)).slice(0, 12);
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 16, top: 36, bottom: 40 },
      xAxis: { type: "category", data: top.map((p) => p.code), axisLabel: { rotate: 30 } },
      yAxis: { type: "value" },
      // Chart heights only: the figures people read are the table's decimal strings.
      series: a.buckets.map((b, i) => ({ name: t(`bucket.${b}`), type: "bar", stack: "age", color: COLOURS[i], data: top.map((p) => Number(p[b] ?? 0)) })),
    };
  }, [a, t]);
  return (
    <Card
      title={<Typography.Title level={4} style={{ margin: 0 }}>{t("ageing.title")}</Typography.Title>}
      extra={
        <Space wrap>
          <Segmented value={kind} onChange={(v) => setKind(v as "receivables" | "payables")} options={[{ value: "receivables", label: t("ageing.ar") }, { value: "payables", label: t("ageing.ap") }]} />
          <DatePicker value={asOf} onChange={setAsOf} placeholder={t("ageing.asOf")} aria-label={t("ageing.asOf")} />
          <a href={api.exportUrl("finance", `/ageing/${kind}`, { as_of: day }, "xlsx")} download>
            {t("export")}
          </a>
        </Space>
      }
    >
      {ageing.error ? <ErrorAlert error={ageing.error} /> : null}
      {option ? <Chart option={option} height={300} label={t("ageing.chart", { kind: t(kind === "receivables" ? "ageing.ar" : "ageing.ap") })} /> : null}
      <Table
        size="small"
        loading={ageing.isPending}
        rowKey={(p) => p.code}
        dataSource={a?.parties ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: "max-content" }}
        columns={[
          {
            title: kind === "receivables" ? t("col.customer") : t("col.supplier"),
            // The party's statement over the year up to the ageing date.
            render: (_, p) => {
              const to = a?.as_of ?? dayjs().format("YYYY-MM-DD");
              const from = dayjs(to).subtract(1, "year").add(1, "day").format("YYYY-MM-DD");
              return <Link to={statementLink(kind === "receivables" ? "customers" : "suppliers", p.code, from, to)} title={t("ageing.statement")}>{p.code}</Link>;
            },
          },
          ...(a?.buckets ?? []).map((b) => ({
            title: t(`bucket.${b}`),
            align: "right" as const,
            render: (_: unknown, p: Record<string, string>) => <span className={b !== "current" && p[b] && !/^0(\.0+)?$/.test(p[b]) ? "ot-alarm-red" : ""}><Money value={p[b]} /></span>,
          })),
          { title: t("ageing.total"), align: "right", render: (_, p) => <strong><Money value={p.total} /></strong> },
        ]}
        summary={() =>
          a ? (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0}>{t("ageing.total")}</Table.Summary.Cell>
              {a.buckets.map((b, i) => (
                <Table.Summary.Cell index={i + 1} key={b} align="right">
                  <Money value={a.totals[b]} />
                </Table.Summary.Cell>
              ))}
              <Table.Summary.Cell index={a.buckets.length + 1} align="right">
                <strong><Money value={a.totals.total} /></strong>
              </Table.Summary.Cell>
            </Table.Summary.Row>
          ) : null
        }
      />
    </Card>
  );
}
