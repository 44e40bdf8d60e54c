/** The order's progress bar 下单 → 审核 → 配货 → 出库 → 发货 → 签收 → 结算: done steps with their time, the
 * current one marked, red (error) or amber (warning) with the reason when the order is in trouble. */
import { Steps } from "antd";
import { memo } from "react";
import { useTranslation } from "react-i18next";

import { formatDateTime } from "./format";
import { HoverTooltip } from "./HoverTooltip";

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
  const stepStatus = (s: ProgressStep, i: number) => (s.done ? "finish" : i === current && !allDone ? status : "wait");
  const label = t("progress.label", { step: allDone ? t("progress.done") : t(`progress.${steps[current]?.key ?? "placed"}`) });
  const className = `ot-progress${compact ? " ot-progress-compact" : ""}${alarm ? ` ot-progress-${alarm.level}` : ""}`;
  const dataCurrent = allDone ? "done" : steps[current]?.key;
  if (compact) {
    // A board row's bar, drawn with plain elements: Ant Design's Steps is ~60 elements and a styled component per
    // bar, and a board of 25 rows spent most of a filter change laying them out. The steps' times are in one
    // tooltip for the bar, mounted the first time the pointer reaches it (not 25 tooltips per page).
    const times = steps.filter((s) => s.at).map((s) => `${t(`progress.${s.key}`)} ${formatDateTime(s.at)}`);
    const bar = (
      <div className={className} data-testid="progress" data-current={dataCurrent} role="img" aria-label={label}>
        <ol className="ot-steps">
          {steps.map((s, i) => (
            <li key={s.key} className={`ot-step ot-step-${stepStatus(s, i)}`} data-step={s.key}>
              <span className="ot-step-dot" />
              <span className="ot-step-title">{t(`progress.${s.key}`)}</span>
            </li>
          ))}
        </ol>
      </div>
    );
    return times.length ? <HoverTooltip title={<div className="ot-progress-times">{times.map((line) => <div key={line}>{line}</div>)}</div>}>{bar}</HoverTooltip> : bar;
  }
  const items = steps.map((s, i) => {
    const here = i === current && !allDone;
    return {
      key: s.key,
      title: t(`progress.${s.key}`),
      content: here && alarm ? <span className={`ot-alarm-${alarm.level}`}>{alarm.reason}</span> : s.at ? formatDateTime(s.at) : "",
      status: stepStatus(s, i) as "error" | "process" | "finish" | "wait",
    };
  });
  return (
    <div className={className} data-testid="progress" data-current={dataCurrent} aria-label={label}>
      <Steps
        type="default"
        size={size === "small" ? "small" : "medium"}
        current={current}
        items={items}
        responsive={false}
        orientation={vertical ? "vertical" : "horizontal"}
      />
    </div>
  );
});
