/**
 * The project's custom search attributes: the workflow upserts them, the API filters on them, and the dev server
 * registers them at start (scripts/dev-server.ts derives its `--search-attribute` flags from this list).
 */
import { defineSearchAttributeKey } from '@temporalio/common';

export const CLUSTER_ID = defineSearchAttributeKey('CucmClusterId', 'KEYWORD');
export const CERT_UNITS = defineSearchAttributeKey('CucmCertUnits', 'KEYWORD_LIST');
export const RUN_PHASE = defineSearchAttributeKey('CucmRunPhase', 'KEYWORD');

/** Name and CLI type of every key, for `temporal server start-dev --search-attribute NAME=TYPE`. */
export const SEARCH_ATTRIBUTES = [
  { key: CLUSTER_ID, name: CLUSTER_ID.name, cliType: 'Keyword' },
  { key: CERT_UNITS, name: CERT_UNITS.name, cliType: 'KeywordList' },
  { key: RUN_PHASE, name: RUN_PHASE.name, cliType: 'Keyword' },
] as const;
