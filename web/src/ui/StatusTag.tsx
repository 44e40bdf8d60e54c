/** One colour per document state (red for anomalies), the label from the area's `status.<state>` keys, falling
 * back to common's. */
import { Tag } from "antd";
import { useTranslation } from "react-i18next";

const RED = new Set(["rejected", "failed", "overdue", "breached", "on_hold", "variance", "dead", "short", "over"]);
const AMBER = new Set(["backordered", "pending_approval", "awaiting_credit", "low", "escalated", "partially_shipped", "partially_received"]);
const GREEN = new Set(["confirmed", "shipped", "delivered", "invoiced", "paid", "closed", "received", "posted", "resolved", "approved", "settled"]);
const GREY = new Set(["cancelled", "void", "voided", "draft"]);

export function statusColour(status: string | null | undefined): string {
  if (!status) return "default";
  if (RED.has(status)) return "red";
  if (AMBER.has(status)) return "orange";
  if (GREEN.has(status)) return "green";
  if (GREY.has(status)) return "default";
  return "blue";
}

export function StatusTag({ status, ns }: { status: string | null | undefined; ns?: string }) {
  const { t } = useTranslation(ns ? [ns, "common"] : "common");
  if (!status) return null;
  return (
    <Tag color={statusColour(status)} data-status={status}>
      {t(`status.${status}`, { ns: ns ? [ns, "common"] : "common", defaultValue: status })}
    </Tag>
  );
}
