/** An exception case: what happened (subject, type, severity), its SLA, who owns it; assign to a role or a
 * person, comment, escalate, resolve with a resolution, close; comments, history and linked documents. Who may
 * work it is the server's decision (403 otherwise: shown as the server says). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Form, Input, List, Modal, Select, Space } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";

import { useMe } from "../../../auth/useMe";
import { DocumentPage, type LinkedDocument } from "../../../ui/DocumentPage";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { STAFF, casesApi, keys } from "../api";
import { Sla } from "../components/Sla";

const ROLES = ["purchaser", "purchasing_manager", "sales", "sales_manager", "warehouse", "finance", "finance_manager"];

function linkOf(docType: string, id: string): string | undefined {
  if (docType === "purchase_order") return `/purchasing/orders/${id}`;
  if (docType === "sales_order") return `/sales/orders/${id}`;
  if (docType === "bill") return `/finance/bills/${id}`;
  if (docType === "goods_receipt") return `/warehouse/receipts/${id}`;
  return undefined;
}

export default function CasePage() {
  const { caseNo = "" } = useParams();
  const { t } = useTranslation("cases");
  const { can } = useMe();
  const client = useQueryClient();
  const c = useQuery({ queryKey: keys.case(caseNo), queryFn: ({ signal }) => casesApi.one(caseNo, signal), refetchInterval: 60_000 });
  const refresh = () => void client.invalidateQueries({ queryKey: keys.cases });
  const [dialog, setDialog] = useState<"assign" | "resolve" | null>(null);
  const [comment, setComment] = useState("");
  const act = useMutation({
    mutationFn: (f: () => Promise<unknown>) => f(),
    onSuccess: () => {
      setDialog(null);
      setComment("");
      refresh();
    },
  });
  const d = c.data;
  const staff = can(...STAFF.filter((r) => r !== "auditor"));
  const active = d && ["open", "processing", "escalated"].includes(d.state);
  const links: LinkedDocument[] = d
    ? [{ kind: t(`subject.${d.subject_type}`, { defaultValue: d.subject_type }), number: d.subject_id, to: linkOf(d.subject_type, d.subject_id) }, ...d.links.map((l) => ({ kind: t(`subject.${l.doc_type}`, { defaultValue: l.doc_type }), number: l.doc_id, to: linkOf(l.doc_type, l.doc_id) }))]
    : [];
  return (
    <DocumentPage<never>
      title={d?.title ?? t("case.title")}
      number={caseNo}
      status={d?.state}
      statusNs="cases"
      loading={c.isPending}
      error={c.error}
      tags={d ? <Sla seconds={d.sla_seconds_left} breached={d.sla_breached} /> : null}
      actions={
        d && staff ? (
          <>
            {active ? <Button onClick={() => setDialog("assign")}>{t("case.assign")}</Button> : null}
            {active ? <Button onClick={() => act.mutate(() => casesApi.escalate(caseNo, null))}>{t("case.escalate")}</Button> : null}
            {active ? <Button type="primary" onClick={() => setDialog("resolve")}>{t("case.resolve")}</Button> : null}
            {d.state === "resolved" ? <Button type="primary" onClick={() => act.mutate(() => casesApi.close(caseNo))}>{t("case.close")}</Button> : null}
          </>
        ) : null
      }
      fields={
        d
          ? [
              { label: t("col.type"), value: t(`type.${d.case_type}`, { defaultValue: d.case_type }) },
              { label: t("col.severity"), value: t(`severity.${d.severity}`, { defaultValue: d.severity }) },
              { label: t("col.assignee"), value: d.assignee_user ?? (d.assignee_role ? t(`roles.${d.assignee_role}`, { ns: "common", defaultValue: d.assignee_role }) : "—") },
              { label: t("case.level"), value: d.level },
              { label: t("case.due"), value: `${formatDateTime(d.sla_due_at)} (${t("case.hours", { hours: d.sla_hours })})` },
              { label: t("col.opened"), value: formatDateTime(d.opened_at) },
              { label: t("case.description"), value: d.description, span: 3 },
              ...(d.resolution ? [{ label: t("case.resolution"), value: d.resolution, span: 3 }] : []),
            ]
          : []
      }
      links={links}
      timeline={(d?.history ?? []).map((h) => ({ at: h.at, label: t(`status.${h.to_state}`), detail: [h.actor, h.note].filter(Boolean).join(" · "), colour: h.to_state === "escalated" ? "red" : h.to_state === "closed" ? "gray" : "blue" }))}
    >
      {act.error ? <ErrorAlert error={act.error} /> : null}
      <Card title={t("case.comments")}>
        <List
          dataSource={d?.comments ?? []}
          locale={{ emptyText: t("case.noComments") }}
          renderItem={(x) => (
            <List.Item>
              <List.Item.Meta title={`${x.author} · ${formatDateTime(x.at)}`} description={x.body} />
            </List.Item>
          )}
        />
        {staff && d && d.state !== "closed" ? (
          <Space.Compact style={{ width: "100%", marginTop: 8 }}>
            <Input.TextArea rows={2} value={comment} onChange={(e) => setComment(e.target.value)} aria-label={t("case.comment")} placeholder={t("case.comment")} />
            <Button type="primary" disabled={!comment.trim()} onClick={() => act.mutate(() => casesApi.comment(caseNo, comment.trim()))}>
              {t("case.send")}
            </Button>
          </Space.Compact>
        ) : null}
      </Card>
      <AssignDialog open={dialog === "assign"} onClose={() => setDialog(null)} onOk={(v) => act.mutate(() => casesApi.assign(caseNo, v))} />
      <ResolveDialog open={dialog === "resolve"} onClose={() => setDialog(null)} onOk={(v) => act.mutate(() => casesApi.resolve(caseNo, v))} />
    </DocumentPage>
  );
}

function AssignDialog({ open, onClose, onOk }: { open: boolean; onClose: () => void; onOk: (v: { role?: string | null; user?: string | null }) => void }) {
  const { t } = useTranslation("cases");
  const [form] = Form.useForm<{ role?: string; user?: string }>();
  return (
    <Modal open={open} title={t("case.assign")} onCancel={onClose} okText={t("case.assign")} cancelText={t("cancel")} onOk={() => void form.validateFields().then((v) => onOk({ role: v.role ?? null, user: v.user?.trim() || null }))}>
      <Form form={form} layout="vertical">
        <Form.Item name="role" label={t("case.toRole")}>
          <Select allowClear options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`, { ns: "common", defaultValue: r }) }))} />
        </Form.Item>
        <Form.Item name="user" label={t("case.toUser")}>
          <Input />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ResolveDialog({ open, onClose, onOk }: { open: boolean; onClose: () => void; onOk: (resolution: string) => void }) {
  const { t } = useTranslation("cases");
  const [form] = Form.useForm<{ resolution: string }>();
  return (
    <Modal open={open} title={t("case.resolve")} onCancel={onClose} okText={t("case.resolve")} cancelText={t("cancel")} onOk={() => void form.validateFields().then((v) => onOk(v.resolution.trim()))}>
      <Form form={form} layout="vertical">
        <Form.Item name="resolution" label={t("case.resolution")} rules={[{ required: true, message: t("required") }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
