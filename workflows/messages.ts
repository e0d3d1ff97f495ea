/**
 * Message definitions, exported once and used by the workflow (handlers), the API and the tests (callers).
 */
import { defineQuery } from '@temporalio/workflow';
import type { RegenerationState } from './types';

export const stateQuery = defineQuery<RegenerationState>('state');
