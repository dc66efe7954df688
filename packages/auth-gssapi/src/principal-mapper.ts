/** How a Kerberos principal becomes a mailbox user name. */
export interface PrincipalMapping {
  /** Explicit principal -> user table, consulted first. Keys are full principals ('bob@PARTNER.ORG'). */
  readonly principalMap?: Readonly<Record<string, string>> | undefined;
  /** The realm whose single-component principals map to their name part. Null: none. */
  readonly realm: string | null;
  /** Use the krb5 auth_to_local rules (gss_localname) instead of dropping the realm. */
  readonly useAuthToLocal?: boolean | undefined;
}

/**
 * The user for `principal`, or null when it has none. Order: the explicit table; then either auth_to_local
 * (`localName`, when enabled) or "drop @REALM" for principals of `realm` without an instance ('alice@EXAMPLE.TEST'
 * -> 'alice'; 'alice/admin@EXAMPLE.TEST' and principals of other realms map to nothing unless listed).
 */
export function mapPrincipal(
  principal: string,
  mapping: PrincipalMapping,
  localName: () => string | null,
): string | null {
  const listed =
    mapping.principalMap && Object.hasOwn(mapping.principalMap, principal)
      ? mapping.principalMap[principal]
      : undefined;
  if (listed !== undefined) return listed || null;
  const user = mapping.useAuthToLocal ? localName() : stripRealm(principal, mapping.realm);
  return user ? user : null;
}

function stripRealm(principal: string, realm: string | null): string | null {
  const at = principal.lastIndexOf('@');
  if (realm === null || at <= 0 || principal.slice(at + 1) !== realm) return null;
  const name = principal.slice(0, at);
  // An instance ('/') or an escaped character ('\') means this is not a plain user principal.
  return /[/\\]/.test(name) ? null : name;
}
