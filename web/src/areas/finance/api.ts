/** Finance's API for the pages; query keys `["finance", entity, ...]`. Finance answers plain JSON documents (no
 * response schemas in its OpenAPI): their shapes are declared here from its handlers; amounts are decimal strings. */
import { api } from "../../api/client";

export interface Invoice {
  invoice_no: string;
  customer_code: string;
  order_no: string;
  do_no: string | null;
  currency: string;
  net: string;
  tax: string;
  gross: string;
  paid: string;
  outstanding: string;
  status: string;
  issue_date: string;
  due_date: string;
  overdue: boolean;
  lines?: { line_no: number; sku: string; qty: string; unit_price: string; net: string; tax: string }[];
  payments?: { payment_no: string; amount: string; from_credit: boolean }[];
}
export interface MatchLine {
  line_no: number;
  sku: string;
  po_unit_price: string;
  invoice_unit_price: string;
  qty_received: string;
  qty_invoiced: string;
  amount_expected: string;
  amount_invoiced: string;
  price_mismatch: boolean;
  qty_mismatch: boolean;
}
export interface Bill {
  bill_no: string;
  supplier_code: string;
  po_no: string | null;
  grn_no: string | null;
  supplier_invoice_ref: string | null;
  currency: string;
  net: string;
  tax: string;
  gross: string;
  paid: string;
  outstanding: string;
  status: string;
  bill_date: string;
  due_date: string;
  hold_reason: string | null;
  lines?: { line_no: number; po_line_no: number | null; sku: string; qty: string; unit_price: string; net: string; tax: string }[];
  payments?: { payment_no: string; amount: string }[];
  match?: { invoice_ref: string; tolerance_pct: string; lines: MatchLine[] } | null;
}
export interface Statement {
  party_type: string;
  code: string;
  from: string;
  to: string;
  opening_balance: string;
  closing_balance: string;
  documents: { date: string; document_type: string; document_no: string; debit: string; credit: string; balance: string }[];
}
export interface Ageing {
  kind: string;
  as_of: string;
  buckets: string[];
  parties: ({ code: string; total: string } & Record<string, string>)[];
  totals: Record<string, string>;
}
export interface TrialBalance {
  accounts: { account: string; name: string; kind: string; debit: string; credit: string; balance: string }[];
  total_debit: string;
  total_credit: string;
  balanced: boolean;
}
export interface PaymentResult {
  payment_no: string;
  [key: string]: unknown;
}
export interface CustomerPayment {
  payment_no: string;
  customer_code: string;
  amount: string;
  unallocated: string;
  currency: string;
  method: string;
  reference: string | null;
  received_on: string;
}
export interface SupplierPayment {
  payment_no: string;
  supplier_code: string;
  amount: string;
  currency: string;
  method: string;
  reference: string | null;
  paid_on: string;
}
/** A goods receipt with no bill yet (received without a PO and without supplier or prices, or not billed yet). */
export interface Unbilled {
  grn_no: string;
  po_no: string | null;
  supplier_code: string | null;
  value: string;
  received_on: string;
  reason: string | null;
  lines: { line_no: number; sku: string; qty_accepted: string; unit_cost: string }[];
}
export type Allocation<K extends string> = Record<K, string> & { amount: string };
export interface CustomerPaymentCreate {
  customer_code: string;
  amount: string;
  method: string;
  reference: string | null;
  received_on: string;
  allocations: Allocation<"invoice_no">[] | null;
}
export interface SupplierPaymentCreate {
  supplier_code: string;
  amount: string;
  method: string;
  reference: string | null;
  paid_on: string;
  allocations: Allocation<"bill_no">[] | null;
}

export const keys = {
  invoices: ["finance", "invoice"] as const,
  invoice: (no: string) => ["finance", "invoice", no] as const,
  bills: ["finance", "bill"] as const,
  bill: (no: string) => ["finance", "bill", no] as const,
  ageing: (kind: string, asOf: string) => ["finance", "ageing", kind, asOf] as const,
  statement: (t: string, code: string, from: string, to: string) => ["finance", "statement", t, code, from, to] as const,
  trial: ["finance", "trial_balance"] as const,
  payments: ["finance", "payment"] as const,
  unbilled: ["finance", "goods_receipt", "unbilled"] as const,
};

export const financeApi = {
  invoices: (q: { status?: string; customer_code?: string; order_no?: string; limit: number; offset: number }, signal?: AbortSignal) =>
    api.get<Invoice[]>("finance", "/invoices", { query: q, signal }),
  invoice: (no: string, signal?: AbortSignal) => api.get<Invoice>("finance", `/invoices/${no}`, { signal }),
  bills: (q: { status?: string; supplier_code?: string; po_no?: string; limit: number; offset: number }, signal?: AbortSignal) =>
    api.get<Bill[]>("finance", "/bills", { query: q, signal }),
  bill: (no: string, signal?: AbortSignal) => api.get<Bill>("finance", `/bills/${no}`, { signal }),
  release: (no: string, comment: string | null) => api.post<Bill>("finance", `/bills/${no}/release`, { comment }),
  pay: (body: CustomerPaymentCreate, key: string) => api.post<PaymentResult>("finance", "/payments", body, { headers: { "Idempotency-Key": key } }),
  payments: (customer: string, signal?: AbortSignal) => api.get<CustomerPayment[]>("finance", "/payments", { query: { customer_code: customer, limit: 20 }, signal }),
  paySupplier: (body: SupplierPaymentCreate, key: string) =>
    api.post<PaymentResult>("finance", "/supplier-payments", body, { headers: { "Idempotency-Key": key } }),
  supplierPayments: (supplier: string, signal?: AbortSignal) =>
    api.get<SupplierPayment[]>("finance", "/supplier-payments", { query: { supplier_code: supplier, limit: 20 }, signal }),
  receivedNotBilled: (signal?: AbortSignal) => api.get<Unbilled[]>("finance", "/payables/received-not-billed", { signal }),
  statement: (partyType: string, code: string, from: string, to: string, signal?: AbortSignal) =>
    api.get<Statement>("finance", `/statements/${partyType}/${encodeURIComponent(code)}`, { query: { from, to }, signal }),
  ageing: (kind: string, asOf: string | undefined, signal?: AbortSignal) => api.get<Ageing>("finance", `/ageing/${kind}`, { query: { as_of: asOf }, signal }),
  trialBalance: (signal?: AbortSignal) => api.get<TrialBalance>("finance", "/ledger/trial-balance", { signal }),
};

/** The link to a party's statement for a period (the ageing page's rows lead there). */
export function statementLink(party: "customers" | "suppliers", code: string, from: string, to: string): string {
  return `/finance/statements?${new URLSearchParams({ party, code, from, to }).toString()}`;
}
