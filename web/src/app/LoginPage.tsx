import { LockOutlined, UserOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Form, Input, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate, useSearchParams } from "react-router";

import { request } from "../api/client";
import { ME_KEY, rememberRoles, useMe, type Me } from "../auth/useMe";
import { ErrorAlert } from "../ui/ErrorAlert";
import { LanguageSwitch } from "./LanguageSwitch";

interface Credentials {
  username: string;
  password: string;
}

/** Only paths of this console, never another site (an open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export default function LoginPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const { me } = useMe();
  const next = safeNext(params.get("next"));
  const login = useMutation({
    mutationFn: (c: Credentials) => request<{ user: Me }>("POST", "/auth/login", { body: c, allow401: true }),
    onSuccess: (answer) => {
      client.clear();
      client.setQueryData(ME_KEY, answer.user);
      rememberRoles(answer.user);
      void navigate(next, { replace: true });
    },
  });
  if (me) return <Navigate to={next} replace />;
  return (
    <main className="ot-login">
      <div className="ot-login-lang">
        <LanguageSwitch />
      </div>
      <Card className="ot-login-card">
        <Typography.Title level={2}>{t("app.name")}</Typography.Title>
        <Typography.Title level={4} type="secondary">
          {t("login.title")}
        </Typography.Title>
        <Form<Credentials> layout="vertical" onFinish={(v) => login.mutate(v)} requiredMark={false}>
          <Form.Item label={t("login.username")} name="username" rules={[{ required: true, message: t("login.required", { field: t("login.username") }) }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t("login.password")} name="password" rules={[{ required: true, message: t("login.required", { field: t("login.password") }) }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          {login.error ? (
            <div style={{ marginBottom: 16 }}>
              <ErrorAlert error={login.error} />
            </div>
          ) : null}
          <Button type="primary" htmlType="submit" block loading={login.isPending}>
            {t("login.submit")}
          </Button>
        </Form>
      </Card>
    </main>
  );
}
