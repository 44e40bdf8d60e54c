/** Times in the company's time zone (Asia/Shanghai), whatever the browser's; decimals as the server sent them. */
const ZONE = "Asia/Shanghai";
const dateTime = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const shortTime = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE,
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d).replaceAll("/", "-");
}

export function formatShort(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : shortTime.format(d).replaceAll("/", "-");
}

/** Today in Shanghai as YYYY-MM-DD (the server's `placed_from` filters are dates). */
export function todayInShanghai(now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(now);
}

/** Digit grouping of a decimal string without ever converting it to a number: "1234567.50" → "1,234,567.50". */
export function groupDigits(value: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(value.trim());
  if (!m) return value;
  const [, sign, whole, fraction = ""] = m;
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + fraction;
}

export const TIME_ZONE = ZONE;
