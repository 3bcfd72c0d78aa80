import { domainToASCII } from 'node:url';

/**
 * How the signup policy reads a username or an address: the way a mail system and a reader's eye
 * would, so a reserved name cannot get through in another spelling (docs/decisions/030).
 */

// Characters nobody sees: format characters (zero-width space and joiners, bidi embeddings,
// overrides and isolates, the BOM, the soft hyphen, tag characters), controls, line and paragraph
// separators, the combining grapheme joiner, Hangul fillers and variation selectors. A name that
// holds one is refused outright, never silently cleaned: it only exists to look like another name.
// (Variation selectors and the combining grapheme joiner U+034F are marks: outside the class.)
const INVISIBLE =
  /[\p{Cf}\p{Cc}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]|\p{Variation_Selector}|\u034F/u;

export function hasInvisibleCharacters(value: string): boolean {
  return INVISIBLE.test(value);
}

/**
 * NFKC (full-width letters, ligatures, compatibility forms become the plain letters they show),
 * then a case fold: upper- then lower-casing also folds `ß` to `ss` and the dotless `ı` to `i`,
 * which `toLowerCase` alone keeps.
 */
export function fold(value: string): string {
  return value.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').trim();
}

// Digits read as letters (leetspeak), and look-alike letters from other scripts that NFKC keeps
// apart (Cyrillic and Greek). Not the whole Unicode confusables table: the ones a person types to
// pass for "admin" or "support". `l` and `1` both read as `i`, so every name is compared in that
// one spelling, the reserved ones too.
const LOOK_ALIKES: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  l: 'i',
  '|': 'i',
  '!': 'i',
  $: 's',
  '@': 'a',
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  һ: 'h',
  м: 'm',
  т: 't',
  α: 'a',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
};

/**
 * A name as it reads: folded, accents dropped (`àdmín`), separators a reader skips ignored
 * (`a.d.m.i.n`, `ad-min`, `ad_min`, `ad min`, `admin.`), look-alikes read as the letter they show.
 * Two names with the same skeleton pass for each other.
 */
export function skeleton(name: string): string {
  const plain = fold(name).normalize('NFKD').replace(/\p{M}/gu, '');
  let out = '';
  for (const char of plain) {
    if (/[\s._\-\p{Pd}'`´]/u.test(char)) continue;
    out += LOOK_ALIKES[char] ?? char;
  }
  return out;
}

export interface Address {
  /** The mailbox, as a mail system reads it: unquoted, comments and a +tag dropped. */
  local: string;
  /** The domain in ASCII (IDN as punycode), lower case, without a trailing dot. */
  domain: string;
}

/** `"ad\min"(note)+news` → `admin`: RFC 5322 quoting and comments, and a sub-address tag. */
function mailboxOf(local: string): string {
  let mailbox = local.replace(/^\([^()]*\)|\([^()]*\)$/g, '');
  if (mailbox.length >= 2 && mailbox.startsWith('"') && mailbox.endsWith('"')) {
    mailbox = mailbox.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  const plus = mailbox.indexOf('+');
  return plus > 0 ? mailbox.slice(0, plus) : mailbox;
}

/** A domain as DNS resolves it: IDNA-mapped to ASCII (punycode), without the root's dot. */
export function asciiDomain(domain: string): string {
  const folded = fold(domain).replace(/\.+$/, '');
  // domainToASCII answers '' for what is not a domain; it is then compared as written.
  return domainToASCII(folded) || folded;
}

export function addressOf(value: string): Address | undefined {
  const folded = fold(value);
  const at = folded.lastIndexOf('@');
  if (at <= 0 || at === folded.length - 1) return undefined;
  return { local: mailboxOf(folded.slice(0, at)), domain: asciiDomain(folded.slice(at + 1)) };
}
