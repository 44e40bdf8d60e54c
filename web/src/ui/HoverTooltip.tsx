/** A tooltip mounted the first time the pointer or the focus reaches its element: a board's rows each have one,
 * and 25 mounted tooltips (their triggers, refs and effects) cost a filter change more than the rows did. */
import { Tooltip } from "antd";
import { useState, type ReactElement, type ReactNode } from "react";

export function HoverTooltip({ title, children }: { title: ReactNode; children: ReactElement }) {
  const [armed, setArmed] = useState(false);
  return (
    <div className="ot-tip" onPointerEnter={armed ? undefined : () => setArmed(true)} onFocus={armed ? undefined : () => setArmed(true)}>
      {armed ? (
        <Tooltip title={title} defaultOpen>
          {children}
        </Tooltip>
      ) : (
        children
      )}
    </div>
  );
}
