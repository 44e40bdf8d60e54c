import { Alert } from "antd";
import type { FormInstance } from "antd";
import i18n from "i18next";
import { useTranslation } from "react-i18next";

import { ApiError } from "../api/client";
import { problemTitle, reasonText } from "./problemText";

/** The server's problem+json or any other error, as an alert: the console's message for its stable code (the
 * server's English detail beneath it) or, unknown, the server's text; field reasons in the user's language.
 * Field errors go next to their fields with `applyFieldErrors`; those without a field in the form are listed here. */
export function ErrorAlert({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  const { t } = useTranslation();
  if (!error) return null;
  if (error instanceof ApiError) {
    const unplaced = error.errors.filter((e) => !fields.some((f) => e.field === f || e.field.endsWith(`.${f}`)));
    const title = problemTitle(t, error);
    // The server's detail repeats the field errors for a 422: they are listed (translated) instead.
    const detail = title.known && error.detail && error.errors.length === 0 ? error.detail : null;
    return (
      <Alert
        type="error"
        showIcon
        role="alert"
        title={<span data-testid="error-title">{title.text}</span>}
        description={
          <>
            {detail ? <div className="ot-muted">{detail}</div> : null}
            {unplaced.length ? (
              <ul className="ot-field-errors">
                {unplaced.map((e) => (
                  <li key={e.field}>
                    <code>{e.field}</code>: {reasonText(t, e.reason)}
                  </li>
                ))}
              </ul>
            ) : null}
            {error.code ? <div className="ot-muted">{t("errors.code", { code: error.code, status: error.status })}</div> : null}
          </>
        }
      />
    );
  }
  return <Alert type="error" showIcon role="alert" title={t("errors.generic")} description={String((error as Error)?.message ?? error)} />;
}

/** Puts an ApiError's field errors on the form's fields (`lines.0.qty` → ["lines", 0, "qty"]); returns the
 * names placed, for ErrorAlert's `fields`. */
export function applyFieldErrors(form: FormInstance, error: unknown): string[] {
  if (!(error instanceof ApiError) || error.errors.length === 0) return [];
  const placed: string[] = [];
  const fields = error.errors
    .map((e) => {
      const name = e.field
        .replace(/^body\./, "")
        .split(".")
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      return { name, errors: [reasonText(i18n.t, e.reason)], raw: e.field };
    })
    .filter((f) => {
      const known = form.getFieldInstance(f.name as never) !== undefined || form.getFieldValue(f.name as never) !== undefined;
      if (known) placed.push(f.raw);
      return known;
    });
  form.setFields(fields.map(({ name, errors }) => ({ name: name as never, errors })));
  return placed;
}
