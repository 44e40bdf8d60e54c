/** Everything waiting for my roles: requisitions, purchase orders and sales orders at the level my role decides;
 * the approval chain of each; approve or reject with a comment (a rejection needs one). Live: a notice about one
 * of these documents re-reads the inbox. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Empty, Form, Input, Modal, Space, Table, Tag, Typography, message } from "antd";
import type { TableColumnsType } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { useMe } from "../../../auth/useMe";
import { useLiveEvents } from "../../../live/useLiveEvents";
import { ApprovalChain } from "../../../ui/ApprovalChain";
import { ErrorAlert, applyFieldErrors } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { Money } from "../../../ui/Money";
import { INBOX_KEY, decide, documentLink, fetchChain, fetchWaiting, type Waiting } from "../api";

const ENTITIES = new Set(["requisition", "purchase_order", "sales_order"]);

export default function Inbox() {
  const { t } = useTranslation("approvals");
  const { me } = useMe();
  const roles = me?.roles ?? [];
  const client = useQueryClient();
  const inbox = useQuery({ queryKey: [...INBOX_KEY, roles], queryFn: ({ signal }) => fetchWaiting(roles, signal), enabled: !!me });
  useLiveEvents((n) => {
    if (ENTITIES.has(n.entity)) void client.invalidateQueries({ queryKey: INBOX_KEY });
  });
  const [deciding, setDeciding] = useState<{ item: Waiting; decision: "approved" | "rejected" } | null>(null);

  const columns: TableColumnsType<Waiting> = [
    { title: t("col.type"), key: "type", render: (_, w) => <Tag color="blue">{t(`type.${w.document_type}`)}</Tag> },
    { title: t("col.number"), key: "number", render: (_, w) => <Link to={documentLink(w)}>{w.document_no}</Link> },
    { title: t("col.party"), dataIndex: "party" },
    { title: t("col.amount"), key: "amount", align: "right", render: (_, w) => <Money value={w.amount} currency={w.currency} /> },
    { title: t("col.level"), key: "level", render: (_, w) => t("levelOf", { level: w.level, levels: w.levels, role: t(`roles.${w.role}`, { ns: "common", defaultValue: w.role }) }) },
    { title: t("col.requester"), dataIndex: "requester" },
    { title: t("col.requestedAt"), key: "at", render: (_, w) => formatDateTime(w.requested_at) },
    {
      title: t("col.actions"),
      key: "actions",
      render: (_, w) => (
        <Space>
          <Button type="primary" size="small" onClick={() => setDeciding({ item: w, decision: "approved" })} data-testid={`approve-${w.document_no}`}>
            {t("approve")}
          </Button>
          <Button danger size="small" onClick={() => setDeciding({ item: w, decision: "rejected" })} data-testid={`reject-${w.document_no}`}>
            {t("reject")}
          </Button>
        </Space>
      ),
    },
  ];

  return (
    <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t("title")}</Typography.Title>} extra={<span className="ot-muted">{t("count", { count: inbox.data?.length ?? 0 })}</span>}>
      {inbox.error ? <ErrorAlert error={inbox.error} /> : null}
      <Table<Waiting>
        rowKey={(w) => `${w.document_type}:${w.document_no}`}
        columns={columns}
        dataSource={inbox.data ?? []}
        loading={inbox.isPending}
        pagination={{ pageSize: 25, hideOnSinglePage: true }}
        scroll={{ x: "max-content" }}
        expandable={{ expandedRowRender: (w) => <Chain item={w} /> }}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
      />
      {deciding ? <DecisionModal {...deciding} onClose={() => setDeciding(null)} /> : null}
    </Card>
  );
}

function Chain({ item }: { item: Waiting }) {
  const { t } = useTranslation("approvals");
  const chain = useQuery({ queryKey: ["approvals", "chain", item.document_type, item.document_no], queryFn: ({ signal }) => fetchChain(item, signal) });
  if (chain.error) return <ErrorAlert error={chain.error} />;
  const approval = chain.data;
  // Before the chain has loaded: the levels the inbox row tells (this one waiting).
  const shown = approval ?? { levels: Array.from({ length: item.levels }, (_, i) => (i + 1 === item.level ? item.role : "?")), current_level: item.level, decisions: [] };
  return (
    <div data-testid={`chain-${item.document_no}`}>
      <ApprovalChain chain={shown} />
      <div className="ot-muted" style={{ marginTop: 8 }}>
        {t("requestedBy", { who: item.requester, at: formatDateTime(item.requested_at) })}
      </div>
    </div>
  );
}

function DecisionModal({ item, decision, onClose }: { item: Waiting; decision: "approved" | "rejected"; onClose: () => void }) {
  const { t } = useTranslation("approvals");
  const [form] = Form.useForm<{ comment: string }>();
  const client = useQueryClient();
  const [placed, setPlaced] = useState<string[]>([]);
  const mutation = useMutation({
    mutationFn: (comment: string) => decide(item, decision, comment),
    onSuccess: () => {
      void message.success(t(decision === "approved" ? "approvedOk" : "rejectedOk", { no: item.document_no }));
      void client.invalidateQueries({ queryKey: INBOX_KEY });
      void client.invalidateQueries({ queryKey: [item.document_type === "sales_order" ? "sales" : "purchasing", item.document_type] });
      onClose();
    },
    onError: (e) => setPlaced(applyFieldErrors(form, e)),
  });
  return (
    <Modal
      open
      title={t(decision === "approved" ? "approveTitle" : "rejectTitle", { no: item.document_no })}
      okText={t(decision === "approved" ? "approve" : "reject")}
      okButtonProps={{ danger: decision === "rejected", loading: mutation.isPending, id: "confirm-decision" }}
      cancelText={t("cancel")}
      onCancel={onClose}
      onOk={() => void form.validateFields().then((v) => mutation.mutate(v.comment ?? ""))}
    >
      {mutation.error ? <ErrorAlert error={mutation.error} fields={placed} /> : null}
      <Form form={form} layout="vertical">
        <Form.Item name="comment" label={t("comment")} rules={decision === "rejected" ? [{ required: true, message: t("commentRequired") }] : []}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
