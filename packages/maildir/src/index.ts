export { type CleanTmpOptions, cleanTmp, STALE_TMP_MS } from './clean-tmp.js';
export { CRLF_CACHE_DIR } from './crlf-cache.js';
export { type DeliverOptions, type Delivery, deliver } from './deliver.js';
export { MaildirError, type MaildirErrorCode } from './maildir-error.js';
export { createMaildirStore, type MaildirStoreOptions } from './maildir-store.js';
export { MAX_USER_LENGTH, prepareMaildir, resolveMaildir, userNameProblem } from './resolve-maildir.js';
export { UID_LIST_FILE, UID_LIST_LOCK } from './uid-list.js';
