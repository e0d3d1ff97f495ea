/** Raised for a malformed inventory; the message names the cluster and the field to fix. */
export class InventoryError extends Error {
  override name = 'InventoryError';
}
