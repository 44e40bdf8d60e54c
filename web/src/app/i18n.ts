/** i18next with one namespace per area (web/src/areas/<area>/locales/{zh-CN,en}.json) and `common` for the
 * shell and ui/ (web/src/app/locales). zh-CN by default; the choice is remembered in localStorage. */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";

export const LANGUAGES = ["zh-CN", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_KEY = "ot.language";

type Messages = Record<string, unknown>;
const files = import.meta.glob<Messages>(["./locales/*.json", "../areas/*/locales/*.json"], {
  eager: true,
  import: "default",
});

export function resources(): Record<Language, Record<string, Messages>> {
  const out: Record<string, Record<string, Messages>> = { "zh-CN": {}, en: {} };
  for (const [path, messages] of Object.entries(files)) {
    const m = /(?:areas\/([^/]+)\/)?locales\/([^/]+)\.json$/.exec(path);
    if (!m) continue;
    const [, area, lang] = m;
    (out[lang] ??= {})[area ?? "common"] = messages;
  }
  return out as Record<Language, Record<string, Messages>>;
}

export function storedLanguage(): Language {
  const saved = typeof localStorage !== "undefined" ? localStorage.getItem(LANGUAGE_KEY) : null;
  return (LANGUAGES as readonly string[]).includes(saved ?? "") ? (saved as Language) : "zh-CN";
}

export function setLanguage(lang: Language): void {
  localStorage.setItem(LANGUAGE_KEY, lang);
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

void i18n.use(initReactI18next).init({
  resources: resources(),
  lng: storedLanguage(),
  fallbackLng: "zh-CN",
  defaultNS: "common",
  ns: ["common"],
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
});
if (typeof document !== "undefined") document.documentElement.lang = storedLanguage();

export default i18n;
