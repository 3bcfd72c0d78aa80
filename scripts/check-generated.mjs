// Regenerates gen/ from proto/ and fails if that changed anything: gen/ is committed, so a
// proto edit without `npm run generate` would ship stale types.
import { execFileSync } from 'node:child_process';

execFileSync('npx', ['buf', 'generate'], { stdio: 'inherit' });
const drift = execFileSync('git', ['status', '--porcelain', '--', 'gen'], { encoding: 'utf8' });
if (drift.trim() !== '') {
  console.error(`uncommitted changes found in gen/ — run "npm run generate" and commit:\n${drift}`);
  process.exit(1);
}
console.log('gen/ matches proto/');
