/** The exception-case queue (异常单): open cases by the time left on their SLA (least first), breached ones red;
 * any state, type, supplier or customer by filter. Re-read every minute (the clock moves) and live. */
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { formatDateTime } from "../../../ui/format";
import { ListPage, type ListColumn } from "../../../ui/ListPage";
import { StatusTag } from "../../../ui/StatusTag";
import { CASE_STATES, casesApi, keys, type Case } from "../api";
import { Sla } from "../components/Sla";

export default function Queue() {
  const { t } = useTranslation("cases");
  const columns: ListColumn<Case>[] = [
    { key: "case_no", title: t("col.case"), render: (_, c) => <Link to={`/cases/${c.case_no}`}>{c.case_no}</Link> },
    { key: "sla", title: t("col.sla"), render: (_, c) => <Sla seconds={c.sla_seconds_left} breached={c.sla_breached} /> },
    { key: "state", title: t("col.state"), render: (_, c) => <StatusTag status={c.state} ns="cases" /> },
    { key: "title", title: t("col.title"), dataIndex: "title" },
    { key: "case_type", title: t("col.type"), render: (_, c) => t(`type.${c.case_type}`, { defaultValue: c.case_type }) },
    { key: "severity", title: t("col.severity"), render: (_, c) => t(`severity.${c.severity}`, { defaultValue: c.severity }) },
    { key: "assignee", title: t("col.assignee"), render: (_, c) => c.assignee_user ?? (c.assignee_role ? t(`roles.${c.assignee_role}`, { ns: "common", defaultValue: c.assignee_role }) : "—") },
    { key: "subject", title: t("col.subject"), render: (_, c) => `${c.subject_type} ${c.subject_id}` },
    { key: "opened_at", title: t("col.opened"), render: (_, c) => formatDateTime(c.opened_at) },
  ];
  return (
    <ListPage<Case>
      id="cases.queue"
      title={t("queue.title")}
      queryKey={keys.cases}
      refetchInterval={60_000}
      fetch={(p, signal) =>
        casesApi.list(
            {
              state: (p.filters.state as string) || undefined,
              active: !p.filters.state,
              case_type: (p.filters.case_type as string) || undefined,
              supplier_code: (p.filters.supplier_code as string) || undefined,
              customer_code: (p.filters.customer_code as string) || undefined,
              sort: p.filters.sort === "opened" ? "opened" : "sla",
              limit: p.limit,
              offset: p.offset,
            },
            signal,
          )
      }
      columns={columns}
      rowKey={(c) => c.case_no}
      rowState={(c) => (c.sla_breached ? "danger" : c.state === "escalated" ? "warning" : c.state === "closed" ? "muted" : c.state === "resolved" ? "success" : undefined)}
      filters={[
        { name: "state", label: t("col.state"), kind: "select", options: CASE_STATES.map((s) => ({ value: s, label: t(`status.${s}`) })) },
        { name: "supplier_code", label: t("col.supplier"), kind: "text" },
        { name: "customer_code", label: t("col.customer"), kind: "text" },
        { name: "sort", label: t("queue.sort"), kind: "select", options: [{ value: "sla", label: t("queue.bySla") }, { value: "opened", label: t("queue.byOpened") }] },
      ]}
      exportFrom={{ service: "notifier", path: "/cases", query: (f) => ({ state: (f.state as string) || undefined, active: !f.state, sort: f.sort === "opened" ? "opened" : "sla" }) }}
    />
  );
}
