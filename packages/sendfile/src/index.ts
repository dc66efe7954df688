export { DEFAULT_ADDON_PATH, type LoadSendfileResult, loadSendfile, type SendfileBinding } from './load-sendfile.js';
export { socketFdOf } from './socket-fd-of.js';
