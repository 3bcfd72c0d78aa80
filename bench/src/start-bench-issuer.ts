import { freePort } from '@liverty-music/test-support/free-port';
import { BENCH_DIR, TSX } from './bench-config';
import { createTokenSigner, type TokenSigner } from './sign-access-tokens';
import { type ChildService, startChildService } from './start-child-service';

export interface BenchIssuer extends TokenSigner {
  service: ChildService;
}

/** The issuer runs as a child process; tokens are signed here, where they are needed. */
export async function startBenchIssuer(): Promise<BenchIssuer> {
  const port = await freePort();
  const signer = createTokenSigner(`http://127.0.0.1:${port}`);
  const service = await startChildService({
    name: 'bench issuer',
    command: TSX,
    args: ['src/serve-issuer.ts'],
    cwd: BENCH_DIR,
    env: { BENCH_ISSUER_PORT: String(port), BENCH_ISSUER_JWK: JSON.stringify(signer.publicJwk) },
    readyUrl: `${signer.issuer}/.well-known/openid-configuration`,
  });
  return { ...signer, service };
}
