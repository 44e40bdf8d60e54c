import { Alert } from "antd";
import type { FormInstance } from "antd";
import { useTranslation } from "react-i18next";

import { ApiError } from "../api/client";

/** The server's problem+json (its title/detail, its stable code) or any other error, as an alert. Field errors
 * go next to their fields with `applyFieldErrors`; those without a field in the form are listed here. */
export function ErrorAlert({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  const { t } = useTranslation();
  if (!error) return null;
  if (error instanceof ApiError) {
    const unplaced = error.errors.filter((e) => !fields.some((f) => e.field === f || e.field.endsWith(`.${f}`)));
    const known = error.code ? t(`errors.${error.code}`, { defaultValue: "" }) : "";
    return (
      <Alert
        type="error"
        showIcon
        role="alert"
        title={known || error.detail || error.title}
        description={
          <>
            {known && error.detail ? <div>{error.detail}</div> : null}
            {unplaced.length ? (
              <ul className="ot-field-errors">
                {unplaced.map((e) => (
                  <li key={e.field}>
                    <code>{e.field}</code>: {e.reason}
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
      return { name, errors: [e.reason], raw: e.field };
    })
    .filter((f) => {
      const known = form.getFieldInstance(f.name as never) !== undefined || form.getFieldValue(f.name as never) !== undefined;
      if (known) placed.push(f.raw);
      return known;
    });
  form.setFields(fields.map(({ name, errors }) => ({ name: name as never, errors })));
  return placed;
}
