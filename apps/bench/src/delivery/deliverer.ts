/** Puts one new message into a user's maildrop. */
export interface Deliverer {
  deliver(user: string, message: Buffer): Promise<void>;
}
