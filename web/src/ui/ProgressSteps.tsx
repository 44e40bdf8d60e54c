/** The order's progress bar 下单 → 审核 → 配货 → 出库 → 发货 → 签收 → 结算: done steps with their time, the
 * current one marked, red (error) or amber (warning) with the reason when the order is in trouble. */
import { Steps, Tooltip } from "antd";
import { memo } from "react";
import { useTranslation } from "react-i18next";

import { formatDateTime } from "./format";

export const PROGRESS_KEYS = ["placed", "approved", "allocated", "outbound", "shipped", "delivered", "settled"] as const;

export interface ProgressStep {
  key: string;
  done: boolean;
  at?: string | null;
}

export type Alarm = { level: "red" | "amber"; reason: string } | null;

export interface ProgressStepsProps {
  steps: ProgressStep[];
  alarm?: Alarm;
  /** A terminal state that ends the bar early (cancelled, rejected): the current step shows it. */
  ended?: boolean;
  size?: "default" | "small";
  /** The compact bar of a board row or card: no times under the titles (in the tooltip instead). */
  compact?: boolean;
  /** Top to bottom (a phone's width). */
  vertical?: boolean;
}

export function currentIndex(steps: ProgressStep[]): number {
  const firstOpen = steps.findIndex((s) => !s.done);
  return firstOpen === -1 ? steps.length - 1 : firstOpen;
}

export const ProgressSteps = memo(function ProgressSteps({ steps, alarm, ended, size = "default", compact = false, vertical = false }: ProgressStepsProps) {
  const { t } = useTranslation();
  const current = currentIndex(steps);
  const allDone = steps.every((s) => s.done);
  const status = alarm?.level === "red" ? "error" : alarm?.level === "amber" || ended ? "error" : allDone ? "finish" : "process";
  const items = steps.map((s, i) => {
    const here = i === current && !allDone;
    return {
      key: s.key,
      title: t(`progress.${s.key}`),
      content: compact ? undefined : here && alarm ? <span className={`ot-alarm-${alarm.level}`}>{alarm.reason}</span> : s.at ? formatDateTime(s.at) : "",
      status: s.done ? ("finish" as const) : here ? (status as "error" | "process" | "finish") : ("wait" as const),
    };
  });
  const bar = (
    <div
      className={`ot-progress${compact ? " ot-progress-compact" : ""}${alarm ? ` ot-progress-${alarm.level}` : ""}`}
      data-testid="progress"
      data-current={allDone ? "done" : steps[current]?.key}
      aria-label={t("progress.label", {
        step: allDone ? t("progress.done") : t(`progress.${steps[current]?.key ?? "placed"}`),
      })}
    >
      <Steps
        type={compact ? "inline" : "default"}
        size={size === "small" || compact ? "small" : "medium"}
        current={current}
        items={items}
        responsive={false}
        orientation={vertical ? "vertical" : "horizontal"}
      />
    </div>
  );
  if (!compact) return bar;
  // A board row's bar: the steps' times in one tooltip for the bar (one per row, not one per step: a board of 25
  // rows rendered 175 tooltips, most of a filter change's time in the browser).
  const times = steps.filter((s) => s.at).map((s) => `${t(`progress.${s.key}`)} ${formatDateTime(s.at)}`);
  return times.length ? <Tooltip title={<div className="ot-progress-times">{times.map((line) => <div key={line}>{line}</div>)}</div>}>{bar}</Tooltip> : bar;
});
