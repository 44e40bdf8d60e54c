/** Goods receipt, step 1: scan (or type) the purchase order's number, see what is still to come, start the receipt
 * (入库单) — then its page takes the scans. Users who may (warehouse and purchasing manager, or admin) can also
 * start a receipt without a purchase order, with its reason. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Button, Card, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { useMe } from "../../../auth/useMe";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { Qty } from "../../../ui/Money";
import { inventoryApi, scanMessage } from "../api";
import { NoPoReceipt } from "../components/NoPoReceipt";
import { ScanInput } from "../components/ScanInput";
import "../warehouse.css";

export default function Receive() {
  const { t } = useTranslation("warehouse");
  const navigate = useNavigate();
  const { me } = useMe();
  const roles = me?.roles ?? [];
  const withoutPo = roles.includes("admin") || (roles.includes("warehouse") && roles.includes("purchasing_manager"));
  const [poNo, setPoNo] = useState<string | null>(null);
  const po = useQuery({ queryKey: ["inventory", "purchase_order", poNo], queryFn: ({ signal }) => inventoryApi.po(poNo ?? "", signal), enabled: !!poNo, retry: false });
  const start = useMutation({ mutationFn: () => inventoryApi.createReceipt(poNo ?? ""), onSuccess: (r) => void navigate(`/warehouse/receipts/${r.grn_no}`) });
  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t("receive.title")}</Typography.Title>}>
      <ScanInput
        label={t("receive.scanPo")}
        onScan={async (code) => {
          try {
            await inventoryApi.po(code);
            setPoNo(code);
            return { ok: true, message: t("receive.poFound") };
          } catch (e) {
            return { ok: false, message: scanMessage(t, e) };
          }
        }}
      />
      {po.error ? <ErrorAlert error={po.error} /> : null}
      {po.data ? (
        <>
          <Typography.Paragraph>
            {t("receive.po", { po: po.data.po_no, supplier: po.data.supplier_code, warehouse: po.data.warehouse_code, tolerance: po.data.tolerance_pct })}
          </Typography.Paragraph>
          <Table
            size="small"
            className="wh-lines"
            rowKey={(l) => String(l.line_no)}
            dataSource={po.data.lines}
            pagination={false}
            scroll={{ x: "max-content" }}
            columns={[
              { title: "#", dataIndex: "line_no" },
              { title: t("col.sku"), dataIndex: "sku" },
              { title: t("col.ordered"), align: "right", render: (_, l) => <Qty value={l.qty} /> },
              { title: t("col.receivedBefore"), align: "right", render: (_, l) => <Qty value={l.qty_received} /> },
            ]}
          />
          {start.error ? <ErrorAlert error={start.error} /> : null}
          <div className="wh-actions">
            <Button type="primary" size="large" onClick={() => start.mutate()} loading={start.isPending} data-testid="start-receipt">
              {t("receive.start")}
            </Button>
          </div>
        </>
      ) : null}
      {withoutPo ? <NoPoReceipt /> : null}
    </Card>
  );
}
