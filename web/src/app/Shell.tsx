/** The signed-in layout: the side menu of the areas the user's roles see, the header (live status, language,
 * user, sign-out) and the page. */
import { LogoutOutlined, UserOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Badge, Button, Dropdown, Layout, Menu, Result, Spin, Tag, Tooltip, Typography } from "antd";
import { Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Outlet, useLocation, useNavigate } from "react-router";

import { request } from "../api/client";
import { rememberRoles, useMe } from "../auth/useMe";
import { LiveEventsProvider, useLiveEvents } from "../live/useLiveEvents";
import { ErrorBoundary } from "./ErrorBoundary";
import { AREAS } from "./areas";
import { LanguageSwitch } from "./LanguageSwitch";
import { visibleMenu, type VisibleEntry } from "./menu";

function selectedKey(entries: VisibleEntry[], path: string): string[] {
  const best = entries
    .filter((e) => (e.path === "/" ? path === "/" : path === e.path || path.startsWith(`${e.path}/`)))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return best ? [best.key] : [];
}

function Label({ entry }: { entry: VisibleEntry }) {
  const { t } = useTranslation(entry.ns);
  const count = entry.useBadge?.() ?? 0;
  return (
    <span>
      {t(entry.label)}{" "}
      {entry.useBadge ? (
        <span data-testid={`badge-${entry.key}`} data-count={count}>
          {count ? <Badge count={count} size="small" /> : null}
        </span>
      ) : null}
    </span>
  );
}

function LiveDot() {
  const { t } = useTranslation();
  const { connected } = useLiveEvents();
  return (
    <Tooltip title={connected ? t("app.live") : t("app.offline")}>
      <Badge status={connected ? "success" : "default"} data-testid="live" data-connected={connected} aria-label={connected ? t("app.live") : t("app.offline")} />
    </Tooltip>
  );
}

export function Shell() {
  const { t } = useTranslation();
  const { me, loading } = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [collapsed, setCollapsed] = useState(false);
  if (loading) return <Spin fullscreen tip={t("app.loading")} />;
  if (!me) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  const entries = visibleMenu(AREAS, me.roles);
  const logout = async () => {
    try {
      await request("POST", "/auth/logout", { allow401: true });
    } finally {
      client.clear();
      rememberRoles(null);
      void navigate("/login", { replace: true });
    }
  };
  return (
    <LiveEventsProvider enabled>
      <a className="ot-skip" href="#main">
        {t("app.skip")}
      </a>
      <Layout className="ot-shell">
        <Layout.Sider collapsible collapsed={collapsed} onCollapse={setCollapsed} breakpoint="lg" theme="light" width={208}>
          <div className="ot-brand">{collapsed ? "OT" : t("app.short")}</div>
          <nav aria-label="menu" data-testid="menu">
            <Menu
              mode="inline"
              selectedKeys={selectedKey(entries, location.pathname)}
              items={entries.map((e) => ({ key: e.key, icon: e.icon, label: <Label entry={e} />, "data-menu": e.key }))}
              onClick={({ key }) => void navigate(entries.find((e) => e.key === key)?.path ?? "/")}
            />
          </nav>
        </Layout.Sider>
        <Layout>
          <Layout.Header className="ot-header">
            <Typography.Text strong className="ot-header-title">
              {t("app.name")}
            </Typography.Text>
            <div className="ot-header-tools">
              <LiveDot />
              <LanguageSwitch />
              <Dropdown
                menu={{
                  items: [
                    { key: "roles", label: me.roles.map((r) => <Tag key={r}>{t(`roles.${r}`, { defaultValue: r })}</Tag>), disabled: true },
                    { key: "logout", icon: <LogoutOutlined />, label: t("app.logout"), onClick: () => void logout() },
                  ],
                }}
              >
                <Button type="text" icon={<UserOutlined />} data-testid="user">
                  {me.display_name || me.username}
                </Button>
              </Dropdown>
            </div>
          </Layout.Header>
          <Layout.Content id="main" className="ot-content">
            <ErrorBoundary key={location.pathname}>
              <Suspense fallback={<Spin size="large" className="ot-page-spin" />}>
                <Outlet />
              </Suspense>
            </ErrorBoundary>
          </Layout.Content>
        </Layout>
      </Layout>
    </LiveEventsProvider>
  );
}

/** A page a role may not open: the menu hides it, the server refuses its API; a direct link lands here. */
export function Forbidden() {
  const { t } = useTranslation();
  return <Result status="403" title="403" subTitle={t("app.forbidden")} />;
}
