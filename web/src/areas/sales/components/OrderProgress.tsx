import { memo } from "react";
import { useTranslation } from "react-i18next";

import { ProgressSteps } from "../../../ui/ProgressSteps";
import { alarmOf } from "../alarm";
import type { OrderDetail, OrderRow } from "../api";

/** An order's progress bar with its alarm (compact on the board). Memoised: a board re-rendered with the same
 * rows (a filter changed, the previous page shown while the next loads) leaves its bars alone. */
export const OrderProgress = memo(function OrderProgress({ order, compact }: { order: OrderRow | OrderDetail; compact?: boolean }) {
  const { t } = useTranslation("sales");
  const steps = order.progress ?? [];
  return (
    <ProgressSteps
      steps={steps}
      alarm={alarmOf(order, t)}
      ended={order.status === "cancelled" || order.status === "rejected"}
      compact={compact}
    />
  );
});
