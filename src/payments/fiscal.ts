// 54-FZ receipt data for a fiat invoice through YooKassa, as its Telegram payments guide describes
// it: the invoice asks the buyer for an email and passes it to the provider (need_email,
// send_email_to_provider), and provider_data carries the receipt's one item — what was sold, its
// quantity, its price in major units and the shop's VAT code. YooKassa registers the receipt and
// emails it. Without RECEIPT_VAT_CODE, or with Stars, an invoice carries none of it.
import type { ReceiptConfig } from "../config/index.ts";
import { isStars, majorUnits } from "../i18n/money.ts";

/** YooKassa's limit on an item's description. */
const DESCRIPTION_MAX = 128;

export interface FiscalFields {
  need_email?: boolean;
  send_email_to_provider?: boolean;
  provider_data?: string;
}

export function fiscalFields(
  receipt: ReceiptConfig | undefined,
  item: { description: string; amount: number; currency: string },
): FiscalFields {
  if (!receipt || isStars(item.currency)) return {};
  const line = {
    description: item.description.slice(0, DESCRIPTION_MAX),
    quantity: "1.00",
    amount: { value: majorUnits(item.amount, item.currency), currency: item.currency },
    vat_code: receipt.vatCode,
    ...(receipt.paymentSubject ? { payment_subject: receipt.paymentSubject } : {}),
    ...(receipt.paymentMode ? { payment_mode: receipt.paymentMode } : {}),
  };
  return {
    need_email: true,
    send_email_to_provider: true,
    provider_data: JSON.stringify({
      receipt: {
        items: [line],
        ...(receipt.taxSystemCode ? { tax_system_code: receipt.taxSystemCode } : {}),
      },
    }),
  };
}
