/** The 404 page (its own module: the shell's router needs it in the first load, the document page's table not). */
import { Result } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

export function NotFound() {
  const { t } = useTranslation();
  return <Result status="404" title="404" subTitle={t("app.notFound")} extra={<Link to="/">{t("app.home")}</Link>} />;
}
