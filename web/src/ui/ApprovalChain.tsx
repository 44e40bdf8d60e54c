/** A document's approval chain (多级审批): one step per level with its approver role; each decided level shows who
 * decided, when (Asia/Shanghai) and the comment; the waiting level is marked. The same for requisitions, purchase
 * orders and sales orders (libs/approvals' ApprovalRead). */
import { Steps } from "antd";
import { useTranslation } from "react-i18next";

import { formatDateTime } from "./format";

export interface ChainDecision {
  level: number;
  role: string;
  decided_by: string;
  decision: string;
  comment: string | null;
  decided_at: string;
}

export interface Chain {
  levels: string[];
  current_level: number | null;
  decisions: ChainDecision[];
}

export function ApprovalChain({ chain, testId }: { chain: Chain; testId?: string }) {
  const { t } = useTranslation();
  const current = chain.current_level;
  return (
    <div data-testid={testId}>
      <Steps
        size="small"
        current={(current ?? chain.levels.length + 1) - 1}
        items={chain.levels.map((role, i) => {
          const d = chain.decisions.find((x) => x.level === i + 1);
          return {
            key: String(i),
            title: t(`roles.${role}`, { defaultValue: role }),
            status: d ? (d.decision === "approved" ? "finish" : "error") : current === i + 1 ? "process" : "wait",
            content: d ? (
              <span data-testid={`decision-${i + 1}`}>
                {t(`approval.${d.decision}`, { defaultValue: d.decision })} · {d.decided_by} · {formatDateTime(d.decided_at)}
                {d.comment ? ` — ${d.comment}` : ""}
              </span>
            ) : current === i + 1 ? (
              t("approval.waiting")
            ) : undefined,
          };
        })}
      />
    </div>
  );
}
