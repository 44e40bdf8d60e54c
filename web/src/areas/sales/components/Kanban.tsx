/** The board's kanban: a column per status (its count from the server), the page's orders as cards, each with
 * its progress bar and alarm. */
import { useQuery } from "@tanstack/react-query";
import { Badge, Card, Empty, Space, Spin, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import type { FilterValues } from "../../../ui/listState";
import { Money } from "../../../ui/Money";
import { formatDateTime } from "../../../ui/format";
import { alarmOf } from "../alarm";
import { ORDERS, STATUSES, orderQuery, salesApi, type OrderRow } from "../api";
import { OrderProgress } from "./OrderProgress";

const COLUMNS = STATUSES.filter((s) => s !== "closed");

export default function Kanban({ rows, loading, filters }: { rows: OrderRow[]; loading: boolean; filters: FilterValues }) {
  const { t } = useTranslation("sales");
  const shown = Array.isArray(filters.status) ? filters.status : filters.status ? [filters.status] : null;
  const rest: FilterValues = { ...filters };
  delete rest.status;
  const counts = useQuery({
    queryKey: [...ORDERS, "counts", rest],
    queryFn: ({ signal }) => salesApi.counts(orderQuery({ filters: rest, sort: null }), signal),
  });
  const columns = COLUMNS.filter((s) => (shown ? shown.includes(s) : true)).filter(
    (s) => shown || (counts.data?.counts[s] ?? 0) > 0 || rows.some((r) => r.status === s),
  );
  return (
    <Spin spinning={loading}>
      {columns.length === 0 ? (
        <Empty description={t("board.empty")} />
      ) : (
        <div className="ot-kanban" data-testid="kanban">
          {columns.map((status) => {
            const cards = rows.filter((r) => r.status === status);
            return (
              <section key={status} className="ot-kanban-column" aria-label={t(`status.${status}`)} data-status={status}>
                <header>
                  <Typography.Text strong>{t(`status.${status}`)}</Typography.Text>{" "}
                  <Badge count={counts.data?.counts[status] ?? cards.length} showZero color={status === "rejected" ? "red" : "blue"} overflowCount={99999} />
                </header>
                <Space orientation="vertical" style={{ width: "100%" }}>
                  {cards.map((o) => {
                    const alarm = alarmOf(o, t);
                    return (
                      <Card key={o.order_no} size="small" className={alarm ? `ot-card-${alarm.level}` : ""} data-order={o.order_no}>
                        <Space orientation="vertical" size={2} style={{ width: "100%" }}>
                          <Space style={{ justifyContent: "space-between", width: "100%" }}>
                            <Link to={`/sales/orders/${o.order_no}`}>{o.order_no}</Link>
                            <Money value={o.gross} currency={o.currency} />
                          </Space>
                          <span className="ot-muted">
                            {o.customer_code} · {formatDateTime(o.placed_at)}
                          </span>
                          {alarm ? <span className={`ot-alarm-${alarm.level}`}>{alarm.reason}</span> : null}
                          <OrderProgress order={o} compact />
                        </Space>
                      </Card>
                    );
                  })}
                  {cards.length === 0 ? <span className="ot-muted">{t("board.notOnPage")}</span> : null}
                </Space>
              </section>
            );
          })}
        </div>
      )}
    </Spin>
  );
}
