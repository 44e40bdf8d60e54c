/** Record a payment to a supplier and allocate it to the supplier's bills (or leave it to the server: the oldest
 * due first); bills on hold (a three-way mismatch) are listed but cannot be paid until released. */
import { todayInShanghai } from "../../../ui/format";
import { financeApi, keys } from "../api";
import { PaymentForm, type NewPayment, type OpenDocument } from "../components/PaymentForm";

const PAYABLE = ["open", "partially_paid", "on_hold"];

async function openBills(supplier: string, signal: AbortSignal): Promise<OpenDocument[]> {
  const pages = await Promise.all(PAYABLE.map((status) => financeApi.bills({ supplier_code: supplier, status, limit: 200, offset: 0 }, signal)));
  const today = todayInShanghai();
  return pages
    .flat()
    .map((b) => ({ no: b.bill_no, due_date: b.due_date, outstanding: b.outstanding, currency: b.currency, overdue: b.due_date < today, held: b.status === "on_hold" }))
    .sort((x, y) => x.due_date.localeCompare(y.due_date) || x.no.localeCompare(y.no));
}

async function recent(supplier: string, signal: AbortSignal) {
  return (await financeApi.supplierPayments(supplier, signal)).map((p) => ({ ...p, on: p.paid_on }));
}

function record(p: NewPayment, key: string) {
  const allocations = p.allocations?.map((a) => ({ bill_no: a.no, amount: a.amount })) ?? null;
  return financeApi.paySupplier({ supplier_code: p.party, amount: p.amount, method: p.method, reference: p.reference, paid_on: p.on, allocations }, key);
}

export default function SupplierPayments() {
  return <PaymentForm prefix="supplierPayments" queryKey={keys.bills} openDocuments={openBills} recent={recent} record={record} />;
}
