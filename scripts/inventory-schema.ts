/**
 * `npm run inventory-schema`: writes docs/inventory.schema.json, the JSON Schema editors check an inventory file
 * against, from the TypeBox schema the service validates with (domain/inventory/schema.ts). Run it after changing that
 * schema and commit the result; test/unit/inventory-schema.test.ts fails while the committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { inventoryJsonSchema } from '../domain/inventory/schema';

export const INVENTORY_SCHEMA_FILE = join(__dirname, '..', 'docs', 'inventory.schema.json');

/** The file's text, formatted as `npm run lint` expects it. */
export async function renderInventorySchema(): Promise<string> {
  const options = (await resolveConfig(INVENTORY_SCHEMA_FILE)) ?? {};
  return format(JSON.stringify(inventoryJsonSchema()), { ...options, filepath: INVENTORY_SCHEMA_FILE });
}

if (require.main === module) {
  void renderInventorySchema().then((text) => {
    writeFileSync(INVENTORY_SCHEMA_FILE, text);
    console.log(`wrote ${INVENTORY_SCHEMA_FILE}`);
  });
}
