/** Record a customer payment and allocate it to the customer's open invoices (or leave it to the server: the
 * oldest due first, the rest becomes customer credit). */
import { todayInShanghai } from "../../../ui/format";
import { financeApi, keys } from "../api";
import { PaymentForm, type NewPayment, type OpenDocument } from "../components/PaymentForm";

async function openInvoices(customer: string, signal: AbortSignal): Promise<OpenDocument[]> {
  const [a, b] = await Promise.all([
    financeApi.invoices({ customer_code: customer, status: "open", limit: 200, offset: 0 }, signal),
    financeApi.invoices({ customer_code: customer, status: "partially_paid", limit: 200, offset: 0 }, signal),
  ]);
  const today = todayInShanghai();
  return [...a, ...b]
    .map((i) => ({ no: i.invoice_no, due_date: i.due_date, outstanding: i.outstanding, currency: i.currency, overdue: i.overdue || i.due_date < today, held: false }))
    .sort((x, y) => x.due_date.localeCompare(y.due_date) || x.no.localeCompare(y.no));
}

async function recent(customer: string, signal: AbortSignal) {
  return (await financeApi.payments(customer, signal)).map((p) => ({ ...p, on: p.received_on }));
}

function record(p: NewPayment, key: string) {
  const allocations = p.allocations?.map((a) => ({ invoice_no: a.no, amount: a.amount })) ?? null;
  return financeApi.pay({ customer_code: p.party, amount: p.amount, method: p.method, reference: p.reference, received_on: p.on, allocations }, key);
}

export default function Payments() {
  return <PaymentForm prefix="payments" queryKey={keys.invoices} openDocuments={openInvoices} recent={recent} record={record} />;
}
