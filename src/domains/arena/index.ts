/**
 * The Arena domain's import surface (other domains and CLIs import arena only from here).
 * Built so far: the pure settlement core (rules v1, doc/domains/arena.md) and its wire form, and the
 * pure race and ticket transition tables.
 */

export { allMoves, type InvalidTransition } from "../../core/transitions";
export { ARENA_ADMIN_PAGES, arenaAdminPage } from "./admin/arena-admin.routes";
export { type ArenaChain, type ArenaConfig, ArenaConfigSchema, arenaChainOf, readArenaConfig } from "./arena.config";
export { arenaJobs, RECONCILE_JOB } from "./arena.jobs";
export { arenaRoutes } from "./arena.routes";
export { type ArenaEventInput, arenaEventStatement } from "./arena-events.service";
export { ARENA_SUBJECT_KINDS, type ArenaEventRow, arenaEvents } from "./arena-events.tables";
export { arenaRaceRoutes } from "./arena-races.http";
export {
  ARENA_LEDGER_CODES,
  type ArenaLedgerCode,
  ArenaLedgerCodeSchema,
  type ArenaTransfer,
  HOUSE,
  poolBook,
  reservedBook,
  userBook,
} from "./balances/arena-books.model";
export {
  arenaDeposits,
  arenaLedgerPostings,
  arenaLedgerTransfers,
  arenaWithdrawals,
  type DepositRow,
  type WithdrawalRow,
} from "./balances/balance.tables";
export { type RaceConfig, RaceConfigSchema, readRaceConfig, refineRaceSettings } from "./races/race.config";
export { raceJobs as arenaRaceJobs } from "./races/race.jobs";
export {
  ADVANCE_EVENT,
  acceptsTickets,
  advanceRace,
  isFinal,
  RACE_EVENTS,
  RACE_STATES,
  RACE_TRANSITIONS,
  type RaceEvent,
  RaceEventSchema,
  type RaceMove,
  type RaceMoveCause,
  RaceMoveCauseSchema,
  type RaceState,
  RaceStateSchema,
  raceMove,
  transitionRace,
} from "./races/race.model";
export { createRace, type RaceContext, type RaceOverrides, stepRaces } from "./races/race.service";
export { arenaEntrants, arenaRaceMoves, arenaRaces, type EntrantRow, type RaceRow } from "./races/race.tables";
export { type ArenaDeps, type RaceAccounts, type RaceResult, type RaceStanding, tradingRaceAccounts } from "./races/race-accounts.port";
export { reconciliationReportsOf } from "./reconciliation/reconciliation.service";
export { arenaReconciliationReports } from "./reconciliation/reconciliation.tables";
export { allocate, type Weighted } from "./settlement/allocation.model";
export { earlyBonusMultiplierBps, ticketWeight } from "./settlement/early-bonus.model";
export { compareFinish, rankField } from "./settlement/ranking.model";
export { ConservationError, checkConservation, type Settlement, SettlementSchema, settleRace } from "./settlement/settlement.model";
export { SettlementMismatchError, type SettleOptions, settlementWire, settleStoredRace } from "./settlement/settlement.service";
export { arenaPayouts, arenaRoyalties, arenaSettlements } from "./settlement/settlement.tables";
export {
  type ArtifactOutcome,
  ensureSettlementArtifact,
  readSettlementArtifact,
  repairSettlementArtifacts,
  SETTLEMENT_ARTIFACT_OWNER_KIND,
  SETTLEMENT_ARTIFACT_ROLE,
  settlementArtifactOwnerId,
  settlementDocument,
} from "./settlement/settlement-artifact.service";
export { SETTLEMENT_HASH_SCHEME, settlementHash } from "./settlement/settlement-hash.model";
export {
  type InputIssue,
  NoWinnerModeSchema,
  parseRaceInput,
  type RaceEntrant,
  type RaceInput,
  RaceInputSchema,
  type RaceTicket,
  type SettlementConfig,
  TicketStatusSchema,
} from "./settlement/settlement-input.model";
export { formatIssues, formatSettlementLine, settlementToWire, settleRaceText } from "./settlement/settlement-wire.model";
export { strikeDecision } from "./standing/standing.service";
export { arenaHallOfFame, arenaHallOfFameRaces, arenaRetirements, arenaStrikes } from "./standing/standing.tables";
export {
  eventForVerifiedPayment,
  isPendingExpired,
  TICKET_EVENTS,
  TICKET_STATES,
  TICKET_TRANSITIONS,
  type TicketEvent,
  TicketEventSchema,
  type TicketState,
  TicketStateSchema,
  transitionTicket,
} from "./tickets/ticket.model";
export { arenaTickets, type TicketRow } from "./tickets/ticket.tables";
export { type RefundRequest, refundTicketsStatements, refundTransferId } from "./tickets/ticket-refund.service";
