/** A bill: header, lines at PO price × received quantity, and — once the supplier's invoice is registered — the
 * three-way match line by line (PO price vs invoice price, received vs invoiced quantity, the amounts), the side
 * that is off in red. A finance manager releases a held bill with a comment. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Input, Modal, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";

import { useMe } from "../../../auth/useMe";
import { DocumentPage } from "../../../ui/DocumentPage";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { Money, Qty } from "../../../ui/Money";
import { financeApi, keys, type Bill, type MatchLine } from "../api";
import "../finance.css";

type Line = NonNullable<Bill["lines"]>[number];

export default function BillPage() {
  const { billNo = "" } = useParams();
  const { t } = useTranslation("finance");
  const { can } = useMe();
  const client = useQueryClient();
  const bill = useQuery({ queryKey: keys.bill(billNo), queryFn: ({ signal }) => financeApi.bill(billNo, signal) });
  const [releasing, setReleasing] = useState(false);
  const [comment, setComment] = useState("");
  const release = useMutation({
    mutationFn: () => financeApi.release(billNo, comment || null),
    onSuccess: () => {
      setReleasing(false);
      void client.invalidateQueries({ queryKey: keys.bills });
    },
  });
  const d = bill.data;
  const currency = d?.currency ?? "CNY";
  const bad = (flag: boolean) => (flag ? "fin-mismatch" : "");
  return (
    <DocumentPage<Line>
      title={t("bills.one")}
      number={billNo}
      status={d?.status}
      statusNs="finance"
      loading={bill.isPending}
      error={bill.error}
      tags={d?.hold_reason ? <Tag color="red">{t(`hold.${d.hold_reason}`, { defaultValue: d.hold_reason })}</Tag> : null}
      actions={d?.status === "on_hold" && can("finance_manager") ? <Button onClick={() => setReleasing(true)}>{t("bills.release")}</Button> : null}
      fields={
        d
          ? [
              { label: t("col.supplier"), value: d.supplier_code },
              { label: t("col.po"), value: d.po_no ?? "—" },
              { label: t("bills.grn"), value: d.grn_no ?? "—" },
              { label: t("bills.invoiceRef"), value: d.supplier_invoice_ref ?? "—" },
              { label: t("col.issued"), value: d.bill_date },
              { label: t("col.due"), value: d.due_date },
              { label: t("col.gross"), value: <Money value={d.gross} currency={currency} /> },
              { label: t("col.outstanding"), value: <Money value={d.outstanding} currency={currency} /> },
            ]
          : []
      }
      lines={
        d?.lines
          ? {
              rows: d.lines,
              rowKey: (l) => String(l.line_no),
              columns: [
                { title: "#", dataIndex: "line_no" },
                { title: t("col.sku"), dataIndex: "sku" },
                { title: t("col.qty"), align: "right", render: (_, l) => <Qty value={l.qty} /> },
                { title: t("col.unitPrice"), align: "right", render: (_, l) => <Money value={l.unit_price} currency={currency} /> },
                { title: t("col.net"), align: "right", render: (_, l) => <Money value={l.net} currency={currency} /> },
              ],
            }
          : undefined
      }
      links={d ? [...(d.po_no ? [{ kind: t("col.po"), number: d.po_no, to: `/purchasing/orders/${d.po_no}` }] : []), ...(d.grn_no ? [{ kind: t("bills.grn"), number: d.grn_no, to: `/warehouse/receipts/${d.grn_no}` }] : [])] : undefined}
    >
      {release.error ? <ErrorAlert error={release.error} /> : null}
      {d?.match ? (
        <Card title={t("match.title", { ref: d.match.invoice_ref, tolerance: d.match.tolerance_pct })} data-testid="three-way-match">
          {d.status === "on_hold" ? <Alert type="error" showIcon title={t("match.held", { reason: t(`hold.${d.hold_reason ?? ""}`, { defaultValue: d.hold_reason ?? "" }) })} style={{ marginBottom: 12 }} /> : null}
          <Table<MatchLine>
            size="small"
            rowKey={(l) => String(l.line_no)}
            dataSource={d.match.lines}
            pagination={false}
            scroll={{ x: "max-content" }}
            rowClassName={(l) => (l.price_mismatch || l.qty_mismatch ? "ot-row-danger" : "")}
            columns={[
              { title: "#", dataIndex: "line_no" },
              { title: t("col.sku"), dataIndex: "sku" },
              { title: t("match.poPrice"), align: "right", render: (_, l) => <Money value={l.po_unit_price} currency={currency} /> },
              { title: t("match.invoicePrice"), align: "right", onCell: (l) => ({ className: bad(l.price_mismatch) }), render: (_, l) => <Money value={l.invoice_unit_price} currency={currency} /> },
              { title: t("match.received"), align: "right", render: (_, l) => <Qty value={l.qty_received} /> },
              { title: t("match.invoiced"), align: "right", onCell: (l) => ({ className: bad(l.qty_mismatch) }), render: (_, l) => <Qty value={l.qty_invoiced} /> },
              { title: t("match.expected"), align: "right", render: (_, l) => <Money value={l.amount_expected} currency={currency} /> },
              { title: t("match.amountInvoiced"), align: "right", onCell: (l) => ({ className: bad(l.price_mismatch || l.qty_mismatch) }), render: (_, l) => <Money value={l.amount_invoiced} currency={currency} /> },
              {
                title: t("match.verdict"),
                render: (_, l) =>
                  l.price_mismatch || l.qty_mismatch ? (
                    <>
                      {l.price_mismatch ? <Tag color="red">{t("match.price")}</Tag> : null}
                      {l.qty_mismatch ? <Tag color="red">{t("match.qty")}</Tag> : null}
                    </>
                  ) : (
                    <Tag color="green">{t("match.ok")}</Tag>
                  ),
              },
            ]}
          />
        </Card>
      ) : d ? (
        <Card title={t("match.none")} />
      ) : null}
      <Modal open={releasing} title={t("bills.release")} onCancel={() => setReleasing(false)} onOk={() => release.mutate()} confirmLoading={release.isPending} okText={t("bills.release")} cancelText={t("cancel")}>
        <p>{t("bills.releaseHint")}</p>
        <Input.TextArea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} aria-label={t("bills.comment")} placeholder={t("bills.comment")} />
      </Modal>
    </DocumentPage>
  );
}
