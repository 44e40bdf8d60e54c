/** A server-side list: a filter bar, sort, pages, saved views, a column chooser, row colours by state, a bulk
 * action slot and the export button (`?format=csv|xlsx`). Its state lives in the URL. Rows come from `fetch`,
 * given the filters, the sort, `limit` and `offset`; it returns the rows (one more than asked tells there is a
 * next page) or `{ items, total }`. */
import { DownloadOutlined, ReloadOutlined, SettingOutlined } from "@ant-design/icons";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Checkbox, Dropdown, Empty, Form, Input, Popover, Select, Space, Switch, Table, Typography } from "antd";
import type { TableColumnType, TablePaginationConfig } from "antd";
import type { SorterResult } from "antd/es/table/interface";
import { useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { api, type Query, type Service } from "../api/client";
import { DateFilter } from "./DateFilter";
import { ErrorAlert } from "./ErrorAlert";
import { listQuery as pageQuery, readState, storage, writeState, type FilterValues, type ListParams, type ListResult, type ListState, type SavedView, type Sort } from "./listState";

export interface ListColumn<Row> extends TableColumnType<Row> {
  key: string;
  /** Sortable on the server under this field name (default: the column key). */
  sortField?: string | boolean;
  /** Hidden until the user chooses it. */
  optional?: boolean;
}

export interface FilterField {
  name: string;
  label: ReactNode;
  kind: "text" | "select" | "multi" | "date" | "switch";
  options?: { value: string; label: ReactNode }[];
  placeholder?: string;
}

export type { ListParams, ListResult, ListSource } from "./listState";

export type RowState = "danger" | "warning" | "success" | "muted" | undefined;

export interface ListPageProps<Row> {
  /** Names the saved views and column choices. */
  id: string;
  title: ReactNode;
  queryKey: readonly unknown[];
  fetch: (params: ListParams, signal: AbortSignal) => Promise<ListResult<Row>>;
  columns: ListColumn<Row>[];
  rowKey: (row: Row) => string;
  filters?: FilterField[];
  rowState?: (row: Row) => RowState;
  bulkActions?: (selected: Row[], clear: () => void) => ReactNode;
  exportFrom?: { service: Service; path: string; query: (filters: FilterValues, sort: Sort | null) => Query };
  extra?: ReactNode;
  pageSize?: number;
  /** Another rendering of the same rows (a kanban); the table when it returns undefined. */
  render?: (rows: Row[], loading: boolean) => ReactNode | undefined;
  refetchInterval?: number;
}

const NONE: never[] = [];

export function useListState(multi: ReadonlySet<string> = new Set(), before?: (next: ListState) => void) {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readState(params, multi), [params, multi]);
  const update = (next: Partial<ListState>) => {
    const query = writeState({ ...state, ...next });
    before?.(readState(query, multi)); // the state as the URL will give it back
    setParams(query, { replace: true });
  };
  return { state, update, params, setParams };
}

export function ListPage<Row extends object>(props: ListPageProps<Row>) {
  const { t } = useTranslation();
  const pageSize = props.pageSize ?? 25;
  const multi = useMemo(() => new Set((props.filters ?? []).filter((f) => f.kind === "multi").map((f) => f.name)), [props.filters]);
  const client = useQueryClient();
  const listQuery = (s: ListState) => pageQuery(props, s, pageSize);
  // A filter, sort or page change asks the server at once, before the page re-renders for the new URL: the
  // answer is on its way while the browser is busy (the query below then finds it in flight or in the cache).
  const { state, update, params, setParams } = useListState(multi, (next) => void client.prefetchQuery(listQuery(next)));
  const [selected, setSelected] = useState<Row[]>([]);
  const [views, setViews] = useState<SavedView[]>(() => storage.views(props.id));
  const optional = props.columns.filter((c) => !c.optional).map((c) => c.key);
  const [visible, setVisible] = useState<string[]>(() => storage.columns(props.id) ?? optional);

  const query = useQuery({
    ...listQuery(state),
    placeholderData: keepPreviousData,
    refetchInterval: props.refetchInterval,
  });
  const result = query.data;
  const all = Array.isArray(result) ? result : (result?.items ?? (NONE as Row[]));
  // the same array while the answer is the same: the table measures itself again whenever its data changes
  const rows = useMemo(() => all.slice(0, pageSize), [all, pageSize]);
  const total = Array.isArray(result) ? undefined : result?.total;
  const hasMore = total === undefined ? all.length > pageSize : state.page * pageSize < total;

  // The same column objects from render to render while the columns, the choice and the sort stay: the table's
  // cells then skip rows whose record did not change (the previous page shown while the next one loads).
  const sortKey = state.sort ? `${state.sort.order} ${state.sort.field}` : "";
  const columns = useMemo(() => {
    const [order, sorted] = sortKey.split(" ");
    return props.columns
        .filter((c) => visible.includes(c.key))
        .map((c) => {
          const field = typeof c.sortField === "string" ? c.sortField : c.key;
          return {
            dataIndex: c.key,
            ...c,
            sorter: c.sortField ? true : undefined,
            sortOrder: c.sortField && sorted === field ? (order === "asc" ? ("ascend" as const) : ("descend" as const)) : null,
          };
        });
  }, [props.columns, visible, sortKey]);

  const onTable = (_: TablePaginationConfig, __: unknown, sorter: SorterResult<Row> | SorterResult<Row>[]) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    const column = props.columns.find((c) => c.key === s?.columnKey);
    const field = column ? (typeof column.sortField === "string" ? column.sortField : column.key) : null;
    update({ sort: s?.order && field ? { field, order: s.order === "ascend" ? "asc" : "desc" } : null, page: 1 });
  };

  const setFilters = (filters: FilterValues) => update({ filters, page: 1 });
  const saveView = () => {
    const name = window.prompt(t("list.viewName"));
    if (!name) return;
    const next = [...views.filter((v) => v.name !== name), { name, query: writeState({ ...state, page: 1 }).toString() }];
    setViews(next);
    storage.saveViews(props.id, next);
  };
  const removeView = (name: string) => {
    const next = views.filter((v) => v.name !== name);
    setViews(next);
    storage.saveViews(props.id, next);
  };

  const chooser = (
    <Checkbox.Group
      value={visible}
      onChange={(keys) => {
        setVisible(keys as string[]);
        storage.saveColumns(props.id, keys as string[]);
      }}
    >
      <Space orientation="vertical">
        {props.columns.map((c) => (
          <Checkbox key={c.key} value={c.key}>
            {c.title as ReactNode}
          </Checkbox>
        ))}
      </Space>
    </Checkbox.Group>
  );

  const exporter = props.exportFrom;
  const alternative = props.render?.(rows, query.isFetching);
  return (
    <Card
      title={<Typography.Title level={4} style={{ margin: 0 }}>{props.title}</Typography.Title>}
      extra={
        <Space wrap>
          {props.extra}
          <Dropdown
            menu={{
              items: [
                ...views.map((v) => ({ key: `view:${v.name}`, label: v.name })),
                ...(views.length ? [{ type: "divider" as const }] : []),
                { key: "save", label: t("list.saveView") },
                ...views.map((v) => ({ key: `remove:${v.name}`, label: t("list.removeView", { name: v.name }), danger: true })),
              ],
              onClick: ({ key }) => {
                if (key === "save") saveView();
                else if (key.startsWith("view:")) setParams(new URLSearchParams(views.find((v) => `view:${v.name}` === key)?.query ?? ""), { replace: true });
                else if (key.startsWith("remove:")) removeView(key.slice(7));
              },
            }}
          >
            <Button>{t("list.views")}</Button>
          </Dropdown>
          <Popover content={chooser} title={t("list.columns")} trigger="click">
            <Button icon={<SettingOutlined />} aria-label={t("list.columns")} />
          </Popover>
          {exporter ? (
            <Dropdown
              menu={{
                items: (["csv", "xlsx"] as const).map((f) => ({
                  key: f,
                  label: (
                    <a href={api.exportUrl(exporter.service, exporter.path, exporter.query(state.filters, state.sort), f)} download>
                      {f.toUpperCase()}
                    </a>
                  ),
                })),
              }}
            >
              <Button icon={<DownloadOutlined />}>{t("list.export")}</Button>
            </Dropdown>
          ) : null}
          <Button icon={<ReloadOutlined />} aria-label={t("list.refresh")} onClick={() => void query.refetch()} loading={query.isFetching} />
        </Space>
      }
    >
      {props.filters?.length ? <FilterBar fields={props.filters} values={state.filters} onChange={setFilters} /> : null}
      {query.error ? <ErrorAlert error={query.error} /> : null}
      {props.bulkActions && selected.length ? (
        <Space style={{ margin: "8px 0" }}>
          <span>{t("list.selected", { count: selected.length })}</span>
          {props.bulkActions(selected, () => setSelected([]))}
        </Space>
      ) : null}
      {alternative ?? (
        <Table<Row>
          size="middle"
          rowKey={props.rowKey}
          columns={columns}
          dataSource={rows}
          loading={query.isPending || (query.isFetching && query.isPlaceholderData)}
          onChange={onTable}
          pagination={false}
          scroll={{ x: "max-content" }}
          rowClassName={(row) => {
            const s = props.rowState?.(row);
            return s ? `ot-row-${s}` : "";
          }}
          rowSelection={props.bulkActions ? { selectedRowKeys: selected.map(props.rowKey), onChange: (_, rs) => setSelected(rs) } : undefined}
          locale={{ emptyText: <Empty description={t("list.empty")} /> }}
        />
      )}
      <div className="ot-pager">
        <Button disabled={state.page <= 1} onClick={() => update({ page: state.page - 1 })}>
          {t("list.previous")}
        </Button>
        <span data-testid="page">{total !== undefined ? t("list.pageOf", { page: state.page, pages: Math.max(1, Math.ceil(total / pageSize)) }) : t("list.page", { page: state.page })}</span>
        <Button disabled={!hasMore} onClick={() => update({ page: state.page + 1 })}>
          {t("list.next")}
        </Button>
        {params.toString() ? (
          <Button type="link" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            {t("list.reset")}
          </Button>
        ) : null}
      </div>
    </Card>
  );
}

function FilterBar({ fields, values, onChange }: { fields: FilterField[]; values: FilterValues; onChange: (v: FilterValues) => void }) {
  const { t } = useTranslation();
  const set = (name: string, value: string | string[] | null | undefined) => {
    const next = { ...values };
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) delete next[name];
    else next[name] = value;
    onChange(next);
  };
  return (
    <Form layout="inline" className="ot-filters" onSubmitCapture={(e) => e.preventDefault()}>
      {fields.map((f) => (
        <Form.Item key={f.name} label={f.label} htmlFor={`filter-${f.name}`}>
          {f.kind === "text" ? (
            <Input.Search
              id={`filter-${f.name}`}
              allowClear
              defaultValue={(values[f.name] as string) ?? ""}
              placeholder={f.placeholder}
              onSearch={(v) => set(f.name, v.trim())}
              style={{ width: 200 }}
            />
          ) : f.kind === "select" || f.kind === "multi" ? (
            <Select
              id={`filter-${f.name}`}
              allowClear
              mode={f.kind === "multi" ? "multiple" : undefined}
              value={values[f.name] ?? (f.kind === "multi" ? [] : undefined)}
              options={f.options}
              placeholder={f.placeholder ?? t("list.any")}
              onChange={(v: string | string[]) => set(f.name, v)}
              style={{ minWidth: 160 }}
              maxTagCount="responsive"
            />
          ) : f.kind === "date" ? (
            <DateFilter
              id={`filter-${f.name}`}
              value={(values[f.name] as string | undefined) ?? null}
              onChange={(v) => set(f.name, v)}
            />
          ) : (
            <Switch id={`filter-${f.name}`} checked={values[f.name] === "true"} onChange={(on) => set(f.name, on ? "true" : null)} />
          )}
        </Form.Item>
      ))}
    </Form>
  );
}
