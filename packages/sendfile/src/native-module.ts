/** The shape of build/Release/sendfile.node as loaded by require(). */
export interface NativeModule {
  sendFile(socketFd: number, head: Uint8Array, fileFd: number, offset: number, length: number): number;
}

export function isNativeModule(value: unknown): value is NativeModule {
  return typeof (value as Partial<NativeModule> | null)?.sendFile === 'function';
}
