import { readEnvOptions } from './read-env-options';
import { startLocalIdp } from './start-local-idp';

// Entry point for `npm start`: configuration comes from LOCAL_IDP_* environment variables.
const idp = await startLocalIdp(readEnvOptions());
console.log(`local-idp ready at ${idp.issuer}`);
console.log(
  `  (dev-only) data dir ${idp.dataDir}; Event API PAT in ${idp.dataDir}/admin.pat unless LOCAL_IDP_PAT is set`,
);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) {
    // A second Ctrl-C means "now".
    process.exit(1);
  }
  stopping = true;
  console.log(`local-idp: ${signal} received, shutting down`);
  idp.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`local-idp: shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
