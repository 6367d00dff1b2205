/** The ledger domain's import surface: double-entry transfers over integer micro-USD (pure). */
export {
  balanceOf,
  cashBook,
  checkLedger,
  effectOn,
  HOUSE_BOOKS,
  LEDGER_CODES,
  type LedgerCode,
  LedgerCodeSchema,
  type Posting,
  PostingSchema,
  postingSum,
  reversal,
  type Transfer,
  TransferSchema,
  transfer,
} from "./ledger.model";
