// The workflows the worker registers; bundled into Temporal's deterministic sandbox.
export { regenerateCertificate } from './regenerate-certificate';
export { rotateCluster } from './rotate-cluster';
export { bulkResetPhones } from './reset-phones';
export { discoverClusterWorkflow } from './discover';
export { cleanupExpiredTrust } from './cleanup-expired-trust';
export { clusterEntity } from './cluster-entity';
export { readCallManagerGroupsWorkflow } from './read-redundancy';
export { expiryWatch } from './expiry-watch';
export { recoverTrust } from './recover-trust';
