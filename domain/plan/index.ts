/**
 * The regeneration plan (Cisco TN 214231) as pure, workflow-safe functions: shared by the workflows, which
 * execute it, and the API, which shows it as a dry run.
 */
export type {
  CsrDistribution,
  CanaryPhones,
  PhoneResetMode,
  Plan,
  PlanCluster,
  PlanNode,
  PlanOptions,
  PlanRequest,
  PlanStep,
  PlanStepKind,
  PlanCallManagerGroup,
  PlanRedundancy,
  Refusal,
  RestartStrategy,
  UnitPlan,
} from './types';
export { DEFAULT_CANARY_PHONES } from './types';
export { buildPlan } from './build';
export { MULTI_SERVER_UNITS } from './types';
export { checkPlanInvariants } from './invariants';
export { REFUSAL_CODES } from './refusals';
export {
  FOLLOW_UP_RESTARTS,
  followUpRestarts,
  PHONE_AFFECTING_UNITS,
  PLAN_SERVICE,
  PLAN_UNIT_ORDER,
  canaryPhonesOf,
  canaryPhonesProblem,
  needsCtlUpdate,
  secureOnlyResetAllowed,
  type FollowUpRestart,
} from './rules';
export { planClusterOf } from './from-discovery';
export {
  BATCHED_SERVICES,
  PHONE_WAIT_SERVICE,
  restartBatches,
  restartConflicts,
  restartStrategyOf,
} from './redundancy';
