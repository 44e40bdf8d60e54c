/** The notification inbox: what was sent to me and my roles, newest first, unread bold; mark one or all read;
 * live (a new alert re-reads it and the menu's unread badge). Titles in the language chosen. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Badge, Button, Card, List, Segmented, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ErrorAlert } from "../../../ui/ErrorAlert";
import { formatDateTime } from "../../../ui/format";
import { casesApi, keys, type InboxItem } from "../api";

export default function Inbox() {
  const { t, i18n } = useTranslation("cases");
  const client = useQueryClient();
  const [unread, setUnread] = useState(false);
  const inbox = useQuery({ queryKey: [...keys.inbox, unread], queryFn: ({ signal }) => casesApi.inbox(unread, signal) });
  const done = () => {
    void client.invalidateQueries({ queryKey: keys.inbox });
    void client.invalidateQueries({ queryKey: keys.unread });
  };
  const read = useMutation({ mutationFn: (id: number) => casesApi.read(id), onSuccess: done });
  const readAll = useMutation({ mutationFn: () => casesApi.readAll(), onSuccess: done });
  const en = i18n.language.startsWith("en");
  return (
    <Card
      title={<Typography.Title level={4} style={{ margin: 0 }}>{t("inbox.title")}</Typography.Title>}
      extra={
        <Space wrap>
          <Segmented value={unread ? "unread" : "all"} onChange={(v) => setUnread(v === "unread")} options={[{ value: "all", label: t("inbox.all") }, { value: "unread", label: t("inbox.unread") }]} />
          <Button onClick={() => readAll.mutate()} loading={readAll.isPending}>
            {t("inbox.readAll")}
          </Button>
        </Space>
      }
    >
      {inbox.error ? <ErrorAlert error={inbox.error} /> : null}
      <List<InboxItem>
        loading={inbox.isPending}
        dataSource={inbox.data ?? []}
        locale={{ emptyText: t("inbox.empty") }}
        renderItem={(item) => (
          <List.Item
            actions={item.read ? [] : [<Button key="read" size="small" type="link" onClick={() => read.mutate(item.id)}>{t("inbox.markRead")}</Button>]}
            data-unread={String(!item.read)}
          >
            <List.Item.Meta
              title={
                <Space wrap>
                  {item.read ? null : <Badge status="processing" />}
                  <span style={{ fontWeight: item.read ? 400 : 600 }}>{en ? item.title_en : item.title_zh}</span>
                  <Tag color={item.severity === "critical" ? "red" : item.severity === "warning" ? "orange" : "blue"}>{t(`severity.${item.severity}`, { defaultValue: item.severity })}</Tag>
                  {item.case_no ? <Link to={`/cases/${item.case_no}`}>{item.case_no}</Link> : null}
                </Space>
              }
              description={
                <>
                  <div>{en ? item.body_en : item.body_zh}</div>
                  <div className="ot-muted">{formatDateTime(item.created_at)}</div>
                </>
              }
            />
          </List.Item>
        )}
      />
    </Card>
  );
}
