/** The board's bulk cancel: one reason for the selected orders, each cancelled on the server (which refuses
 * those past the point of cancelling; their error is shown). */
import { useQueryClient } from "@tanstack/react-query";
import { App, Button, Input, Modal } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ErrorAlert } from "../../../ui/ErrorAlert";
import { ORDERS, salesApi, type OrderRow } from "../api";

export default function BulkCancel({ orders, done }: { orders: OrderRow[]; done: () => void }) {
  const { t } = useTranslation("sales");
  const { message } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    const failed: string[] = [];
    for (const o of orders) {
      try {
        await salesApi.cancel(o.order_no, reason);
      } catch (e) {
        failed.push(o.order_no);
        setError(e);
      }
    }
    setBusy(false);
    void client.invalidateQueries({ queryKey: ORDERS });
    if (failed.length === 0) {
      void message.success(t("bulk.cancelled", { count: orders.length }));
      setOpen(false);
      done();
    }
  };
  return (
    <>
      <Button danger onClick={() => setOpen(true)}>
        {t("bulk.cancel")}
      </Button>
      <Modal open={open} title={t("bulk.cancelTitle", { count: orders.length })} onOk={() => void run()} okButtonProps={{ disabled: !reason.trim(), loading: busy, danger: true }} onCancel={() => setOpen(false)}>
        <label htmlFor="bulk-reason">{t("action.reason")}</label>
        <Input.TextArea id="bulk-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={3} />
        {error ? <ErrorAlert error={error} /> : null}
      </Modal>
    </>
  );
}
