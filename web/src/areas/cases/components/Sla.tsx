import { Tag } from "antd";
import { useTranslation } from "react-i18next";

import { slaParts } from "../api";

/** The SLA as the queue shows it: time left, or time over in red once breached. */
export function Sla({ seconds, breached }: { seconds: number | null; breached: boolean }) {
  const { t } = useTranslation("cases");
  if (seconds === null) return <span className="ot-muted">—</span>;
  const { over, hours, minutes } = slaParts(seconds);
  const text = t(over ? "sla.over" : "sla.left", { hours, minutes: String(minutes).padStart(2, "0") });
  if (breached || over) return <Tag color="red" data-sla="breached">{text}</Tag>;
  return <Tag color={seconds < 4 * 3600 ? "orange" : "blue"} data-sla="open">{text}</Tag>;
}
