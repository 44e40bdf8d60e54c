/** A list's state in the URL (filters, sort, page: a link reproduces the list, the dashboard links to filtered
 * lists) and its saved views and visible columns in localStorage. */
export type FilterValues = Record<string, string | string[]>;

export interface Sort {
  field: string;
  order: "asc" | "desc";
}

export interface ListState {
  filters: FilterValues;
  sort: Sort | null;
  page: number;
}

export interface ListParams {
  filters: FilterValues;
  sort: Sort | null;
  limit: number;
  offset: number;
}

export type ListResult<Row> = Row[] | { items: Row[]; total: number };

/** Where a server-side list's rows come from: the page's ListPage and the route's preload (app/preload.ts) ask
 * through the same one, so the rows the route asked for are the ones the page finds in the cache. */
export interface ListSource<Row> {
  queryKey: readonly unknown[];
  fetch: (params: ListParams, signal: AbortSignal) => Promise<ListResult<Row>>;
  /** The filters that take several values (the list's "multi" filter fields). */
  multi?: ReadonlySet<string>;
  /** Rows per page for the URL's view (default 25). */
  pageSize?: (params: URLSearchParams) => number;
}

/** The query of one page of a list: its key (the source's, the filters, the sort, the page) and its request
 * (one row more than a page: it tells there is a next one). */
export function listQuery<Row>(source: Pick<ListSource<Row>, "queryKey" | "fetch">, state: ListState, pageSize: number) {
  return {
    queryKey: [...source.queryKey, state.filters, state.sort, state.page],
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      source.fetch({ filters: state.filters, sort: state.sort, limit: pageSize + 1, offset: (state.page - 1) * pageSize }, signal),
  };
}

const RESERVED = new Set(["sort", "page", "view"]);

export function readState(params: URLSearchParams, multi: ReadonlySet<string> = new Set()): ListState {
  const filters: FilterValues = {};
  for (const key of new Set(params.keys())) {
    if (RESERVED.has(key)) continue;
    const values = params.getAll(key).filter((v) => v !== "");
    if (values.length === 0) continue;
    filters[key] = multi.has(key) || values.length > 1 ? values : values[0];
  }
  const rawSort = params.get("sort");
  const sort: Sort | null = rawSort
    ? { field: rawSort.replace(/^-/, ""), order: rawSort.startsWith("-") ? "desc" : "asc" }
    : null;
  const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
  return { filters, sort, page };
}

export function writeState(state: ListState): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state.filters)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== "" && v !== undefined) params.append(key, v);
  }
  if (state.sort) params.set("sort", `${state.sort.order === "desc" ? "-" : ""}${state.sort.field}`);
  if (state.page > 1) params.set("page", String(state.page));
  return params;
}

export interface SavedView {
  name: string;
  query: string; // the URL search string of the view (filters + sort)
}

function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export const storage = {
  views: (id: string): SavedView[] => load(`ot.views.${id}`, []),
  saveViews: (id: string, views: SavedView[]) => localStorage.setItem(`ot.views.${id}`, JSON.stringify(views)),
  columns: (id: string): string[] | null => load(`ot.columns.${id}`, null),
  saveColumns: (id: string, keys: string[]) => localStorage.setItem(`ot.columns.${id}`, JSON.stringify(keys)),
};
