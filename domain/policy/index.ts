export * from './types';
export * from './risk';
export * from './resolve';
export * from './decide';
export * from './plan-gates';
