/** A purchase order's lines as small bars: received (green) and in transit (blue) of ordered, the figures as the
 * server sent them. The bar's width is the only number computed here (a drawing, not a figure shown). */
import { memo } from "react";
import { useTranslation } from "react-i18next";

import { HoverTooltip } from "../../../ui/HoverTooltip";
import { Qty } from "../../../ui/Money";

interface Line {
  line_no: number;
  sku: string;
  qty_ordered: string;
  qty_shipped: string;
  qty_received: string;
  qty_rejected: string;
}

function share(part: string, whole: string): number {
  const w = Number(whole);
  return w > 0 ? Math.min(100, Math.round((Number(part) / w) * 100)) : 0;
}

/** Memoised, with one tooltip for all the lines, mounted on the first hover (a board of 25 orders re-rendered a
 * tooltip per line), and bars of plain elements (Ant Design's Progress is a styled component per line). */
export const LineBars = memo(function LineBars({ lines }: { lines: Line[] }) {
  const { t } = useTranslation("purchasing");
  const tips = lines.map((l) => t("lineTip", { sku: l.sku, ordered: l.qty_ordered, shipped: l.qty_shipped, received: l.qty_received, rejected: l.qty_rejected }));
  return (
    <HoverTooltip title={<div>{tips.map((tip, i) => <div key={lines[i].line_no}>{tip}</div>)}</div>}>
      <div className="pur-lines" data-testid="line-progress">
        {lines.map((l) => {
          const over = Number(l.qty_received) > Number(l.qty_ordered);
          const received = share(l.qty_received, l.qty_ordered);
          return (
            <div className="pur-line" key={l.line_no}>
              <span className="pur-line-sku">{l.sku}</span>
              <div
                className={`pur-bar${over ? " pur-bar-over" : ""}`}
                role="progressbar"
                aria-label={t("lineAria", { sku: l.sku })}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={received}
              >
                <div className="pur-bar-shipped" style={{ width: `${share(l.qty_shipped, l.qty_ordered)}%` }} />
                <div className="pur-bar-received" style={{ width: `${received}%` }} />
              </div>
              <span className="pur-line-figures">
                <Qty value={l.qty_received} />/<Qty value={l.qty_ordered} />
              </span>
            </div>
          );
        })}
      </div>
    </HoverTooltip>
  );
});
