import { GlobalOutlined } from "@ant-design/icons";
import { Select } from "antd";
import { useTranslation } from "react-i18next";

import { setLanguage, type Language } from "./i18n";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <Select<Language>
      aria-label={t("app.language")}
      data-testid="language"
      value={i18n.language as Language}
      onChange={(lang) => void setLanguage(lang)}
      suffixIcon={<GlobalOutlined />}
      variant="borderless"
      options={[
        { value: "zh-CN", label: "简体中文" },
        { value: "en", label: "English" },
      ]}
      style={{ width: 120 }}
    />
  );
}
