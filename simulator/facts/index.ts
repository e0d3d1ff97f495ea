/**
 * The simulator's own statement of CUCM's facts, each row citing its public source or marked `guess`. The
 * simulator is an independent witness of the product: nothing here (or anywhere in simulator/) imports from
 * workflows/, activities/, inventory/ or api/ (eslint.config.mjs enforces it); test/unit/facts-cross-check.test.ts
 * compares these tables with the product's rules.
 */
export * from './version';
export * from './units';
export * from './signers';
export * from './services';
export * from './restarts';
export * from './ssh';
export * from './csr-distribution';
export * from './trust-recovery';
export * from './trust-files';
export * from './uccx';
export * from './axl';
export * from './certmgr';
export * from './control-center';
export * from './phones';
export * from './perfmon';
