/**
 * The chain capability's import surface: read a transaction receipt and the head block over JSON-RPC
 * (`readChainFacts`), verify a wallet signature incl. contract wallets (`verifyWalletSignature`) and judge an ERC-20 payment receipt (`judgeReceipt`, pure). Owns no table, route,
 * job or object. Users: lifecycle (audition fee); the Arena's deposits and tickets.
 */
export { type ChainEndpoint, type ChainFacts, type ChainFailure, readChainFacts, verifyWalletSignature } from "./chain.client";
export {
  judgeReceipt,
  RECEIPT_REJECT_REASONS,
  type ReceiptFacts,
  type ReceiptRejectReason,
  TRANSFER_TOPIC,
  type TransferExpectation,
  TxHashSchema,
  topicAddress,
  type Verdict,
} from "./receipt.model";
export { claimOfHash, claimStatement, isUniqueViolation, releaseClaimStatement } from "./tx-claims.storage";
export { chainTxClaims, TX_CLAIM_PURPOSES, type TxClaimRow } from "./tx-claims.tables";
