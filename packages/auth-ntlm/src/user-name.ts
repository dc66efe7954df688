/** The account a client names, as the user database sees it. */
export interface AccountName {
  readonly user: string;
  readonly domain: string;
}

/**
 * Splits the AUTHENTICATE's user and domain fields into the bare user name and its domain. `user@domain` (a UPN)
 * and `DOMAIN\user` typed into the user field win over the domain field. Null for an empty user name.
 */
export function splitUserName(user: string, domain: string): AccountName | null {
  const at = user.lastIndexOf('@');
  const backslash = user.indexOf('\\');
  let name: AccountName;
  if (at >= 0) name = { user: user.slice(0, at), domain: user.slice(at + 1) };
  else if (backslash >= 0) name = { user: user.slice(backslash + 1), domain: user.slice(0, backslash) };
  else name = { user, domain };
  return name.user === '' ? null : name;
}
