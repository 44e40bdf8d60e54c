/** The boards' rows: the compact progress bar (plain elements, the times in a tooltip mounted on hover), the
 * list's filter change (one request, started before the re-render, the new rows shown). */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it, vi } from "vitest";

import { DateFilter } from "../ui/DateFilter";
import { ListPage, type ListParams } from "../ui/ListPage";
import { PROGRESS_KEYS, ProgressSteps } from "../ui/ProgressSteps";

const steps = PROGRESS_KEYS.map((key, i) => ({ key, done: i < 3, at: i < 3 ? `2026-01-0${i + 1}T00:00:00Z` : null }));

describe("the compact progress bar", () => {
  it("marks the steps done, the current one in the alarm's colour, and says where the order is", () => {
    render(<ProgressSteps steps={steps} alarm={{ level: "amber", reason: "缺货" }} compact />);
    const bar = screen.getByTestId("progress");
    expect(bar.dataset.current).toBe("outbound");
    expect(bar.className).toContain("ot-progress-amber");
    const items = bar.querySelectorAll("li");
    expect([...items].map((li) => li.className.replace("ot-step ot-step-", ""))).toEqual(["finish", "finish", "finish", "error", "wait", "wait", "wait"]);
    expect(bar.getAttribute("aria-label")).toContain("出库");
  });

  it("shows the steps' times in a tooltip once the pointer reaches the bar, not before", async () => {
    render(<ProgressSteps steps={steps} compact />);
    expect(screen.queryByText(/2026-01-02 08:00:00/)).toBeNull();
    fireEvent.pointerEnter(screen.getByTestId("progress").parentElement!);
    expect(await screen.findByText(/2026-01-02 08:00:00/)).toBeTruthy();
    expect(screen.getByTestId("progress").dataset.current).toBe("outbound"); // the bar itself stays
  });
});

interface Row {
  no: string;
}

/** A list of rows with one switch filter; `rendered` is told of each render of the list. */
function board(fetch: (p: ListParams) => Promise<Row[]>, rendered?: () => void) {
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ListPage<Row>
          id="test"
          title="rows"
          queryKey={["rows"]}
          fetch={(p) => fetch(p)}
          columns={[{ key: "no", title: "no" }]}
          rowKey={(r) => r.no}
          filters={[{ name: "red", label: "red only", kind: "switch" }]}
          render={() => {
            rendered?.();
            return undefined;
          }}
        />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("a list's filter change", () => {
  it("asks the server once with the new filter and shows its rows", async () => {
    const fetch = vi.fn(async (p: ListParams) => (p.filters.red ? [{ no: "PO-RED-1" }] : [{ no: "PO-1" }, { no: "PO-2" }]));
    board(fetch);
    expect(await screen.findByText("PO-2")).toBeTruthy();
    expect(fetch).toHaveBeenCalledTimes(1);
    await act(async () => {
      fireEvent.click(screen.getByRole("switch"));
    });
    expect(await screen.findByText("PO-RED-1")).toBeTruthy();
    await waitFor(() => expect(screen.queryByText("PO-2")).toBeNull());
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetch.mock.calls[1][0]).toMatchObject({ filters: { red: "true" }, limit: 26, offset: 0 });
  });

  it("has the request on its way before the page renders the new filter", async () => {
    let rendered = 0;
    const started: number[] = [];
    const fetch = vi.fn(async (p: ListParams) => {
      started.push(rendered);
      return p.filters.red ? [{ no: "PO-RED-1" }] : [{ no: "PO-1" }];
    });
    board(fetch, () => {
      rendered += 1; // once per render of the list
    });
    await screen.findByText("PO-1");
    const before = rendered;
    await act(async () => {
      fireEvent.click(screen.getByRole("switch"));
    });
    await screen.findByText("PO-RED-1");
    expect(started[1]).toBe(before); // asked from the click's handler: no render of the new URL came first
  });
});

describe("the date filter", () => {
  it("is a plain field with the chosen date until the user reaches for it, then the picker, whose day sets the filter", async () => {
    const onChange = vi.fn();
    const { container } = render(<DateFilter id="placed" value="2026-11-03" onChange={onChange} />);
    const field = screen.getByDisplayValue("2026-11-03");
    expect(container.querySelector(".ant-picker")).toBeNull(); // no calendar in the first render
    await act(async () => {
      fireEvent.focus(field);
    });
    await waitFor(() => expect(document.querySelector(".ant-picker-dropdown")).not.toBeNull(), { timeout: 15_000 }); // opened by the focus
    expect(container.querySelector(".ant-picker")).not.toBeNull();
    fireEvent.click(document.querySelector('td[title="2026-11-20"]')!);
    expect(onChange).toHaveBeenCalledWith("2026-11-20");
  });
});
