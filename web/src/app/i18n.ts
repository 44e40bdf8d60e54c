/** i18next with one namespace per area (web/src/areas/<area>/locales/{zh-CN,en}.json) and `common` for the
 * shell and ui/ (web/src/app/locales). zh-CN by default, in the first load; English is its own chunk, loaded
 * before the first render when it is the remembered choice, or when the user switches to it. */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";

export const LANGUAGES = ["zh-CN", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_KEY = "ot.language";

export type Messages = Record<string, unknown>;
const chinese = import.meta.glob<Messages>(["./locales/zh-CN.json", "../areas/*/locales/zh-CN.json"], {
  eager: true,
  import: "default",
});

/** Locale files (path → messages) by namespace: `common` for app/locales, else the area's name. */
export function byNamespace(files: Record<string, Messages>): Record<string, Messages> {
  const out: Record<string, Messages> = {};
  for (const [path, messages] of Object.entries(files)) {
    const m = /(?:areas\/([^/]+)\/)?locales\/[^/]+\.json$/.exec(path);
    if (m) out[m[1] ?? "common"] = messages;
  }
  return out;
}

/** Load a language's messages (English: its chunk, once). */
export async function loadLanguage(lang: Language): Promise<void> {
  if (lang === "zh-CN" || i18n.hasResourceBundle(lang, "common")) return;
  const { ENGLISH } = await import("./english");
  for (const [ns, messages] of Object.entries(byNamespace(ENGLISH))) i18n.addResourceBundle(lang, ns, messages, true, true);
}

export function storedLanguage(): Language {
  const saved = typeof localStorage !== "undefined" ? localStorage.getItem(LANGUAGE_KEY) : null;
  return (LANGUAGES as readonly string[]).includes(saved ?? "") ? (saved as Language) : "zh-CN";
}

export async function setLanguage(lang: Language): Promise<void> {
  localStorage.setItem(LANGUAGE_KEY, lang);
  document.documentElement.lang = lang;
  await loadLanguage(lang);
  await i18n.changeLanguage(lang);
}

void i18n.use(initReactI18next).init({
  resources: { "zh-CN": byNamespace(chinese) },
  lng: "zh-CN",
  fallbackLng: "zh-CN",
  defaultNS: "common",
  ns: ["common"],
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
});

/** Resolves once the remembered language is loaded and chosen (main.tsx renders after it). */
export const ready: Promise<void> = (async () => {
  const lang = storedLanguage();
  if (typeof document !== "undefined") document.documentElement.lang = lang;
  if (lang !== "zh-CN") {
    await loadLanguage(lang);
    await i18n.changeLanguage(lang);
  }
})();

export default i18n;
