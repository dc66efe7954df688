/**
 * User names are 1..64 characters from [A-Za-z0-9._@+-] and start with a letter or digit. That keeps them safe as
 * a path component (never "." or "..", never hidden), as a command-line argument (never "-x") and in the
 * colon-separated users file. Lookups ignore ASCII case; the spelling in the file is the canonical one.
 */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export function isValidUserName(name: string): boolean {
  return USER_NAME.test(name);
}

/** The lookup key for a valid user name. */
export function userKey(name: string): string {
  return name.toLowerCase();
}
