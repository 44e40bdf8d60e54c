/** The gateway's live notices (SSE `GET /api/events`, event `change`): each invalidates the TanStack queries of
 * its entity, so lists and documents re-fetch without a reload. One EventSource for the app (LiveEventsProvider);
 * pages subscribe for their own reactions (a row flash, a badge). */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, createElement, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

export interface Notice {
  entity: string;
  number: string;
  status: string | null;
  anomaly: boolean;
  reason: string | null;
  service: string;
  event_type: string;
  at: string;
}

type Listener = (notice: Notice) => void;

interface Live {
  connected: boolean;
  subscribe: (listener: Listener) => () => void;
}

const LiveContext = createContext<Live>({ connected: false, subscribe: () => () => undefined });

/** The query keys a notice makes stale: `[service, entity]` (lists) and `[service, entity, number]` (the
 * document). Query keys across the console follow that shape: `[service, entity, ...]`. */
export function staleKeys(notice: Notice): string[][] {
  const keys = [[notice.service, notice.entity], ["dashboard"]];
  // The sales order's document shows its outbound orders, invoices and payments: those notices concern it too.
  if (notice.entity !== "sales_order") keys.push(["sales", "sales_order"]);
  return keys;
}

export function LiveEventsProvider({ children, enabled }: { children: ReactNode; enabled: boolean }) {
  const client = useQueryClient();
  const [listeners] = useState(() => new Set<Listener>());
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return undefined;
    const source = new EventSource("/api/events", { withCredentials: true });
    const pending = new Set<string>();
    let timer: number | undefined;
    const flush = () => {
      timer = undefined;
      for (const key of pending) void client.invalidateQueries({ queryKey: JSON.parse(key) as string[] });
      pending.clear();
    };
    const onChange = (event: MessageEvent<string>) => {
      let notice: Notice;
      try {
        notice = JSON.parse(event.data) as Notice;
      } catch {
        return;
      }
      for (const key of staleKeys(notice)) pending.add(JSON.stringify(key));
      // A burst of notices (a saga's steps) costs one re-fetch per query, not one per notice.
      timer ??= window.setTimeout(flush, 150);
      for (const listener of listeners) listener(notice);
    };
    const onReset = () => void client.invalidateQueries();
    source.addEventListener("change", onChange as EventListener);
    source.addEventListener("reset", onReset);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    return () => {
      if (timer !== undefined) window.clearTimeout(timer);
      source.close();
      setConnected(false);
    };
  }, [client, enabled, listeners]);

  const value: Live = useMemo(
    () => ({
      connected,
      subscribe: (listener: Listener) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
    }),
    [connected, listeners],
  );
  return createElement(LiveContext.Provider, { value }, children);
}

/** Calls `onNotice` for every live notice (while mounted); returns whether the stream is connected. */
export function useLiveEvents(onNotice?: Listener): { connected: boolean } {
  const live = useContext(LiveContext);
  const handler = useRef(onNotice);
  useEffect(() => {
    handler.current = onNotice;
  });
  useEffect(() => live.subscribe((n) => handler.current?.(n)), [live]);
  return { connected: live.connected };
}

/** A count of notices of `filter` since the last `reset()`: the unread badge of a menu entry. */
export function useUnreadBadge(filter: (n: Notice) => boolean): { count: number; reset: () => void } {
  const [count, setCount] = useState(0);
  const test = useRef(filter);
  useEffect(() => {
    test.current = filter;
  });
  useLiveEvents((n) => {
    if (test.current(n)) setCount((c) => c + 1);
  });
  return { count, reset: () => setCount(0) };
}
