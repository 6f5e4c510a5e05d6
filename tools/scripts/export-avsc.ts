/** Writes the Avro schemas defined in libs/schemas to libs/schemas/avro/*.avsc (the published form). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_SCHEMAS } from '@lake/schemas';

const dir = join(__dirname, '..', '..', 'libs', 'schemas', 'avro');
for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
  writeFileSync(join(dir, `${name}.avsc`), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${name}.avsc`);
}
