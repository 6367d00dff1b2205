/** The ledger domain's import surface: generic double-entry transfers over integer micro-USD (pure). */
export {
  checkLedger,
  effectOn,
  type Posting,
  PostingSchema,
  postingSum,
  reversal,
  type Transfer,
  transfer,
  transferSchema,
} from "./ledger.model";
