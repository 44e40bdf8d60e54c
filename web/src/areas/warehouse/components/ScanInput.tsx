/** The scanner's field: keeps the focus, takes a barcode scanner's keystrokes and its Enter (or typing), and
 * answers each scan visibly (green / red, the message read out by screen readers) and audibly (a short tone;
 * a low double buzz for an unknown barcode). The page hands `onScan` a code and returns the outcome. */
import { ScanOutlined } from "@ant-design/icons";
import { Input, type InputRef } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

export interface ScanOutcome {
  ok: boolean;
  message: string;
}

let audio: AudioContext | null = null;

/** A tone without an audio file (the CSP allows no inline media either): 880 Hz ok, 220 Hz twice for an error. */
export function beep(ok: boolean): void {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    const tones = ok ? [0] : [0, 0.18];
    for (const start of tones) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = ok ? "sine" : "square";
      osc.frequency.value = ok ? 880 : 220;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + start);
      osc.stop(ctx.currentTime + start + (ok ? 0.08 : 0.14));
    }
  } catch {
    // no audio device (a test browser): the visible feedback remains
  }
}

export function ScanInput({ onScan, label, disabled }: { onScan: (code: string) => Promise<ScanOutcome>; label: string; disabled?: boolean }) {
  const { t } = useTranslation("warehouse");
  const ref = useRef<InputRef>(null);
  const [value, setValue] = useState("");
  const [last, setLast] = useState<(ScanOutcome & { code: string; n: number }) | null>(null);
  // A scanner types faster than the server answers: scans queue up and are sent one after the other, none lost.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const [pending, setPending] = useState(0);
  useEffect(() => {
    if (!disabled) ref.current?.focus();
  }, [disabled, last]);
  const submit = () => {
    const code = value.trim();
    if (!code) return;
    setValue("");
    setPending((n) => n + 1);
    queue.current = queue.current.then(async () => {
      try {
        const outcome = await onScan(code);
        beep(outcome.ok);
        setLast((l) => ({ ...outcome, code, n: (l?.n ?? 0) + 1 }));
      } finally {
        setPending((n) => n - 1);
      }
    });
  };
  return (
    <div className={`wh-scan${last ? (last.ok ? " wh-scan-ok" : " wh-scan-bad") : ""}`} data-pending={pending}>
      <label htmlFor="scan-input" className="wh-scan-label">
        {label}
      </label>
      <Input
        id="scan-input"
        ref={ref}
        size="large"
        prefix={<ScanOutlined />}
        value={value}
        disabled={disabled}
        autoComplete="off"
        inputMode="text"
        placeholder={t("scan.placeholder")}
        onChange={(e) => setValue(e.target.value)}
        onPressEnter={submit}
        onBlur={(e) => {
          // back to the scanner when the focus went nowhere (a click on the page), never away from another field
          if (e.relatedTarget === null) window.setTimeout(() => ref.current?.focus(), 0);
        }}
        data-testid="scan-input"
      />
      {/* keyed by the scan: the result (and its shake) renews; the field itself is never re-created mid-scan */}
      <div key={last?.n} role="status" aria-live="assertive" className="wh-scan-result" data-testid="scan-result" data-ok={last ? String(last.ok) : undefined} data-count={last?.n ?? 0}>
        {last ? `${last.code}: ${last.message}` : t("scan.ready")}
      </div>
    </div>
  );
}
