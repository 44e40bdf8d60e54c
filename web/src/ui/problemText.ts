/** The services answer problem+json in English; the console shows it in the user's language. A stable `code`
 * (409s, 403, 404, the gateway's) is the key `errors.<code>` of the common namespace; a 422 field reason (pydantic's
 * message templates and the handlers' own) is matched against `REASONS` and becomes `reasons.<key>` with the
 * values it names. Anything not known falls back to the server's text. */
import type { TFunction } from "i18next";

import { ApiError } from "../api/client";

/** Reason templates → `reasons.<key>`; named groups are the message's values. Order matters ("or equal" first). */
export const REASONS: [RegExp, string][] = [
  [/^(Field required|required)$/, "missing"],
  [/^Input should be greater than or equal to (?<limit>\S+)$/, "ge"],
  [/^Input should be greater than (?<limit>\S+)$/, "gt"],
  [/^Input should be less than or equal to (?<limit>\S+)$/, "le"],
  [/^Input should be less than (?<limit>\S+)$/, "lt"],
  [/^String should have at least (?<n>\d+) characters?$/, "minLength"],
  [/^String should have at most (?<n>\d+) characters?$/, "maxLength"],
  [/^String should match pattern /, "pattern"],
  [/^(Input should be a valid decimal|Decimal input should be an integer or a valid decimal)$/, "decimal"],
  [/^Decimal input should have no more than (?<n>\d+) decimal places?$/, "decimalPlaces"],
  [/^Decimal input should have no more than (?<n>\d+) digits?( in total)?$/, "digits"],
  [/^Input should be a valid integer/, "integer"],
  [/^Input should be a valid (date|datetime)/, "date"],
  [/^Input should be a valid number/, "number"],
  [/^Input should be (?<expected>'.+')$/, "oneOf"],
  [/^Extra inputs are not permitted$/, "extra"],
  [/^List should have at least (?<n>\d+) items? after validation/, "minItems"],
  [/^value is not a valid email address/, "email"],
  [/^unknown barcode (?<code>\S+)$/, "unknownBarcode"],
  [/^unknown sku (?<sku>\S+)$/, "unknownSku"],
  [/^unknown customer (?<code>\S+)$/, "unknownCustomer"],
  [/^unknown warehouse (?<code>\S+)$/, "unknownWarehouse"],
  [/^a receipt without a purchase order needs a reason$/, "receiptReason"],
  [/^rejected quantity needs a reason$/, "rejectReason"],
  [/^more rejected than received$/, "rejectedOverReceived"],
  [/^must not be before from$/, "toBeforeFrom"],
  [/^(?<doc>\S+) owes (?<owed>\S+), cannot take (?<value>\S+)$/, "allocationOverOwed"],
  [/^allocations (?<total>\S+) exceed the payment (?<amount>\S+)$/, "allocationsOverPayment"],
  [/^(?<doc>\S+) is not an open (invoice|bill) of (?<party>\S+)$/, "notOpenDocument"],
];

/** A field reason in the user's language, or the server's text when its template is not known. */
export function reasonText(t: TFunction, reason: string): string {
  const text = reason.replace(/^Value error, /, "");
  for (const [pattern, key] of REASONS) {
    const m = pattern.exec(text);
    if (m) return t(`reasons.${key}`, { ns: "common", ...m.groups, defaultValue: text });
  }
  return text;
}

/** The headline of a server error: the code's message if the console knows it, else the server's detail/title. */
export function problemTitle(t: TFunction, error: ApiError): { text: string; known: boolean } {
  const values = Object.fromEntries(Object.entries(error.extra).filter(([, v]) => typeof v === "string" || typeof v === "number"));
  // Not found names what was not found when the server says (its id: a scanned PO number, say).
  const code = error.code === "not_found" && values.id !== undefined ? "not_found_id" : error.code;
  const known = code ? t(`errors.${code}`, { ns: "common", defaultValue: "", ...values }) : "";
  if (known) return { text: known, known: true };
  // A single field error says it best (e.g. an unknown barcode): its reason, translated.
  if (error.errors.length === 1) {
    const reason = reasonText(t, error.errors[0].reason);
    if (reason !== error.errors[0].reason) return { text: reason, known: true };
  }
  return { text: error.detail ?? error.title, known: false };
}

/** Any error as one line for the user (scan feedback, toasts). */
export function errorText(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) return problemTitle(t, error).text;
  return String((error as Error)?.message ?? error);
}
