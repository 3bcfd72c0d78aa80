// `npm start`: the whole product on embedded defaults (local identity provider, PGlite).
import { join } from 'node:path';
import { ROOT, startStack } from './stack';

const stack = await startStack({
  dataDir: join(ROOT, '.data'),
  idpPort: 8080,
  apiPort: 3000,
  webPort: 5173,
  // DATABASE_URL in the environment switches the backend to real Postgres.
  databaseUrl: process.env.DATABASE_URL || undefined,
  web: 'dev',
}).catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});

console.log(`Open ${stack.appUrl}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
