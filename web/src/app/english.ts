/** The English messages of every namespace: a chunk of its own (i18n.ts loads it when English is chosen). */
import type { Messages } from "./i18n";

export const ENGLISH = import.meta.glob<Messages>(["./locales/en.json", "../areas/*/locales/en.json"], {
  eager: true,
  import: "default",
});
