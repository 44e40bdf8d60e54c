import { groupDigits } from "./format";

const SYMBOLS: Record<string, string> = { CNY: "¥", USD: "$", EUR: "€" };

/** An amount exactly as the server sent it (a decimal string), grouped, with its currency. */
export function Money({ value, currency = "CNY" }: { value: string | null | undefined; currency?: string | null }) {
  if (value === null || value === undefined || value === "") return <span className="ot-num">—</span>;
  const symbol = SYMBOLS[currency ?? ""] ?? "";
  return (
    <span className="ot-num" title={`${value} ${currency ?? ""}`.trim()}>
      {symbol}
      {groupDigits(String(value))}
      {symbol ? "" : ` ${currency ?? ""}`}
    </span>
  );
}

/** A quantity as the server sent it; trailing zeros of the fraction dropped ("5.000" → "5"), no float maths. */
export function Qty({ value, unit }: { value: string | number | null | undefined; unit?: string }) {
  if (value === null || value === undefined || value === "") return <span className="ot-num">—</span>;
  const text = String(value).includes(".") ? String(value).replace(/\.?0+$/, "") : String(value);
  return (
    <span className="ot-num">
      {groupDigits(text)}
      {unit ? ` ${unit}` : ""}
    </span>
  );
}
