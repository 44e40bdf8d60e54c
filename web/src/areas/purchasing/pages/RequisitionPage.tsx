/** A requisition: header, lines, the approval chain, and once approved the sourcing comparison — every quote per
 * line, the supplier chosen and why (cheapest meeting the needed-by date, then score; or the buyer's override),
 * an override per line — then purchase orders generated in one step (one per supplier). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Select, Space, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";

import { useMe } from "../../../auth/useMe";
import { DocumentPage } from "../../../ui/DocumentPage";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { ApprovalChain } from "../../../ui/ApprovalChain";
import { formatDateTime } from "../../../ui/format";
import { Money, Qty } from "../../../ui/Money";
import { keys, purchasingApi, type Option, type Requisition, type SourcingLine } from "../api";
import "../purchasing.css";

type Line = Requisition["lines"][number];

export default function RequisitionPage() {
  const { prNo = "" } = useParams();
  const { t } = useTranslation("purchasing");
  const { can } = useMe();
  const client = useQueryClient();
  const pr = useQuery({ queryKey: keys.requisition(prNo), queryFn: ({ signal }) => purchasingApi.requisition(prNo, signal) });
  const d = pr.data;
  const refresh = (r: Requisition) => {
    client.setQueryData(keys.requisition(prNo), r);
    void client.invalidateQueries({ queryKey: keys.requisitions });
  };
  const submit = useMutation({ mutationFn: () => purchasingApi.submitRequisition(prNo), onSuccess: refresh });
  const cancel = useMutation({ mutationFn: (reason: string) => purchasingApi.cancelRequisition(prNo, reason), onSuccess: refresh });
  const order = useMutation({
    mutationFn: () => purchasingApi.order_(prNo),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.requisition(prNo) }),
  });
  const buyer = can("purchaser");
  return (
    <DocumentPage<Line>
      title={t("pr.title")}
      number={prNo}
      status={d?.status}
      statusNs="purchasing"
      loading={pr.isPending}
      error={pr.error}
      actions={
        d ? (
          <>
            {buyer && d.status === "draft" ? (
              <Button type="primary" onClick={() => submit.mutate()} loading={submit.isPending}>
                {t("pr.submit")}
              </Button>
            ) : null}
            {buyer && d.status === "approved" ? (
              <Button type="primary" onClick={() => order.mutate()} loading={order.isPending} data-testid="generate-pos">
                {t("pr.generate")}
              </Button>
            ) : null}
            {buyer && ["draft", "submitted", "approved"].includes(d.status) ? (
              <Button
                danger
                onClick={() => {
                  const reason = window.prompt(t("po.cancelReason"));
                  if (reason) cancel.mutate(reason);
                }}
              >
                {t("po.cancel")}
              </Button>
            ) : null}
          </>
        ) : null
      }
      fields={
        d
          ? [
              { label: t("pr.department"), value: d.department },
              { label: t("pr.requester"), value: d.requester },
              { label: t("po.warehouse"), value: d.warehouse_code },
              { label: t("pr.source"), value: t(`pr.sources.${d.source}`, { defaultValue: d.source }) },
              { label: t("col.gross"), value: <Money value={d.amount} currency={d.currency} /> },
              { label: t("pr.submittedAt"), value: formatDateTime(d.submitted_at) },
              ...(d.status_reason ? [{ label: t("pr.reason"), value: d.status_reason }] : []),
            ]
          : []
      }
      lines={
        d
          ? {
              rows: d.lines,
              rowKey: (l) => String(l.line_no),
              columns: [
                { title: "#", dataIndex: "line_no" },
                { title: t("col.sku"), dataIndex: "sku" },
                { title: t("col.ordered"), align: "right", render: (_, l) => <Qty value={l.qty} /> },
                { title: t("pr.neededBy"), dataIndex: "needed_by" },
                { title: t("pr.estimate"), align: "right", render: (_, l) => <Money value={l.est_unit_price as string | null} currency={d.currency} /> },
                { title: t("pr.note"), dataIndex: "note" },
              ],
            }
          : undefined
      }
      audit={(d?.audit ?? []).map((a) => ({ at: a.at, who: a.actor, action: a.action, after: a.after ? JSON.stringify(a.after) : null }))}
    >
      {submit.error || cancel.error || order.error ? <ErrorAlert error={submit.error ?? cancel.error ?? order.error} /> : null}
      {order.data ? (
        <Card title={t("pr.generated")}>
          <Space wrap>
            {order.data.po_nos.map((no) => (
              <Link key={no} to={`/purchasing/orders/${no}`}>
                {no}
              </Link>
            ))}
          </Space>
        </Card>
      ) : null}
      {d?.approval ? (
        <Card title={t("po.approval")}>
          <ApprovalChain chain={d.approval} testId="approval-chain" />
        </Card>
      ) : null}
      {d && ["approved", "ordered"].includes(d.status) ? <SourcingCard prNo={prNo} editable={buyer && d.status === "approved"} /> : null}
    </DocumentPage>
  );
}

function SourcingCard({ prNo, editable }: { prNo: string; editable: boolean }) {
  const { t } = useTranslation("purchasing");
  const client = useQueryClient();
  const sourcing = useQuery({ queryKey: keys.sourcing(prNo), queryFn: ({ signal }) => purchasingApi.sourcing(prNo, signal) });
  const override = useMutation({
    mutationFn: ({ line, supplier }: { line: number; supplier: string | null }) => purchasingApi.override(prNo, line, supplier),
    onSuccess: (s) => client.setQueryData(keys.sourcing(prNo), s),
  });
  const why = (l: SourcingLine) => {
    if (!l.chosen) return <Tag color="red">{t("src.noQuote")}</Tag>;
    if (l.overridden) return <Tag color="orange">{t("src.overridden")}</Tag>;
    return <span>{l.chosen.meets_needed_by ? t("src.why") : t("src.whyLate")}</span>;
  };
  return (
    <Card title={t("src.title")} loading={sourcing.isPending} data-testid="sourcing">
      {sourcing.error ? <ErrorAlert error={sourcing.error} /> : null}
      {override.error ? <ErrorAlert error={override.error} /> : null}
      {sourcing.data?.lines.map((l) => {
        const options: Option[] = [...(l.chosen ? [l.chosen] : []), ...l.alternatives.filter((a) => a.quote_id !== l.chosen?.quote_id)];
        return (
          <div key={l.line_no} style={{ marginBottom: 16 }}>
            <Space wrap style={{ marginBottom: 8 }}>
              <Typography.Text strong>
                #{l.line_no} {l.sku} × <Qty value={String(l.qty)} />
              </Typography.Text>
              <span className="ot-muted">{t("src.neededBy", { date: String(l.needed_by) })}</span>
              {why(l)}
              {editable ? (
                <Select
                  size="small"
                  style={{ minWidth: 200 }}
                  aria-label={t("src.override")}
                  placeholder={t("src.override")}
                  value={l.overridden ? l.chosen?.supplier_code : undefined}
                  allowClear
                  onChange={(v: string | undefined) => override.mutate({ line: l.line_no, supplier: v ?? null })}
                  options={options.map((o) => ({ value: o.supplier_code, label: `${o.supplier_code} · ${String(o.unit_price)} ${o.currency}` }))}
                />
              ) : null}
            </Space>
            <Table<Option>
              size="small"
              pagination={false}
              rowKey={(o) => String(o.quote_id)}
              dataSource={options}
              rowClassName={(o) => (o.quote_id === l.chosen?.quote_id ? "pur-chosen" : "")}
              columns={[
                { title: t("col.supplier"), render: (_, o) => <>{o.supplier_code} {o.quote_id === l.chosen?.quote_id ? <Tag color="green">{t("src.chosen")}</Tag> : null}</> },
                { title: t("col.unitPrice"), align: "right", render: (_, o) => <Money value={String(o.unit_price)} currency={o.currency} /> },
                { title: t("src.lead"), render: (_, o) => t("src.days", { days: o.lead_time_days }) },
                { title: t("col.expected"), render: (_, o) => String(o.expected_date) },
                { title: t("src.meets"), render: (_, o) => (o.meets_needed_by ? <Tag color="green">{t("src.yes")}</Tag> : <Tag color="red">{t("src.no")}</Tag>) },
                { title: t("src.score"), render: (_, o) => (o.supplier_score === null || o.supplier_score === undefined ? "—" : String(o.supplier_score)) },
              ]}
            />
          </div>
        );
      })}
      {sourcing.data ? (
        <div className="ot-muted">
          {t("src.split")}: {Object.entries(sourcing.data.split).map(([s, ls]) => `${s} (#${ls.join(", #")})`).join("; ") || "—"}
        </div>
      ) : null}
    </Card>
  );
}
