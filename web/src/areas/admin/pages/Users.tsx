/** Users and roles (admin), from the gateway's admin API: search, create, edit roles and details, deactivate,
 * reset a password; the gateway's audit log. Field errors from the server next to their fields. */
import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Input, Modal, Select, Space, Switch, Table, Tabs, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { Schema } from "../../../api/schemas";
import { applyFieldErrors, ErrorAlert } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { ListPage, type FilterField, type ListColumn } from "../../../ui/ListPage";

type User = Schema<"gateway", "UserRead">;
type Page = Schema<"gateway", "UserPage">;
type AuditRow = { at: string; actor: string; entity: string; entity_id: string; action: string; before?: unknown; after?: unknown };

const USERS = ["gateway", "user"] as const;

function useRoles() {
  return useQuery({ queryKey: ["gateway", "roles"], queryFn: () => api.get<string[]>("gateway", "/roles"), staleTime: Infinity });
}

function UserForm({ user, onDone }: { user?: User; onDone: () => void }) {
  const { t } = useTranslation(["admin", "common"]);
  const { message } = App.useApp();
  const client = useQueryClient();
  const roles = useRoles();
  const [form] = Form.useForm();
  const save = useMutation({
    mutationFn: (v: Record<string, unknown>) =>
      user ? api.patch<User>("gateway", `/users/${encodeURIComponent(user.username)}`, v) : api.post<User>("gateway", "/users", v),
    onSuccess: () => {
      void message.success(t("saved"));
      void client.invalidateQueries({ queryKey: USERS });
      onDone();
    },
    onError: (e) => applyFieldErrors(form, e),
  });
  return (
    <Form form={form} layout="vertical" initialValues={user ?? { roles: [], active: true }} onFinish={(v) => save.mutate(v)} id="user-form">
      {!user ? (
        <Form.Item name="username" label={t("field.username")} rules={[{ required: true, min: 2, message: t("required") }]}>
          <Input autoComplete="off" />
        </Form.Item>
      ) : null}
      <Form.Item name="display_name" label={t("field.display_name")} rules={[{ required: true, message: t("required") }]}>
        <Input />
      </Form.Item>
      <Form.Item name="email" label={t("field.email")} rules={[{ type: "email", message: t("badEmail") }]}>
        <Input />
      </Form.Item>
      <Form.Item name="roles" label={t("field.roles")}>
        <Select mode="multiple" loading={roles.isPending} options={(roles.data ?? []).map((r) => ({ value: r, label: t(`roles.${r}`, { ns: "common" }) }))} />
      </Form.Item>
      {!user ? (
        <Form.Item name="password" label={t("field.password")} rules={[{ required: true, message: t("required") }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      ) : (
        <Form.Item name="active" label={t("field.active")} valuePropName="checked">
          <Switch />
        </Form.Item>
      )}
      <ErrorAlert error={save.error} fields={["username", "display_name", "email", "roles", "password", "active"]} />
      <Space style={{ marginTop: 12 }}>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t("actions.save", { ns: "common" })}
        </Button>
        <Button onClick={onDone}>{t("actions.cancel", { ns: "common" })}</Button>
      </Space>
    </Form>
  );
}

function ResetPassword({ user, onDone }: { user: User; onDone: () => void }) {
  const { t } = useTranslation(["admin", "common"]);
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const reset = useMutation({
    mutationFn: (v: { new_password: string }) => api.post("gateway", `/users/${encodeURIComponent(user.username)}/password`, v),
    onSuccess: () => {
      void message.success(t("passwordReset"));
      onDone();
    },
    onError: (e) => applyFieldErrors(form, e),
  });
  return (
    <Form form={form} layout="vertical" onFinish={(v) => reset.mutate(v)}>
      <Form.Item name="new_password" label={t("field.new_password")} rules={[{ required: true, message: t("required") }]}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <ErrorAlert error={reset.error} fields={["new_password"]} />
      <Button type="primary" htmlType="submit" loading={reset.isPending} style={{ marginTop: 12 }}>
        {t("resetPassword")}
      </Button>
    </Form>
  );
}

function UserList() {
  const { t } = useTranslation(["admin", "common"]);
  const roles = useRoles();
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const columns: ListColumn<User>[] = [
    { key: "username", title: t("field.username") },
    { key: "display_name", title: t("field.display_name") },
    { key: "email", title: t("field.email"), render: (_, u) => u.email ?? "—" },
    { key: "roles", title: t("field.roles"), render: (_, u) => u.roles.map((r) => <Tag key={r}>{t(`roles.${r}`, { ns: "common" })}</Tag>) },
    { key: "active", title: t("field.active"), render: (_, u) => (u.active ? <Tag color="green">{t("active")}</Tag> : <Tag>{t("inactive")}</Tag>) },
    {
      key: "actions",
      title: "",
      render: (_, u) => (
        <Space>
          <Button size="small" onClick={() => setEditing(u)}>
            {t("actions.edit", { ns: "common" })}
          </Button>
          <Button size="small" onClick={() => setResetting(u)}>
            {t("resetPassword")}
          </Button>
        </Space>
      ),
    },
  ];
  const filters: FilterField[] = [
    { name: "q", label: t("search"), kind: "text" },
    { name: "role", label: t("field.roles"), kind: "select", options: (roles.data ?? []).map((r) => ({ value: r, label: t(`roles.${r}`, { ns: "common" }) })) },
    { name: "active", label: t("field.active"), kind: "select", options: [{ value: "true", label: t("active") }, { value: "false", label: t("inactive") }] },
  ];
  return (
    <>
      <ListPage<User>
        id="admin-users"
        title={t("users")}
        queryKey={[...USERS, "list"]}
        fetch={async (p, signal) => {
          const page = await api.get<Page>("gateway", "/users", { query: { ...p.filters, limit: p.limit - 1, offset: p.offset } as never, signal });
          return { items: page.items, total: page.total };
        }}
        columns={columns}
        rowKey={(u) => u.username}
        filters={filters}
        rowState={(u) => (u.active ? undefined : "muted")}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")}>
            {t("newUser")}
          </Button>
        }
      />
      <Modal open={editing !== null} title={editing === "new" ? t("newUser") : t("editUser", { name: editing?.username })} footer={null} onCancel={() => setEditing(null)} destroyOnHidden>
        {editing !== null ? <UserForm user={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} /> : null}
      </Modal>
      <Modal open={resetting !== null} title={t("resetPasswordOf", { name: resetting?.username })} footer={null} onCancel={() => setResetting(null)} destroyOnHidden>
        {resetting ? <ResetPassword user={resetting} onDone={() => setResetting(null)} /> : null}
      </Modal>
    </>
  );
}

function AuditLog() {
  const { t } = useTranslation("admin");
  const [page, setPage] = useState(1);
  const audit = useQuery({
    queryKey: ["gateway", "audit", page],
    queryFn: () => api.get<{ items: AuditRow[]; total: number }>("gateway", "/audit", { query: { limit: 20, offset: (page - 1) * 20 } }),
  });
  return (
    <>
      <ErrorAlert error={audit.error} />
      <Table<AuditRow>
        size="small"
        loading={audit.isPending}
        dataSource={audit.data?.items ?? []}
        rowKey={(a, i) => `${a.at}-${i}`}
        pagination={{ current: page, pageSize: 20, total: audit.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t("audit.at"), dataIndex: "at", render: (v: string) => formatDateTime(v), width: 180 },
          { title: t("audit.actor"), dataIndex: "actor" },
          { title: t("audit.entity"), render: (_, a) => `${a.entity} ${a.entity_id}` },
          { title: t("audit.action"), dataIndex: "action" },
          { title: t("audit.after"), dataIndex: "after", render: (v: unknown) => (v ? JSON.stringify(v).slice(0, 120) : "") },
        ]}
      />
    </>
  );
}

export default function Users() {
  const { t } = useTranslation("admin");
  return <Tabs items={[{ key: "users", label: t("users"), children: <UserList /> }, { key: "audit", label: t("auditLog"), children: <AuditLog /> }]} />;
}
