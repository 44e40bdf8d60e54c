import { Card, Empty } from "antd";
import { useTranslation } from "react-i18next";

/** A placeholder until the area is built. */
export default function Home() {
  const { t } = useTranslation("purchasing");
  return (
    <Card title={t("menu.home")}>
      <Empty description={t("placeholder")} />
    </Card>
  );
}
