import type { TokenSigner } from './sign-access-tokens';

/**
 * Access tokens for never-seen users, signed ahead of a run so signing does not compete with the
 * load it measures. Each implementation has its own database, so each reads the same sequence
 * from the start with its own cursor.
 */
export interface TokenSupply {
  /** Signs until at least `count` tokens exist. */
  ensure(count: number): void;
  readonly size: number;
  /** A reader that signs on demand only if the estimate in `ensure` fell short. */
  cursor(): { next: () => string; position: () => number };
}

export function createTokenSupply(
  signer: TokenSigner,
  subFor: (index: number) => string,
): TokenSupply {
  const tokens: string[] = [];
  const ensure = (count: number): void => {
    while (tokens.length < count) tokens.push(signer.sign(subFor(tokens.length)));
  };
  return {
    ensure,
    get size() {
      return tokens.length;
    },
    cursor() {
      let index = 0;
      return {
        next: () => {
          ensure(index + 1);
          return tokens[index++] as string;
        },
        position: () => index,
      };
    },
  };
}
