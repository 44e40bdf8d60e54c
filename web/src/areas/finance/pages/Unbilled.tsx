/** Received, not billed (已入库未开票): goods receipts with no bill yet — received without a purchase order and
 * without a supplier or prices (with the reason given), or not billed yet; their value still sits in GRNI.
 * Re-read when a receipt is posted or a bill made (live), and every half minute. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Card, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { api } from "../../../api/client";
import { useLiveEvents } from "../../../live/useLiveEvents";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { Money, Qty } from "../../../ui/Money";
import { financeApi, keys, type Unbilled as Row } from "../api";

export default function Unbilled() {
  const { t } = useTranslation("finance");
  const client = useQueryClient();
  const list = useQuery({ queryKey: keys.unbilled, queryFn: ({ signal }) => financeApi.receivedNotBilled(signal), refetchInterval: 30_000 });
  useLiveEvents((n) => {
    if (n.entity === "goods_receipt" || n.entity === "bill") void client.invalidateQueries({ queryKey: keys.unbilled });
  });
  return (
    <Card
      title={<Typography.Title level={4} style={{ margin: 0 }}>{t("unbilled.title")}</Typography.Title>}
      extra={
        <a href={api.exportUrl("finance", "/payables/received-not-billed", {}, "xlsx")} download>
          {t("export")}
        </a>
      }
    >
      <Typography.Paragraph className="ot-muted">{t("unbilled.hint")}</Typography.Paragraph>
      {list.error ? <ErrorAlert error={list.error} /> : null}
      <Table<Row>
        size="small"
        loading={list.isPending}
        rowKey={(r) => r.grn_no}
        dataSource={list.data ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: t("unbilled.empty") }}
        rowClassName={(r) => (r.po_no ? "" : "ot-row-warning")}
        data-testid="unbilled"
        expandable={{
          expandedRowRender: (r) => (
            <Table
              size="small"
              rowKey={(l) => String(l.line_no)}
              dataSource={r.lines}
              pagination={false}
              columns={[
                { title: "#", dataIndex: "line_no" },
                { title: t("col.sku"), dataIndex: "sku" },
                { title: t("unbilled.accepted"), align: "right", render: (_, l) => <Qty value={l.qty_accepted} /> },
                { title: t("unbilled.unitCost"), align: "right", render: (_, l) => <Money value={l.unit_cost} /> },
              ]}
            />
          ),
        }}
        columns={[
          { title: t("unbilled.grn"), dataIndex: "grn_no" },
          { title: t("col.po"), render: (_, r) => (r.po_no ? <Link to={`/purchasing/orders/${r.po_no}`}>{r.po_no}</Link> : <Tag color="orange">{t("unbilled.noPo")}</Tag>) },
          { title: t("col.supplier"), render: (_, r) => r.supplier_code ?? "—" },
          { title: t("unbilled.receivedOn"), dataIndex: "received_on" },
          { title: t("unbilled.reason"), render: (_, r) => r.reason ?? "—" },
          { title: t("unbilled.value"), align: "right", render: (_, r) => <Money value={r.value} /> },
        ]}
      />
    </Card>
  );
}
