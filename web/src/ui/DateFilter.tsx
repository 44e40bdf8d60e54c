import { CalendarOutlined } from "@ant-design/icons";
import { Input } from "antd";
import dayjs from "dayjs";
import { lazy, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";

// The picker is ~33 KB gzipped: it is fetched when the pointer comes near the field, and shown once the user reaches
// for it (a click, Tab). Until then the field is a plain input with the chosen date, so a board's first load
// does not carry a calendar nobody opened.
const loadPicker = () => import("antd/es/date-picker");
const DatePicker = lazy(loadPicker);

export interface DateFilterProps {
  id: string;
  /** YYYY-MM-DD, or null for none. */
  value: string | null;
  onChange: (value: string | null) => void;
}

export function DateFilter({ id, value, onChange }: DateFilterProps) {
  const { t } = useTranslation();
  const [active, setActive] = useState(false);
  const [open, setOpen] = useState(false);
  const width = 150;
  const standIn = (
    <Input
      id={id}
      readOnly
      value={value ?? ""}
      placeholder={t("list.pickDate")}
      suffix={<CalendarOutlined />}
      style={{ width }}
      onMouseEnter={() => void loadPicker()}
      onFocus={() => {
        setActive(true);
        setOpen(true);
      }}
    />
  );
  if (!active) return standIn;
  return (
    <Suspense fallback={standIn}>
      <DatePicker
        id={id}
        autoFocus
        open={open}
        onOpenChange={setOpen}
        placeholder={t("list.pickDate")}
        value={value ? dayjs(value) : null}
        onChange={(_, text) => onChange(typeof text === "string" && text ? text : null)} // the picker's default format: YYYY-MM-DD
        style={{ width }}
      />
    </Suspense>
  );
}
