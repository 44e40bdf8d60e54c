/** The customer's tracking page (public, no sign-in; mobile first): the order's progress with times, the
 * carrier and tracking number once shipped. The link carries the order's tracking token. */
import { useQuery } from "@tanstack/react-query";
import { Alert, Card, Descriptions, Grid, Result, Skeleton, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { useParams, useSearchParams } from "react-router";

import { ApiError, request } from "../../../api/client";
import type { Schema } from "../../../api/schemas";
import { LanguageSwitch } from "../../../app/LanguageSwitch";
import { ErrorAlert } from "../../../ui/ErrorAlert";
import { ProgressSteps } from "../../../ui/ProgressSteps";

type Tracking = Schema<"sales", "TrackingRead">;

export default function TrackPage() {
  const { t } = useTranslation("tracking");
  const { orderNo = "" } = useParams();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const screens = Grid.useBreakpoint();
  const found = useQuery({
    queryKey: ["tracking", orderNo, token],
    queryFn: () => request<Tracking>("GET", `/api/track/${encodeURIComponent(orderNo)}`, { query: { token }, allow401: true }),
    enabled: Boolean(token),
    retry: false,
    refetchInterval: 60_000,
  });
  const missing = !token || (found.error instanceof ApiError && found.error.status === 404);
  const data = found.data;
  return (
    <main className="ot-track">
      <header className="ot-track-head">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t("title")}
        </Typography.Title>
        <LanguageSwitch />
      </header>
      {missing ? (
        <Result status="warning" title={t("notFound")} subTitle={t("notFoundHint")} />
      ) : found.error ? (
        <ErrorAlert error={found.error} />
      ) : !data ? (
        <Card>
          <Skeleton active />
        </Card>
      ) : (
        <Card>
          <Descriptions
            column={1}
            size="small"
            items={[
              { key: "no", label: t("orderNo"), children: <strong data-testid="track-order">{data.order_no}</strong> },
              { key: "status", label: t("status"), children: <span data-testid="track-status">{t(`state.${data.status}`, { defaultValue: data.status })}</span> },
              { key: "carrier", label: t("carrier"), children: data.carrier ?? t("notYet") },
              { key: "tracking", label: t("trackingNo"), children: data.tracking_no ? <Typography.Text copyable>{data.tracking_no}</Typography.Text> : t("notYet") },
            ]}
          />
          {data.ended ? <Alert type="warning" showIcon title={t(`ended.${data.status}`, { defaultValue: t("endedOther") })} style={{ margin: "12px 0" }} /> : null}
          <div style={{ marginTop: 16 }}>
            <ProgressSteps steps={data.steps} ended={data.ended} vertical={!screens.md} />
          </div>
        </Card>
      )}
      <footer className="ot-muted ot-track-foot">{t("footer")}</footer>
    </main>
  );
}
