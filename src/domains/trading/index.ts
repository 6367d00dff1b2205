/**
 * The trading domain's import surface. The contracts shared with the decision runtime and the context
 * packet (`DecisionAction`, gate codes, intake outcomes, the account summary) are defined here first;
 * the paper engine, the PropAccount object's services and the routes land with the prop-account issue.
 */
export {
  type AccountSummary,
  AccountSummarySchema,
  emptyAccountSummary,
  type FillView,
  type PositionView,
  type PropAccountKind,
  type PropAccountStatus,
  type TriggerOrderView,
} from "./account-summary.model";
export {
  ACTION_KINDS,
  type ActionKind,
  type DecisionAction,
  type DecisionActionInput,
  DecisionActionSchema,
  GATE_CODES,
  type GateCode,
  type IntakeOutcome,
  IntakeOutcomeSchema,
} from "./decision-action.model";
