/** The shape of build/Release/gssapi.node as loaded by require(). */
export interface NativeModule {
  Acceptor: new (options?: { keytab?: string; principal?: string }) => NativeAcceptor;
  defaultRealm(): string | null;
  liveHandles(): number;
}

export interface NativeAcceptor {
  step(token: Uint8Array): Promise<{ complete: boolean; token: Buffer }>;
  wrap(data: Uint8Array, conf: boolean): Buffer;
  unwrap(token: Uint8Array): { data: Buffer; conf: boolean };
  initiatorName(): string;
  targetName(): string;
  localName(): string | null;
  mechanism(): string;
  isKrb5(): boolean;
  flags(): number;
  isComplete(): boolean;
  dispose(): void;
}

export function isNativeModule(value: unknown): value is NativeModule {
  const candidate = value as Partial<NativeModule> | null;
  return (
    typeof candidate?.Acceptor === 'function' &&
    typeof candidate.defaultRealm === 'function' &&
    typeof candidate.liveHandles === 'function'
  );
}
