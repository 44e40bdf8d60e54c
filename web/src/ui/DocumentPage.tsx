/** A document's page: header (number, state, actions), its fields, the progress, its lines, the timeline with
 * timestamps (Asia/Shanghai), the audit trail and the linked documents. Loading and error states included. */
import { Card, Descriptions, Empty, Skeleton, Space, Table, Timeline, Typography } from "antd";
import type { TableColumnsType } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ErrorAlert } from "./ErrorAlert";
import { formatDateTime, TIME_ZONE } from "./format";
import { StatusTag } from "./StatusTag";

export interface TimelineEntry {
  at: string | null;
  label: ReactNode;
  detail?: ReactNode;
  colour?: "blue" | "green" | "red" | "gray" | "orange";
}

export interface AuditEntry {
  at: string;
  who: string | null;
  action: ReactNode;
  before?: ReactNode;
  after?: ReactNode;
}

export interface LinkedDocument {
  kind: ReactNode;
  number: string;
  to?: string;
  status?: string | null;
  detail?: ReactNode;
}

export interface DocumentPageProps<Line> {
  title: ReactNode;
  number?: string;
  status?: string | null;
  statusNs?: string;
  tags?: ReactNode;
  actions?: ReactNode;
  loading?: boolean;
  error?: unknown;
  fields?: { label: ReactNode; value: ReactNode; span?: number }[];
  progress?: ReactNode;
  lines?: { columns: TableColumnsType<Line>; rows: Line[]; rowKey: (line: Line) => string; title?: ReactNode };
  timeline?: TimelineEntry[];
  audit?: AuditEntry[];
  links?: LinkedDocument[];
  children?: ReactNode;
}

export function DocumentPage<Line extends object>(props: DocumentPageProps<Line>) {
  const { t } = useTranslation();
  if (props.error) {
    return <ErrorAlert error={props.error} />;
  }
  if (props.loading) {
    return (
      <Card>
        <Skeleton active paragraph={{ rows: 8 }} />
      </Card>
    );
  }
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }} className="ot-document">
      <Card>
        <div className="ot-document-head">
          <Space wrap align="center">
            <Typography.Title level={3} style={{ margin: 0 }}>
              {props.title}
            </Typography.Title>
            {props.number ? (
              <Typography.Text copyable className="ot-doc-number" data-testid="document-number">
                {props.number}
              </Typography.Text>
            ) : null}
            <StatusTag status={props.status} ns={props.statusNs} />
            {props.tags}
          </Space>
          {props.actions ? <Space wrap>{props.actions}</Space> : null}
        </div>
        {props.fields?.length ? (
          <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginTop: 16 }} items={props.fields.map((f, i) => ({ key: String(i), label: f.label, children: f.value, span: f.span }))} />
        ) : null}
        {props.progress ? <div style={{ marginTop: 16 }}>{props.progress}</div> : null}
      </Card>
      {props.lines ? (
        <Card title={props.lines.title ?? t("document.lines")}>
          <Table<Line>
            size="small"
            columns={props.lines.columns}
            dataSource={props.lines.rows}
            rowKey={props.lines.rowKey}
            pagination={false}
            scroll={{ x: "max-content" }}
          />
        </Card>
      ) : null}
      {props.children}
      {props.links ? (
        <Card title={t("document.links")}>
          {props.links.length === 0 ? (
            <Empty description={t("document.noLinks")} image={Empty.PRESENTED_IMAGE_SIMPLE} />
          ) : (
            <Descriptions
              size="small"
              column={1}
              items={props.links.map((l, i) => ({
                key: String(i),
                label: l.kind,
                children: (
                  <Space wrap>
                    {l.to ? <Link to={l.to}>{l.number}</Link> : <span>{l.number}</span>}
                    <StatusTag status={l.status} />
                    {l.detail}
                  </Space>
                ),
              }))}
            />
          )}
        </Card>
      ) : null}
      {props.timeline ? (
        <Card title={t("document.timeline")} extra={<span className="ot-muted">{t("document.timeZone", { zone: TIME_ZONE })}</span>}>
          {props.timeline.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
          ) : (
            <Timeline
              items={props.timeline.map((e, i) => ({
                key: String(i),
                color: e.colour ?? "blue",
                content: (
                  <div>
                    <div>
                      <time dateTime={e.at ?? undefined} className="ot-muted">
                        {formatDateTime(e.at)}
                      </time>{" "}
                      <strong>{e.label}</strong>
                    </div>
                    {e.detail ? <div>{e.detail}</div> : null}
                  </div>
                ),
              }))}
            />
          )}
        </Card>
      ) : null}
      {props.audit ? (
        <Card title={t("document.audit")}>
          <Table<AuditEntry>
            size="small"
            dataSource={props.audit}
            rowKey={(a) => `${a.at}-${String(a.action)}`}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            locale={{ emptyText: t("list.empty") }}
            columns={[
              { title: t("document.at"), dataIndex: "at", render: (v: string) => formatDateTime(v), width: 180 },
              { title: t("document.who"), dataIndex: "who", render: (v: string | null) => v ?? t("document.system") },
              { title: t("document.action"), dataIndex: "action" },
              { title: t("document.before"), dataIndex: "before" },
              { title: t("document.after"), dataIndex: "after" },
            ]}
          />
        </Card>
      ) : null}
    </Space>
  );
}
