/** Why an order is in trouble, and how loud: red for rejected, stuck and overdue orders, amber for backordered. */
import type { TFunction } from "i18next";

import type { Alarm } from "../../ui/ProgressSteps";
import type { RowState } from "../../ui/ListPage";

interface Troubled {
  status: string;
  stuck?: boolean;
  overdue?: boolean;
  rejection_reason?: string | null;
  status_reason?: string | null;
  saga_step?: string | null;
  requested_date?: string | null;
}

export function alarmOf(o: Troubled, t: TFunction): Alarm {
  // "Rejected: …" with the reason when the server gave one, "Rejected" alone when not (no dangling colon)
  const why = (key: string, r: string | null | undefined) =>
    r ? t(`alarm.${key}`, { ns: "sales", reason: t(`reason.${r}`, { ns: "sales", defaultValue: r }) }) : t(`alarm.${key}Bare`, { ns: "sales" });
  if (o.status === "rejected") return { level: "red", reason: why("rejected", o.rejection_reason ?? o.status_reason) };
  if (o.stuck) return { level: "red", reason: t("alarm.stuck", { ns: "sales", step: t(`step.${o.saga_step ?? "unknown"}`, { ns: "sales", defaultValue: o.saga_step ?? "" }) }) };
  if (o.overdue) return { level: "red", reason: t("alarm.overdue", { ns: "sales", date: o.requested_date ?? "" }) };
  if (o.status === "backordered") return { level: "amber", reason: why("backordered", o.status_reason) };
  return null;
}

export function rowStateOf(o: Troubled): RowState {
  if (o.status === "rejected" || o.stuck || o.overdue) return "danger";
  if (o.status === "backordered") return "warning";
  if (o.status === "cancelled") return "muted";
  return undefined;
}
