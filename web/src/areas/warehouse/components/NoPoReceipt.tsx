/** Start a goods receipt without a purchase order (无采购单入库): the reason is required; the supplier is optional
 * (given, with prices, finance makes the payable; without, the receipt waits in "received, not billed"). The
 * server admits only users with both warehouse and purchasing_manager (or admin); others do not see the form. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Button, Card, Form, Input, Select } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { ErrorAlert, applyFieldErrors } from "../../../ui/ErrorAlert";
import { inventoryApi, keys, type NoPoReceiptCreate } from "../api";

export function NoPoReceipt() {
  const { t } = useTranslation("warehouse");
  const navigate = useNavigate();
  const [form] = Form.useForm<NoPoReceiptCreate>();
  const [placed, setPlaced] = useState<string[]>([]);
  const [key] = useState(() => crypto.randomUUID());
  const warehouses = useQuery({ queryKey: keys.warehouses, queryFn: ({ signal }) => inventoryApi.warehouses(signal), staleTime: 300_000 });
  const start = useMutation({
    mutationFn: (v: NoPoReceiptCreate) => inventoryApi.createReceiptWithoutPo({ warehouse_code: v.warehouse_code, supplier_code: v.supplier_code?.trim() || null, reason: v.reason.trim() }, key),
    onSuccess: (r) => void navigate(`/warehouse/receipts/${r.grn_no}`),
    onError: (e) => setPlaced(applyFieldErrors(form, e)),
  });
  const active = (warehouses.data ?? []).filter((w) => w.active);
  const only = active.length === 1 ? active[0].code : undefined;
  useEffect(() => {
    if (only && !form.getFieldValue("warehouse_code")) form.setFieldsValue({ warehouse_code: only });
  }, [form, only]);
  return (
    <Card size="small" type="inner" title={t("noPo.title")} style={{ marginTop: 16 }} data-testid="no-po-receipt">
      {start.error ? <ErrorAlert error={start.error} fields={placed} /> : null}
      <Form form={form} layout="vertical" onFinish={(v) => start.mutate(v)}>
        <Form.Item name="warehouse_code" label={t("col.warehouse")} rules={[{ required: true, message: t("required") }]}>
          <Select loading={warehouses.isPending} options={active.map((w) => ({ value: w.code, label: `${w.code} ${w.name}` }))} style={{ maxWidth: 320 }} data-testid="no-po-warehouse" />
        </Form.Item>
        <Form.Item name="supplier_code" label={t("noPo.supplier")} extra={t("noPo.supplierHint")}>
          <Input style={{ maxWidth: 320 }} data-testid="no-po-supplier" />
        </Form.Item>
        <Form.Item name="reason" label={t("noPo.reason")} rules={[{ required: true, whitespace: true, message: t("noPo.reasonRequired") }]}>
          <Input.TextArea rows={2} maxLength={2000} data-testid="no-po-reason" />
        </Form.Item>
        <Button htmlType="submit" loading={start.isPending} data-testid="start-no-po">
          {t("noPo.start")}
        </Button>
      </Form>
    </Card>
  );
}
