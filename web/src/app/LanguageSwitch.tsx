/** The language switch of the header and the sign-in page: a menu (not a Select: the shell's first load stays
 * without the select machinery). The choice is remembered (i18n.ts). */
import { DownOutlined, GlobalOutlined } from "@ant-design/icons";
import { Button, Dropdown } from "antd";
import { useTranslation } from "react-i18next";

import { LANGUAGES, setLanguage, type Language } from "./i18n";

const NAMES: Record<Language, string> = { "zh-CN": "简体中文", en: "English" };

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const current = (LANGUAGES as readonly string[]).includes(i18n.language) ? (i18n.language as Language) : "zh-CN";
  return (
    <Dropdown
      trigger={["click"]}
      menu={{
        selectable: true,
        selectedKeys: [current],
        items: LANGUAGES.map((lang) => ({ key: lang, label: <span lang={lang}>{NAMES[lang]}</span> })),
        onClick: ({ key }) => void setLanguage(key as Language),
      }}
    >
      <Button type="text" icon={<GlobalOutlined />} aria-label={t("app.language")} data-testid="language">
        <span lang={current}>{NAMES[current]}</span> <DownOutlined />
      </Button>
    </Dropdown>
  );
}
