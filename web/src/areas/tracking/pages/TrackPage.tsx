import { Card, Empty } from "antd";
import { useTranslation } from "react-i18next";

export default function TrackPage() {
  const { t } = useTranslation("tracking");
  return (
    <Card title={t("title")}>
      <Empty description={t("placeholder")} />
    </Card>
  );
}
