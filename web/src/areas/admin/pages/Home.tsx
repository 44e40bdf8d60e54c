import { Card, Empty } from "antd";
import { useTranslation } from "react-i18next";

export default function Home() {
  const { t } = useTranslation("admin");
  return (
    <Card title={t("menu.home")}>
      <Empty description={t("placeholder")} />
    </Card>
  );
}
