/**
 * The prop accounts' ledger codes and books (the generic ledger in src/domains/ledger/ carries the
 * mechanics; the codes and book names are trading's). Each code trades against one house book, so a
 * total reads off a book. Pure.
 */
import { z } from "zod";
import type { Transfer } from "../ledger";

export const LEDGER_CODES = ["deposit", "fee", "realized_pnl", "funding", "liquidation", "admin_adjustment", "reversal"] as const;
export const LedgerCodeSchema = z.enum(LEDGER_CODES);
export type LedgerCode = z.infer<typeof LedgerCodeSchema>;

/** A prop account's ledger transfer. */
export type PropTransfer = Transfer<LedgerCode>;

/** The house books a prop account's cash trades against (one per code, so totals read off a book). */
export const HOUSE_BOOKS: Record<Exclude<LedgerCode, "reversal">, string> = {
  deposit: "house:deposits",
  fee: "house:fees",
  realized_pnl: "house:trading",
  funding: "house:funding",
  liquidation: "house:backstop",
  admin_adjustment: "house:adjustments",
};

/** The cash book of one prop account. */
export const cashBook = (accountId: string): string => `prop:${accountId}:cash`;
