import type { TokenSigner } from './sign-access-tokens';

/**
 * Access tokens for never-seen users, signed ahead of a run so signing does not compete with the
 * load it measures. Each implementation has its own database, so each reads the same sequence
 * from the start with its own cursor.
 */
export class TokenSupply {
  private readonly tokens: string[] = [];
  constructor(
    private readonly signer: TokenSigner,
    private readonly subFor: (index: number) => string,
  ) {}

  /** Signs until at least `count` tokens exist. */
  ensure(count: number): void {
    while (this.tokens.length < count)
      this.tokens.push(this.signer.sign(this.subFor(this.tokens.length)));
  }

  get size(): number {
    return this.tokens.length;
  }

  /** A reader that signs on demand only if the estimate in `ensure` fell short. */
  cursor(): { next: () => string; position: () => number } {
    let index = 0;
    return {
      next: () => {
        this.ensure(index + 1);
        return this.tokens[index++] as string;
      },
      position: () => index,
    };
  }
}
